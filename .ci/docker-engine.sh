#!/usr/bin/env bash
# Make sure a Docker engine (26+, buildx, compose v2) runs and that the images this template's builds and tests
# start FROM exist locally. Safe on any machine: what already works is left alone.
#
#   .ci/docker-engine.sh [TAG ...]        default TAGs: see DEFAULT_TAGS below
#
# Engine: if `docker info` works, that engine is used as it is. Otherwise (Debian, root) Docker Engine 26 + buildx +
#   compose v2 are installed from Debian $CI_DOCKER_SUITE's packages docker.io, docker-cli, docker-buildx,
#   docker-compose (they need only libc6 >= 2.34 plus containerd, runc, iptables and tini, which bookworm has),
#   fetched through a private apt list directory so the system's apt sources stay untouched, and dockerd is
#   started in the background (no systemd needed; log in $CI_DOCKER_WORKDIR/dockerd.log).
# Images, for each TAG: present locally -> kept; else `docker pull` (with a timeout); only if that fails, a local
#   "stand-in" is built from the recipes in .ci/docker/ on a Debian base made with debootstrap. Stand-ins are
#   Debian-based whatever their tag says: postgres:17-alpine is Debian's PostgreSQL 17, redis:8.2-alpine Debian's
#   Redis 8.0, python:3.X-slim-trixie an upstream CPython 3.X (from pyenv, else Debian's python3.X) under
#   /usr/local. The tags are just names that let the project's Dockerfiles and compose files build and run on
#   machines without a container registry; they are rebuilt when their recipe (or the local CA certificates they
#   trust) changes, and never replace a real image.
#
# Environment:
#   CI_DOCKER_WORKDIR      work directory: apt lists, dockerd.log, build logs (default ${TMPDIR:-/tmp}/ci-docker-engine)
#   CI_DOCKER_PULL_TIMEOUT seconds per `docker pull` (default 60; 0 = never pull)
#   CI_DOCKER_REBUILD      1 = rebuild stand-ins even if up to date (`docker rmi ci-standin-base:trixie` for the base)
#   CI_DOCKER_SUITE        Debian suite of the engine packages and the stand-in base (default trixie)
#   CI_DEBIAN_MIRROR       Debian mirror URL (default: the one in this machine's apt sources)
set -Eeuo pipefail

DEFAULT_TAGS=(
  python:3.11.16-slim-trixie
  python:3.12.15-slim-trixie
  python:3.13.15-slim-trixie
  postgres:17-alpine
  redis:8.2-alpine
)
ENGINE_MIN_MAJOR=26

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
RECIPES=$HERE/docker
WORK=${CI_DOCKER_WORKDIR:-${TMPDIR:-/tmp}/ci-docker-engine}
PULL_TIMEOUT=${CI_DOCKER_PULL_TIMEOUT:-60}
SUITE=${CI_DOCKER_SUITE:-trixie}
BASE_IMAGE=ci-standin-base:$SUITE
LABEL=ci.standin.recipe
export DEBIAN_FRONTEND=noninteractive
APT_GET=(apt-get -o DPkg::Lock::Timeout=300)

# ---------------------------------------------------------------------------------------------------- helpers
# Milliseconds since the epoch (EPOCHREALTIME: bash 5; plain `date +%s` elsewhere, e.g. macOS' bash 3.2).
now_ms() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local us=${EPOCHREALTIME/[.,]/}
    echo $((10#$us / 1000))
  else
    echo $(($(date +%s) * 1000))
  fi
}
T0=$(now_ms)
secs() { local ms=$(($(now_ms) - $1)); printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)); }
log() { printf '[%7s] %s\n' "$(secs "$T0")" "$*"; }
die() {
  printf 'docker-engine.sh: error: %s\n' "$*" >&2
  exit 1
}
trap 'die "command failed (line $LINENO, exit $?): $BASH_COMMAND"' ERR

is_root() { [ "$(id -u)" = 0 ]; }
is_debian() { [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

# quiet LOGFILE CMD...: run CMD with its output in LOGFILE; on failure show the end of it.
quiet() {
  local logfile=$1 rc=0
  shift
  "$@" >"$logfile" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    tail -n 25 "$logfile" | sed 's/^/    | /' >&2
    echo "    (full log: $logfile)" >&2
  fi
  return "$rc"
}

usage() {
  sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
  printf '\nDefault TAGs: %s\n' "${DEFAULT_TAGS[*]}"
}

# debian_mirror [main|security]: the Debian mirror this machine's apt uses for its own release (deb822 or
# one-line sources), so that no host name needs to be written down anywhere.
debian_mirror() {
  local want=${1:-main} codename f
  if [ "$want" = main ] && [ -n "${CI_DEBIAN_MIRROR:-}" ]; then
    echo "${CI_DEBIAN_MIRROR%/}"
    return
  fi
  # shellcheck source=/dev/null
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}") || true
  [ -n "$codename" ] || return 0
  {
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -r "$f" ] || continue
      awk -v want="$want" -v cn="$codename" '
        BEGIN { RS = "" }
        {
          types = uri = suites = ""; enabled = 1
          n = split($0, line, "\n")
          for (i = 1; i <= n; i++) {
            if (line[i] ~ /^Types:/) types = line[i] " "
            else if (line[i] ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", line[i]); split(line[i], u, /[ \t]+/); uri = u[1] }
            else if (line[i] ~ /^Suites:/) suites = " " substr(line[i], 8) " "
            else if (line[i] ~ /^Enabled:[ \t]*no/) enabled = 0
          }
          if (!enabled || types !~ /[ \t]deb[ \t]/ || uri == "") next
          suite = (want == "security") ? cn "-security" : cn
          if (index(suites, " " suite " ")) { sub(/\/$/, "", uri); print uri; exit }
        }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -r "$f" ] || continue
      awk -v want="$want" -v cn="$codename" '
        $1 == "deb" {
          i = 2
          if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
          uri = $i; suite = $(i + 1)
          if (suite == ((want == "security") ? cn "-security" : cn)) { sub(/\/$/, "", uri); print uri; exit }
        }' "$f"
    done
  } | head -n 1
}

# suite_apt ARGS...: apt-get against Debian $SUITE through a private list directory (system sources untouched).
SUITE_APT=()
suite_apt() {
  local alt=$WORK/apt-$SUITE mirror
  if [ ${#SUITE_APT[@]} = 0 ]; then
    mirror=$(debian_mirror)
    [ -n "$mirror" ] || die "no Debian mirror found in this machine's apt sources; set CI_DEBIAN_MIRROR"
    mkdir -p "$alt/lists/partial" "$alt/cache/archives/partial"
    echo "deb $mirror $SUITE main" >"$alt/sources.list"
    SUITE_APT=(apt-get -o "Dir::Etc::SourceList=$alt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
      -o "Dir::State::Lists=$alt/lists" -o "Dir::Cache=$alt/cache" -o Acquire::Languages=none)
    quiet "$WORK/apt-$SUITE-update.log" "${SUITE_APT[@]}" update ||
      die "apt-get update for Debian $SUITE from $mirror failed"
  fi
  "${SUITE_APT[@]}" "$@"
}

# install_from_suite PKG...: install Debian $SUITE's .debs of PKG (not their dependencies: those come from this
# machine's own release). The lock fd is closed so that a service a package starts cannot hold it.
install_from_suite() {
  if ! is_root || ! is_debian; then
    die "cannot install $* here (needs root on Debian); install Docker Engine >= $ENGINE_MIN_MAJOR with buildx and compose v2, then start it"
  fi
  local debs=$WORK/debs-$SUITE
  rm -rf "$debs" && mkdir -p "$debs"
  (cd "$debs" && quiet "$WORK/apt-download.log" suite_apt download "$@") || die "downloading $* from Debian $SUITE failed"
  quiet "$WORK/apt-update.log" "${APT_GET[@]}" update || die "apt-get update failed"
  quiet "$WORK/apt-install.log" "${APT_GET[@]}" install -y --no-install-recommends "$debs"/*.deb 9>&- ||
    die "installing $* failed"
}

# ----------------------------------------------------------------------------------------------------- engine
dockerd_major() {
  command -v dockerd >/dev/null 2>&1 || return 0
  dockerd --version 2>/dev/null | sed -n 's/^Docker version \([0-9]*\)\..*/\1/p'
}

start_dockerd() {
  local pidfile=/var/run/docker.pid pid="" i
  is_root || die "the Docker engine is not running, and starting it needs root"
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl start docker >/dev/null 2>&1 9>&- || true
  fi
  if docker info >/dev/null 2>&1; then return 0; fi
  if [ -s "$pidfile" ]; then
    pid=$(cat "$pidfile")
    if [ "$(ps -o comm= -p "$pid" 2>/dev/null)" != dockerd ]; then
      rm -f "$pidfile" # stale (e.g. left in a machine image): dockerd would refuse to start
      pid=""
    fi
  fi
  if [ -z "$pid" ]; then
    nohup setsid dockerd >>"$WORK/dockerd.log" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$WORK/dockerd.pid"
  fi
  for i in $(seq 1 120); do
    if docker info >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    [ "$i" = 120 ] || sleep 0.5
  done
  tail -n 25 "$WORK/dockerd.log" | sed 's/^/    | /' >&2
  die "dockerd did not come up (log: $WORK/dockerd.log)"
}

ensure_engine() {
  local t how major missing=() server
  t=$(now_ms)
  if docker info >/dev/null 2>&1; then
    how="already running"
  else
    major=$(dockerd_major)
    if [ -z "$major" ] || [ "$major" -lt "$ENGINE_MIN_MAJOR" ]; then
      log "engine: no Docker engine >= $ENGINE_MIN_MAJOR; installing Debian $SUITE's docker.io, docker-cli, docker-buildx, docker-compose"
      install_from_suite docker.io docker-cli docker-buildx docker-compose
      how="installed and started"
    else
      how="started"
    fi
    docker info >/dev/null 2>&1 || start_dockerd
  fi
  docker buildx version >/dev/null 2>&1 || missing+=(docker-buildx)
  docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
  if [ ${#missing[@]} != 0 ]; then
    log "engine: missing CLI plugin(s) ${missing[*]}; installing Debian $SUITE's packages"
    install_from_suite "${missing[@]}"
    if ! docker buildx version >/dev/null 2>&1 || ! docker compose version >/dev/null 2>&1; then
      die "docker buildx / docker compose still missing after installing ${missing[*]}"
    fi
  fi
  server=$(docker version --format '{{.Server.Version}}')
  if [ "${server%%.*}" -lt "$ENGINE_MIN_MAJOR" ] 2>/dev/null; then
    log "engine: WARNING: engine $server is older than $ENGINE_MIN_MAJOR (the project's Dockerfiles may need newer features)"
  fi
  log "engine: Docker Engine $server $how, $(docker buildx version | awk '{print "buildx " $2}'), compose $(docker compose version --short) ($(secs "$t"))"
}

# ------------------------------------------------------------------------------------------------- base image
cleanup_rootfs() {
  local rootfs=$1 m
  [ -e "$rootfs" ] || return 0
  # debootstrap may leave /proc, /sys or /dev mounts behind when it fails: never delete through them.
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v r="$rootfs/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r)
  rm -rf --one-file-system "$rootfs"
}

ensure_base() {
  local t rootfs mirror security
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return 0
  t=$(now_ms)
  if ! is_root || ! is_debian; then die "building the stand-in base image needs root on Debian (debootstrap)"; fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    quiet "$WORK/apt-update.log" "${APT_GET[@]}" update || die "apt-get update failed"
    quiet "$WORK/apt-install.log" "${APT_GET[@]}" install -y --no-install-recommends debootstrap 9>&- ||
      die "installing debootstrap failed"
  fi
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || die "no Debian mirror found in this machine's apt sources; set CI_DEBIAN_MIRROR"
  security=$(debian_mirror security)
  rootfs=$WORK/rootfs-$SUITE
  cleanup_rootfs "$rootfs"
  quiet "$WORK/debootstrap.log" debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" 9>&- ||
    { cleanup_rootfs "$rootfs"; die "debootstrap of Debian $SUITE from $mirror failed"; }

  # Shape it like debian:<suite>-slim: deb822 sources, no services started by package scripts, apt cleans up
  # after itself, no docs/man pages/locales, nothing of the host (resolv.conf, hostname) left inside.
  rm -f "$rootfs/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$mirror" "$SUITE" "$SUITE"
    if [ -n "$security" ]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$security" "$SUITE"
    fi
  } >"$rootfs/etc/apt/sources.list.d/debian.sources"
  printf '#!/bin/sh\n# Do not start services while building images.\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  printf '%s\n' \
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";' >"$rootfs/etc/apt/apt.conf.d/docker-clean"
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/groff/*' \
    'path-exclude /usr/share/linda/*' 'path-exclude /usr/share/lintian/*' \
    'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/docker"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/groff/* "$rootfs"/var/log/*.log \
    "$rootfs"/etc/hostname
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  : >"$rootfs/etc/resolv.conf"
  if [ -e "$rootfs/etc/machine-id" ]; then : >"$rootfs/etc/machine-id"; fi

  tar -C "$rootfs" --numeric-owner -c . |
    docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["bash"]' \
      - "$BASE_IMAGE" >/dev/null
  cleanup_rootfs "$rootfs"
  log "base: $BASE_IMAGE from debootstrap --variant=minbase $SUITE ($(secs "$t"))"
}

# ------------------------------------------------------------------------------------------------- stand-ins
# standin_kind TAG: which recipe under .ci/docker/ stands in for TAG (empty: none).
standin_kind() {
  case $1 in
    python:3.[0-9]*-slim | python:3.[0-9]*-slim-*) echo python ;;
    postgres:*) echo postgres ;;
    redis:*) echo redis ;;
    *) echo "" ;;
  esac
}

python_minor() { # python:3.12-slim-trixie -> 3.12
  local v=${1#python:}
  v=${v%%-*}
  echo "$v" | cut -d. -f1,2
}

pg_major() { # postgres:17-alpine -> 17; postgres:alpine -> "" (the recipe's default)
  local v=${1#postgres:}
  v=${v%%[-.]*}
  case $v in '' | *[!0-9]*) echo "" ;; *) echo "$v" ;; esac
}

# python_source X.Y: a self-contained CPython X.Y.Z on this machine (newest pyenv build; empty if none).
python_source() {
  local root d best=""
  root=$(pyenv root 2>/dev/null) || root=${PYENV_ROOT:-$HOME/.pyenv}
  for d in "$root/versions/$1".*; do
    [[ ${d##*/} =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] && [ -x "$d/bin/python$1" ] || continue
    best=$(printf '%s\n%s\n' "$best" "$d" | sed '/^$/d' | sort -V | tail -n 1)
  done
  echo "$best"
}

local_ca_certs() { # CA certificates this machine trusts on top of the system bundle (update-ca-certificates' input)
  find /usr/local/share/ca-certificates -type f -name '*.crt' 2>/dev/null | LC_ALL=C sort
}

# standin_recipe KIND TAG: a hash of everything a stand-in is made of, stored as a label to detect stale ones.
standin_recipe() {
  local kind=$1 tag=$2 src f
  {
    echo "$kind $SUITE"
    for f in "$RECIPES/$kind"/*; do
      echo "${f##*/}"
      cat "$f"
    done
    case $kind in
      python)
        src=$(python_source "$(python_minor "$tag")")
        echo "${src##*/}"
        while read -r f; do cat "$f"; done < <(local_ca_certs)
        ;;
      postgres) pg_major "$tag" ;;
    esac
  } | sha256sum | cut -c1-16
}

# prepare_python CTX SRC X.Y: copy CPython from SRC into CTX/python (bin, lib, include for /usr/local), trimmed like
# the official slim image (no test suites, idle/tkinter, static library, extra optimisation-level bytecode,
# site-packages: pip comes from ensurepip in the image), stripped, with SRC's prefix rewritten to /usr/local.
prepare_python() {
  local ctx=$1 src=$2 minor=$3 dst=$1/python
  mkdir -p "$dst"
  tar -C "$src" -c \
    --exclude="./lib/python$minor/site-packages/*" --exclude="./lib/python$minor/test" \
    --exclude="./lib/python$minor/idlelib" --exclude="./lib/python$minor/tkinter" \
    --exclude="./lib/python$minor/turtledemo" --exclude='*/tests' --exclude='*/test' --exclude='*/idle_test' \
    --exclude='_tkinter*.so' --exclude='libpython*.a' --exclude='*.opt-[12].pyc' --exclude='*-gdb.py' \
    ./bin ./lib ./include | tar -C "$dst" -x
  # bin/ of a pyenv version also holds scripts of packages installed there: keep the interpreter's own only.
  find "$dst/bin" -mindepth 1 -maxdepth 1 ! -name 'python*' ! -name 'pydoc*' ! -name '2to3*' -exec rm -rf {} +
  if command -v strip >/dev/null 2>&1; then
    find "$dst" -type f \( -name '*.so' -o -name '*.so.*' -o -path "*/bin/python$minor" \) \
      -exec strip --strip-unneeded {} + 2>/dev/null || true
  fi
  { grep -rlIF -- "$src" "$dst" || true; } | while read -r f; do sed -i "s|$src|/usr/local|g" "$f"; done
}

build_standin() {
  local kind=$1 tag=$2 recipe=$3 t ctx src minor major buildlog what version hint="" old new
  local args=(--build-arg "BASE_IMAGE=$BASE_IMAGE" --label "$LABEL=$recipe" -t "$tag")
  if [ "${CI_DOCKER_REBUILD:-0}" = 1 ]; then args+=(--no-cache); fi
  ensure_base
  t=$(now_ms)
  old=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null) || old=""
  ctx=$WORK/build/${tag//[:\/]/_}
  buildlog=$WORK/build-${tag//[:\/]/_}.log
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -a "$RECIPES/$kind/." "$ctx/"
  case $kind in
    python)
      minor=$(python_minor "$tag")
      src=$(python_source "$minor")
      mkdir -p "$ctx/certs"
      while read -r f; do cp "$f" "$ctx/certs/"; done < <(local_ca_certs)
      if [ -n "$src" ]; then
        prepare_python "$ctx" "$src" "$minor"
        args+=(--build-arg "PYTHON_VERSION=${src##*/}")
        what="CPython ${src##*/} (self-contained build on this machine)"
      else
        args+=(-f "$ctx/Dockerfile.debian" --build-arg "PYTHON_MINOR=$minor")
        what="Debian $SUITE's python$minor (no self-contained CPython $minor on this machine)"
        hint="no CPython $minor in pyenv's versions here, and Debian $SUITE may not package python$minor"
      fi
      ;;
    postgres)
      major=$(pg_major "$tag")
      if [ -n "$major" ]; then args+=(--build-arg "PG_MAJOR=$major"); fi
      what="Debian $SUITE's PostgreSQL${major:+ $major}"
      ;;
    redis) what="Debian $SUITE's Redis" ;;
  esac
  if ! quiet "$buildlog" docker build "${args[@]}" "$ctx"; then
    rm -rf "$ctx"
    die "building the stand-in for $tag failed${hint:+ ($hint)}"
  fi
  rm -rf "$ctx"
  # The stand-in it replaces, if now untagged and unused (fails harmlessly if an image or container uses it).
  new=$(docker image inspect -f '{{.Id}}' "$tag")
  if [ -n "$old" ] && [ "$old" != "$new" ]; then docker rmi "$old" >/dev/null 2>&1 || true; fi
  case $kind in
    python) version=$(docker run --rm --network none "$tag" python -c 'import sys; print(sys.version.split()[0])') ;;
    postgres) version=$(docker run --rm --network none --entrypoint postgres "$tag" --version) ;;
    redis) version=$(docker run --rm --network none --entrypoint redis-server "$tag" --version | awk '{sub(/^v=/, "", $3); print $3}') ;;
  esac
  log "$tag: built stand-in from $what: ${version} ($(secs "$t"))"
}

pull() {
  local tag=$1 out rc=0 t limit=()
  [ "$PULL_TIMEOUT" != 0 ] || return 1
  if command -v timeout >/dev/null 2>&1; then limit=(timeout "$PULL_TIMEOUT"); fi
  t=$(now_ms)
  out=$("${limit[@]+"${limit[@]}"}" docker pull -q "$tag" 2>&1) || rc=$?
  if [ "$rc" = 0 ]; then
    log "$tag: pulled ($(secs "$t"))"
    return 0
  fi
  if [ "$rc" = 124 ]; then out="timed out after ${PULL_TIMEOUT}s"; fi
  log "$tag: pull failed ($(secs "$t")): $(printf '%s\n' "$out" | head -n 1 | cut -c1-160)"
  return 1
}

ensure_image() {
  local tag=$1 kind recipe have
  kind=$(standin_kind "$tag")
  if docker image inspect "$tag" >/dev/null 2>&1; then
    have=$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$tag" 2>/dev/null) || have=""
    if [ -z "$have" ] || [ "$have" = "<no value>" ]; then
      log "$tag: present"
      return 0
    fi
    if [ "${CI_DOCKER_REBUILD:-0}" = 1 ]; then
      log "$tag: rebuilding stand-in (CI_DOCKER_REBUILD=1)"
    elif [ -z "$kind" ]; then
      log "$tag: present (stand-in of a recipe that no longer exists)"
      return 0
    elif [ "$have" = "$(standin_recipe "$kind" "$tag")" ]; then
      log "$tag: present (stand-in)"
      return 0
    else
      log "$tag: stand-in is out of date (recipe or local CA certificates changed)"
    fi
  fi
  if pull "$tag"; then return 0; fi
  [ -n "$kind" ] || die "$tag: not present, cannot be pulled, and .ci/docker/ has no stand-in recipe for it"
  recipe=$(standin_recipe "$kind" "$tag")
  build_standin "$kind" "$tag" "$recipe"
}

# ------------------------------------------------------------------------------------------------------- main
main() {
  local tags=() tag
  for tag in "$@"; do
    case $tag in
      -h | --help) usage; exit 0 ;;
      -*) die "unknown option: $tag (see --help)" ;;
      *) tags+=("$tag") ;;
    esac
  done
  [ ${#tags[@]} != 0 ] || tags=("${DEFAULT_TAGS[@]}")
  [[ $PULL_TIMEOUT =~ ^[0-9]+$ ]] || die "CI_DOCKER_PULL_TIMEOUT must be a number of seconds"

  mkdir -p "$WORK"
  # One run at a time per machine (parallel CI jobs or test workers). fd 9 is closed for everything that may
  # outlive this script (dockerd, services started by packages), so the lock ends with the script.
  exec 9>"$WORK/lock"
  if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
    log "waiting for another run of this script (lock: $WORK/lock)"
    flock -w 1800 9 || die "another run of this script still holds $WORK/lock"
  fi

  ensure_engine
  for tag in "${tags[@]}"; do ensure_image "$tag"; done
  log "done: ${tags[*]}"
}

main "$@"
