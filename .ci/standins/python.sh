# shellcheck shell=bash
# Shared by the python stand-in recipes (python-slim, python-alpine): sourced by their build.sh.

python_patch() { local v=${1#python:}; echo "${v%%-*}"; } # python:3.12.15-slim-trixie -> 3.12.15
python_minor() { python_patch "$1" | cut -d. -f1,2; }      # -> 3.12

# python_check TAG musllinux|manylinux: the post-build check of the python stand-ins:
# the template's runtime-stage user commands work, and a venv takes a binary wheel of the image's platform from
# PyPI (pydantic-core: compiled, with wheels for every CPython offered), imports it and the modules rendered
# services need. Prints the Python version, last.
python_check() {
  local tag=$1 platform=$2 adduser
  case $platform in
    musllinux) adduser='addgroup -S -g 10001 app && adduser -S -D -H -u 10001 -G app -h /app -s /sbin/nologin app' ;;
    *) adduser='groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app' ;;
  esac
  # shellcheck disable=SC2016  # expanded in the container
  docker run --rm -e PIP_DISABLE_PIP_VERSION_CHECK=1 "$tag" sh -euc "$adduser"'
    python -m venv /tmp/venv
    /tmp/venv/bin/pip install --quiet --only-binary=:all: pydantic-core
    wheel=$(/tmp/venv/bin/python -c "import importlib.metadata as m; print(m.distribution(\"pydantic-core\").read_text(\"WHEEL\"))")
    case $wheel in *"$1"*) ;; *) echo "pip did not install a $1 wheel: $wheel" >&2; exit 1 ;; esac
    /tmp/venv/bin/python -c "import ctypes, sqlite3, ssl, sys, zlib, pydantic_core; print(\"Python\", sys.version.split()[0])"
  ' check "$platform"
}
