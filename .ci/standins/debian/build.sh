# shellcheck shell=bash disable=SC2034  # WHAT (what it is made from) is read by docker-engine.sh
# ci-standin-base:<suite>: the Debian base of the Debian-based stand-ins, shaped like debian:<suite>-slim.
# `debootstrap --variant=minbase <suite>` from this machine's Debian mirror (root, Debian), imported with
# `docker import` (about 40 s). <suite> is a release (trixie: the base of most stand-ins) or sid (for a Python
# only sid packages). Sourced by ../../docker-engine.sh (see `recipe` there).

recipe_build() {
  local tag=$1 label=$2 suite=${1#*:} rootfs mirror security
  WHAT="debootstrap --variant=minbase $suite"
  if ! is_root || ! is_debian; then die "building $tag needs root on Debian (debootstrap)"; fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    "${APT_GET[@]}" update && "${APT_GET[@]}" install -y --no-install-recommends debootstrap 9>&-
  fi
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || die "no Debian mirror found in this machine's apt sources; set CI_DEBIAN_MIRROR"
  security=$(debian_mirror security)
  rootfs=$WORK/rootfs-$suite
  cleanup_rootfs "$rootfs"
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" 9>&- ||
    { cleanup_rootfs "$rootfs"; die "debootstrap of Debian $suite from $mirror failed"; }

  # Shape it like debian:<suite>-slim: deb822 sources, no services started by package scripts, apt cleans up
  # after itself, no docs/man pages/locales, nothing of the host (resolv.conf, hostname) left inside.
  rm -f "$rootfs/etc/apt/sources.list"
  {
    if [ "$suite" = sid ]; then
      printf 'Types: deb\nURIs: %s\nSuites: sid\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror"
      # A mirror that is a frozen snapshot serves sid's Release past its Valid-Until: apt would refuse it.
      echo 'Acquire::Check-Valid-Until "false";' >"$rootfs/etc/apt/apt.conf.d/docker-no-check-valid-until"
    else
      printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$mirror" "$suite" "$suite"
    fi
    if [ -n "$security" ] && [ "$suite" != sid ]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$security" "$suite"
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
      -c "LABEL $label" - "$tag"
  cleanup_rootfs "$rootfs"
}

cleanup_rootfs() {
  local rootfs=$1 m
  [ -e "$rootfs" ] || return 0
  # debootstrap may leave /proc, /sys or /dev mounts behind when it fails: never delete through them.
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v r="$rootfs/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r)
  rm -rf --one-file-system "$rootfs"
}

recipe_check() {
  docker run --rm --network none "$1" sh -c '. /etc/os-release && echo "Debian $VERSION_CODENAME $(cat /etc/debian_version)"'
}
