# shellcheck shell=bash disable=SC2034  # WHAT (what it is made from) is read by docker-engine.sh
# ghcr.io/astral-sh/uv:<version>: /uv and /uvx from PyPI's uv musllinux wheel (see Dockerfile). Sourced by
# ../../docker-engine.sh (see `recipe` there).

recipe_prepare() {
  local tag=$1 ctx=$2 wheel tool
  wheel=$(pypi_wheel "$WORK/wheels" musllinux_1_1_x86_64 "uv==${tag##*:}")
  for tool in uv uvx; do unzip_member "$wheel" "uv-${tag##*:}.data/scripts/$tool" "$ctx/$tool"; done
  WHAT=${wheel##*/}
}

recipe_check() { docker run --rm --network none "$1" --version; }
