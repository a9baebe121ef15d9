"""hooks/reserved_names.json is current: it names every module a service's package must not
shadow, for what the template installs today and for each Python it offers.

When a test here fails, regenerate the file and commit it:

    .venv/bin/python scripts/update_reserved_names.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from scripts import update_reserved_names as update

from .combos import PYTHONS, Combo, base_image

REGENERATE = "hooks/reserved_names.json is stale: run .venv/bin/python scripts/update_reserved_names.py"


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(update.OUTPUT.read_text())


def test_every_python_offered_has_its_standard_library_names(committed):
    assert sorted(committed["stdlib"]) == sorted(PYTHONS), REGENERATE


def test_standard_library_names_match_the_running_python(committed):
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert version in committed["stdlib"], f"the tests run on Python {version}, which the template does not offer"
    assert committed["stdlib"][version]["names"] == sorted(sys.stdlib_module_names), REGENERATE


def local_stdlib(version: str) -> dict | None:
    return next(filter(None, (update.stdlib_of(c, version) for c in update.python_candidates(version))), None)


# A Python this machine has none of (3.14 here) is asked in its official slim image: a docker test.
VERSIONS = [pytest.param(v, marks=[] if update.python_candidates(v) else [pytest.mark.docker]) for v in PYTHONS]


@pytest.mark.parametrize("version", VERSIONS)
def test_standard_library_names_match_that_python_where_it_is_installed(committed, version):
    found = local_stdlib(version)
    docker_ok = shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    if found is None and docker_ok:
        image = base_image(Combo(python_version=version))
        found = update.stdlib_of(["docker", "run", "--rm", "--entrypoint=python", image], version)
        assert found, f"{image} does not run Python {version}"
    if found is None:
        if os.environ.get("REQUIRE_DOCKER") == "1":
            pytest.fail(f"REQUIRE_DOCKER=1 but no Docker engine answers to run Python {version}")
        pytest.skip(f"no Python {version} here (the file keeps the list from {committed['stdlib'][version]['from']})")
    assert committed["stdlib"][version]["names"] == found["names"], REGENERATE


@pytest.fixture(scope="session")
def installed_names() -> dict[str, list[str]]:
    """What the template installs today, resolved once per session: from uv's cache when it
    holds everything, else from the package index."""
    try:
        return update.dependency_names("--offline")
    except update.UvFailed:
        return update.dependency_names()


def test_dependency_import_names_are_current(committed, installed_names):
    assert committed["dependencies"] == installed_names, REGENERATE


def test_every_requirement_set_comes_from_a_rendered_pyproject():
    sets, oldest = update.requirement_sets()
    # Every framework with and without each service, dev dependencies included.
    assert len(sets) >= 3 * 2 * 3, sets
    assert all(any(req.startswith("pytest==") for req in reqs) for reqs in sets)
    assert any(any(req.startswith("celery[redis]==") for req in reqs) for reqs in sets)
    assert oldest == min(PYTHONS, key=lambda v: tuple(map(int, v.split("."))))
