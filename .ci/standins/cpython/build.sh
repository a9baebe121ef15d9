# shellcheck shell=bash disable=SC2034  # WHAT (what it is made from) is read by docker-engine.sh
# ci-standin-cpython:<X.Y.Z>-musl: CPython X.Y compiled for musl from Debian's python<X.Y> source package (see
# Dockerfile): version X.Y.Z if a Debian suite (bookworm, trixie, forky, sid) has it, else the newest there, else
# the upstream tarball of Ubuntu's python<X.Y> (Debian dropped 3.12 before trixie; its mirror may not serve 3.14).
# Sourced by ../../docker-engine.sh (see `recipe` there).

cpython_minor() { echo "${1#*:}" | cut -d. -f1,2; } # ci-standin-cpython:3.13.15-musl -> 3.13
cpython_patch() { local v=${1#*:}; echo "${v%-*}"; } # -> 3.13.15

recipe_needs() { printf '%s\n' "$BASE_IMAGE" "$ALPINE_IMAGE"; }

recipe_available() {
  local minor
  minor=$(cpython_minor "$1")
  if [ -z "$(python_source "$minor" "$(cpython_patch "$1")")" ]; then
    if [ -z "$(debian_source "python$minor")" ]; then
      echo "no Debian suite (bookworm, trixie, forky, sid) has the source package python$minor, Ubuntu's" \
        "($UBUNTU_SUITES) cannot be fetched (see $WORK/ubuntu/fetch.log), and no other CPython source is reachable"
    else
      echo "Debian's mirror lists python$minor source packages but serves none of them (see" \
        "$WORK/apt-source.log), and Ubuntu's ($UBUNTU_SUITES) cannot be fetched (see $WORK/ubuntu/fetch.log)"
    fi
    return 1
  fi
}

# python_source X.Y X.Y.Z: the Debian (or Ubuntu) version of python<X.Y> whose source is downloaded to $WORK/sources:
# X.Y.Z-* if a Debian suite has it, else the newest that Debian's mirror serves (failed downloads are remembered),
# else the one Ubuntu's archive has (see fetch_ubuntu_source in lib.sh). Empty if none.
python_source() {
  local version dir=$WORK/sources
  mkdir -p "$dir"
  for version in $(debian_source "python$1" "$2") $(debian_versions "python$1" | sort -rV); do
    if [ -e "$dir/unavailable-python$1_$version" ]; then continue; fi
    if ls "$dir/python${1}_${version%%-*}.orig.tar."* >/dev/null 2>&1 ||
      (fetch_debian_source "$dir" "python$1=$version") >/dev/null 2>&1; then
      echo "$version"
      return 0
    fi
    touch "$dir/unavailable-python$1_$version"
  done
  fetch_ubuntu_source "$dir" "python$1" "$2"
}

recipe_prepare() {
  local tag=$1 ctx=$2 minor version dep deps=()
  minor=$(cpython_minor "$tag")
  version=$(python_source "$minor" "$(cpython_patch "$tag")")
  mkdir -p "$ctx/src/python"
  cp "$WORK/sources/python${minor}_${version%%-*}.orig.tar."* "$ctx/src/python/"
  # libffi 3.4.4 (bookworm): its tarball has a configure script (trixie's 3.4.8 would need autotools).
  for dep in libffi=3.4.4 bzip2=1.0.8 sqlite3=3.46.1; do
    deps+=("${dep%=*}=$(debian_source "${dep%=*}" "${dep#*=}")")
  done
  fetch_debian_source "$ctx/src/deps" "${deps[@]}"
  find "$ctx/src/deps" -type f ! -name '*.orig.tar.*' -delete
  BUILD_ARGS+=(--build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "ALPINE_IMAGE=$ALPINE_IMAGE"
    --build-arg "PYTHON_VERSION=${version%%-*}")
  case $version in
    *ubuntu*) WHAT="Ubuntu's python$minor $version source, compiled for musl" ;;
    *) WHAT="Debian's python$minor $version source, compiled for musl" ;;
  esac
}

recipe_check() { echo "CPython $(image_env "$1" PYTHON_VERSION)"; }
