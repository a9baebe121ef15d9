# shellcheck shell=bash disable=SC2034  # WHAT (what it is made from) is read by docker-engine.sh
# python:<X.Y.Z>-alpine<A.B>: the Alpine stand-in base + CPython compiled for musl (see Dockerfile). Sourced by
# ../../docker-engine.sh (see `recipe` there).

# shellcheck source=.ci/standins/python.sh
. "$STANDINS/python.sh"

cpython_image() { echo "ci-standin-cpython:$(python_patch "$1")-musl"; }

# The CPython tree first: if it cannot be made here, the Alpine base is not built for nothing.
recipe_needs() { printf '%s\n' "$(cpython_image "$1")" "$ALPINE_IMAGE"; }
recipe_inputs() { cat_local_ca_certs; }

recipe_prepare() {
  local tag=$1 ctx=$2 cpython version
  cpython=$(cpython_image "$tag")
  version=$(image_env "$cpython" PYTHON_VERSION)
  copy_local_ca_certs "$ctx/certs"
  BUILD_ARGS+=(--build-context "python=docker-image://$cpython" --build-arg "ALPINE_IMAGE=$ALPINE_IMAGE"
    --build-arg "PYTHON_VERSION=$version")
  WHAT="$cpython on $ALPINE_IMAGE"
}

recipe_check() { python_check "$1" musllinux; }
