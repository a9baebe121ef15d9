# shellcheck shell=bash disable=SC2034  # WHAT (what it is made from) is read by docker-engine.sh
# python:<X.Y.Z>-slim-<suite>: the Debian stand-in base + an upstream CPython X.Y under /usr/local (see
# Dockerfile): a self-contained build already on this machine (pyenv's newest X.Y.*, copied in: seconds), else
# CPython compiled from Debian's source (ci-standin-cpython:X.Y.Z-glibc: minutes). Sourced by
# ../../docker-engine.sh (see `recipe` there).

python_patch() { local v=${1#python:}; echo "${v%%-*}"; } # python:3.12.15-slim-trixie -> 3.12.15
python_minor() { python_patch "$1" | cut -d. -f1,2; }      # -> 3.12
cpython_image() { echo "ci-standin-cpython:$(python_patch "$1")-glibc"; }

# pyenv_python X.Y: the newest self-contained CPython X.Y.Z pyenv built on this machine (empty if none).
pyenv_python() {
  local root d best=""
  root=${PYENV_ROOT:-$HOME/.pyenv}
  [ -d "$root/versions" ] || root=$(pyenv root 2>/dev/null) || return 0
  for d in "$root/versions/$1".*; do
    [[ ${d##*/} =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] && [ -x "$d/bin/python$1" ] || continue
    best=$(printf '%s\n%s\n' "$best" "$d" | sed '/^$/d' | sort -V | tail -n 1)
  done
  echo "$best"
}

recipe_needs() {
  echo "$BASE_IMAGE"
  if [ -z "$(pyenv_python "$(python_minor "$1")")" ]; then cpython_image "$1"; fi
}

recipe_inputs() {
  local src
  src=$(pyenv_python "$(python_minor "$1")")
  echo "${src##*/}"
  cat_local_ca_certs
}

recipe_prepare() {
  local tag=$1 ctx=$2 minor src version
  minor=$(python_minor "$tag")
  src=$(pyenv_python "$minor")
  copy_local_ca_certs "$ctx/certs"
  if [ -n "$src" ]; then
    copy_python_tree "$src" "$minor" "$ctx/python"
    version=${src##*/}
    BUILD_ARGS+=(--build-context "python=$ctx/python")
    WHAT="CPython $version (pyenv's build on this machine)"
  else
    version=$(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$(cpython_image "$tag")" |
      sed -n 's/^PYTHON_VERSION=//p')
    BUILD_ARGS+=(--build-context "python=docker-image://$(cpython_image "$tag")")
    WHAT=$(cpython_image "$tag")
  fi
  BUILD_ARGS+=(--build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "PYTHON_VERSION=$version")
}

# copy_python_tree SRC X.Y DEST: CPython's bin, lib, include from SRC, trimmed like the official slim image (no test
# suites, idle/tkinter, static library, extra optimisation-level bytecode, site-packages: pip comes from ensurepip
# in the image), stripped, with SRC's prefix rewritten to /usr/local.
copy_python_tree() {
  local src=$1 minor=$2 dst=$3 f
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

recipe_check() {
  # shellcheck source=.ci/standins/python-check.sh
  . "$STANDINS/python-check.sh"
  python_check "$1" manylinux
}
