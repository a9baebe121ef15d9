#!/usr/bin/env bash
# Podman, to run Kubernetes manifests without a cluster (`podman kube play FILE` ... `podman kube down FILE`).
# Test infrastructure only. Safe to run again: what is already there is left alone.
#
#   .ci/podman.sh                 install podman + catatonit (Debian packages, root) where missing; configure it
#   .ci/podman.sh load IMAGE...   copy images from the Docker engine into podman's store (docker save | podman
#                                 load), unless podman already has that image; use `imagePullPolicy: Never`
#
# Configuration: podman's default rlimits are refused in some sandboxes ("error setting rlimit type 7"), so
# containers.conf.d/ci-ulimits.conf sets ulimits that fit. Podman turns an httpGet probe into `curl` inside the
# container, which slim images lack: judge health from outside (the hostPort) or use exec probes.
set -Eeuo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=.ci/lib.sh
. "$HERE/lib.sh"
CONF=/etc/containers/containers.conf.d/ci-ulimits.conf
trap 'die "command failed (line $LINENO, exit $?): $BASH_COMMAND"' ERR

ensure_podman() {
  local t
  t=$(now_ms)
  if ! command -v podman >/dev/null 2>&1 || ! command -v catatonit >/dev/null 2>&1; then
    if ! is_root || ! is_debian; then die "podman is missing, and installing it needs root on Debian"; fi
    mkdir -p "$WORK"
    quiet "$WORK/apt-update.log" "${APT_GET[@]}" update || die "apt-get update failed"
    quiet "$WORK/podman-install.log" "${APT_GET[@]}" install -y --no-install-recommends podman catatonit ||
      die "installing podman failed"
    log "podman: installed ($(secs "$t"))"
  fi
  if [ ! -s "$CONF" ]; then
    mkdir -p "${CONF%/*}"
    printf '%s\n' '# Written by .ci/podman.sh: podman'"'"'s default rlimits are refused in some sandboxes.' \
      '[containers]' 'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]' >"$CONF"
  fi
  log "podman: $(podman version --format '{{.Client.Version}}') ready"
}

# load IMAGE...: each IMAGE from docker into podman, unless podman holds the same image (same ID) already.
load() {
  local image t id
  for image in "$@"; do
    t=$(now_ms)
    id=$(docker image inspect -f '{{.Id}}' "$image") || die "docker has no image $image"
    if [ "$(podman image inspect -f '{{.Id}}' "$image" 2>/dev/null)" = "${id#sha256:}" ]; then
      log "$image: already in podman"
      continue
    fi
    docker save "$image" | podman load -q >/dev/null
    log "$image: loaded into podman ($(secs "$t"))"
  done
}

main() {
  case ${1:-} in
    "" | load) ;;
    -h | --help)
      sed -n '2,/^set -Eeuo/{/^set -Eeuo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
      return
      ;;
    *) die "unknown command: $1 (see --help)" ;;
  esac
  ensure_podman
  if [ "${1:-}" = load ]; then load "${@:2}"; fi
}

main "$@"
