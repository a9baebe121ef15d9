# shellcheck shell=bash disable=SC2034  # WHAT (what it is made from) is read by docker-engine.sh
# ci-standin-cpython:<X.Y.Z>-<glibc|musl>: CPython X.Y compiled from Debian's python<X.Y> source package (see
# Dockerfile): version X.Y.Z if a Debian suite (bookworm, trixie, forky, sid) has it, else the newest there.
# Sourced by ../../docker-engine.sh (see `recipe` there).

cpython_minor() { echo "${1#*:}" | cut -d. -f1,2; } # ci-standin-cpython:3.13.15-musl -> 3.13
cpython_patch() { local v=${1#*:}; echo "${v%-*}"; } # -> 3.13.15
cpython_libc() { echo "${1##*-}"; }                  # -> musl

recipe_needs() {
  echo "$BASE_IMAGE"
  if [ "$(cpython_libc "$1")" = musl ]; then echo "$ALPINE_IMAGE"; fi
}

recipe_available() {
  local minor
  minor=$(cpython_minor "$1")
  case $(cpython_libc "$1") in glibc | musl) ;; *) echo "unknown C library in $1 (glibc or musl)"; return 1 ;; esac
  if [ -z "$(debian_source "python$minor")" ]; then
    echo "no Debian suite (bookworm, trixie, forky, sid) has the source package python$minor, and no other CPython source is reachable"
    return 1
  fi
}

recipe_prepare() {
  local tag=$1 ctx=$2 minor version upstream libc dep deps=() cache=$WORK/sources
  minor=$(cpython_minor "$tag")
  libc=$(cpython_libc "$tag")
  version=$(debian_source "python$minor" "$(cpython_patch "$tag")")
  upstream=${version%%-*}
  if ! ls "$cache/python${minor}_$upstream.orig.tar."* >/dev/null 2>&1; then
    fetch_debian_source "$cache" "python$minor=$version"
  fi
  mkdir -p "$ctx/src/python"
  cp "$cache/python${minor}_$upstream.orig.tar."* "$ctx/src/python/"
  if [ "$libc" = musl ]; then
    # libffi 3.4.4 (bookworm): its tarball has a configure script (trixie's 3.4.8 would need autotools).
    for dep in libffi=3.4.4 bzip2=1.0.8 sqlite3=3.46.1; do
      deps+=("${dep%=*}=$(debian_source "${dep%=*}" "${dep#*=}")")
    done
    fetch_debian_source "$ctx/src/deps" "${deps[@]}"
    find "$ctx/src/deps" -type f ! -name '*.orig.tar.*' -delete
  fi
  BUILD_ARGS+=(--target "$libc" --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "ALPINE_IMAGE=$ALPINE_IMAGE"
    --build-arg "PYTHON_VERSION=$upstream")
  WHAT="Debian's python$minor $version source, compiled for $libc"
}

recipe_check() {
  docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$1" | sed -n 's/^PYTHON_VERSION=/CPython /p'
}
