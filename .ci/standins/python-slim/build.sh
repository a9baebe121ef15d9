# shellcheck shell=bash disable=SC2034  # WHAT (what it is made from) is read by docker-engine.sh
# python:<X.Y.Z>-slim-<suite>: an upstream CPython X.Y under /usr/local on the Debian stand-in base (Dockerfile),
# copied from a self-contained build on this machine (pyenv's newest X.Y.*); else Debian's python3.X package from
# the first of the base suite and sid that packages it, on a base of that suite (Dockerfile.debian). No CPython
# source is compiled for these: Debian's mirror here serves no python3.14 source. Sourced by
# ../../docker-engine.sh (see `recipe` there).

# shellcheck source=.ci/standins/python.sh
. "$STANDINS/python.sh"

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

# debian_python_suite X.Y: the first of the base suite and sid whose packages include python<X.Y> (empty: none).
debian_python_suite() {
  local suite
  for suite in "${BASE_IMAGE#*:}" sid; do
    if [ -n "$(debian_binary_version "$suite" "python$1")" ]; then
      echo "$suite"
      return
    fi
  done
}

# The Debian base the stand-in is built on: the base suite's with pyenv's CPython, else that of Debian's python.
recipe_needs() {
  local minor
  minor=$(python_minor "$1")
  if [ -n "$(pyenv_python "$minor")" ]; then
    echo "$BASE_IMAGE"
  else
    echo "ci-standin-base:$(debian_python_suite "$minor")"
  fi
}

recipe_available() {
  local minor
  minor=$(python_minor "$1")
  if [ -z "$(pyenv_python "$minor")" ] && [ -z "$(debian_python_suite "$minor")" ]; then
    echo "pyenv has no CPython $minor here, and neither Debian ${BASE_IMAGE#*:} nor sid packages python$minor"
    return 1
  fi
}

recipe_inputs() {
  local src
  src=$(pyenv_python "$(python_minor "$1")")
  echo "${src##*/}"
  cat_local_ca_certs
}

recipe_prepare() {
  local tag=$1 ctx=$2 minor src suite version
  minor=$(python_minor "$tag")
  src=$(pyenv_python "$minor")
  copy_local_ca_certs "$ctx/certs"
  if [ -n "$src" ]; then
    copy_python_tree "$src" "$minor" "$ctx/python"
    BUILD_ARGS+=(--build-context "python=$ctx/python" --build-arg "BASE_IMAGE=$BASE_IMAGE"
      --build-arg "PYTHON_VERSION=${src##*/}")
    WHAT="CPython ${src##*/} (pyenv's build on this machine)"
  else
    suite=$(debian_python_suite "$minor")
    version=$(debian_binary_version "$suite" "python$minor")
    BUILD_ARGS+=(-f "$ctx/Dockerfile.debian" --build-arg "BASE_IMAGE=ci-standin-base:$suite"
      --build-arg "PYTHON_MINOR=$minor" --build-arg "PYTHON_VERSION=${version%%-*}")
    WHAT="Debian $suite's python$minor $version"
  fi
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

recipe_check() { python_check "$1" manylinux; }
