# shellcheck shell=bash disable=SC2034  # WHAT (what it is made from) is read by docker-engine.sh
# redis:<version>[-alpine]: Debian's redis-server on the Debian stand-in base, with an entrypoint after the
# official one (see Dockerfile). Sourced by ../../docker-engine.sh (see `recipe` there).

recipe_needs() { echo "$BASE_IMAGE"; }

recipe_prepare() {
  BUILD_ARGS+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
  WHAT="Debian ${BASE_IMAGE#*:}'s Redis"
}

recipe_check() {
  docker run --rm --network none --entrypoint redis-server "$1" --version | awk '{sub(/^v=/, "", $3); print "Redis " $3}'
}
