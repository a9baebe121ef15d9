# shellcheck shell=bash disable=SC2034  # WHAT (what it is made from) is read by docker-engine.sh
# postgres:<major>[-alpine]: Debian's postgresql-<major> on the Debian stand-in base, with an entrypoint doing the
# commonly used part of the official one (see Dockerfile). Sourced by ../../docker-engine.sh (see `recipe` there).

pg_major() { # postgres:17-alpine -> 17; postgres:alpine -> "" (the Dockerfile's default)
  local v=${1#postgres:}
  v=${v%%[-.]*}
  case $v in '' | *[!0-9]*) echo "" ;; *) echo "$v" ;; esac
}

recipe_needs() { echo "$BASE_IMAGE"; }

recipe_prepare() {
  local major
  major=$(pg_major "$1")
  BUILD_ARGS+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
  if [ -n "$major" ]; then BUILD_ARGS+=(--build-arg "PG_MAJOR=$major"); fi
  WHAT="Debian ${BASE_IMAGE#*:}'s PostgreSQL${major:+ $major}"
}

recipe_check() { docker run --rm --network none --entrypoint postgres "$1" --version; }
