"""The rendered project's own commands pass, for a covering set of combinations.

Each project is copied and synced once (a fresh uv virtual environment on a real interpreter
of its Python, pyenv's when present); then `make test` and `make lint` run in it exactly as a
developer or CI runs them, and the production dependencies alone must load the app.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from .combos import COVERING_COMBOS, Combo
from .conftest import combo_params
from .tools import BIN_DIR, assert_ok, interpreter, run, tool

COVERING = combo_params(COVERING_COMBOS)


def summary_counts(output: str) -> dict[str, int]:
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", output)}


def project_env(combo: Combo) -> dict[str, str]:
    """The tools of this venv (uv, hadolint) first on PATH; the answered Python, never downloaded."""
    return {
        "PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}",
        "UV_PYTHON": interpreter(combo.python_version),
        "UV_PYTHON_DOWNLOADS": "never",
        "VIRTUAL_ENV": "",
    }


@pytest.fixture(scope="session")
def synced(render, tmp_path_factory):
    """synced(combo) -> a copy of the render with its .venv and uv.lock, made once per session.

    A copy: the shared render stays pristine for the static checks.
    """
    cache: dict[Combo, Path] = {}

    def _synced(combo: Combo) -> Path:
        if combo not in cache:
            project = shutil.copytree(render(combo), tmp_path_factory.mktemp("suite") / combo.slug)
            assert_ok(run([tool("uv"), "sync"], project, project_env(combo), 600), "uv sync")
            cache[combo] = project
        return cache[combo]

    return _synced


@pytest.mark.parametrize("combo", COVERING)
def test_make_test_passes_on_the_answered_python_from_the_lock(synced, combo: Combo):
    project, env = synced(combo), project_env(combo)
    print_version = ["python", "-c", "import sys; print(sys.version)"]
    version = run([tool("uv"), "run", "--no-sync", *print_version], project, env)
    assert version.stdout.startswith(combo.python_version + "."), version.stdout
    proc = run([tool("make"), "test", "args=-v"], project, env, 300)
    assert_ok(proc, "make test")
    # `uv sync` wrote uv.lock; from then on the Makefile installs from it and refuses a stale one.
    assert proc.stdout.startswith("uv run --locked pytest -v\n"), proc.stdout
    counts = summary_counts(proc.stdout.splitlines()[-1])
    assert counts.get("passed", 0) >= 2 and not counts.get("failed"), proc.stdout
    assert ("tests/test_tasks.py::" in proc.stdout) == combo.use_celery


@pytest.mark.parametrize("combo", COVERING)
def test_make_lint_passes_with_ruff_and_hadolint(synced, combo: Combo):
    proc = run([tool("make"), "lint"], synced(combo), project_env(combo), 300)
    assert_ok(proc, "make lint")
    assert "hadolint Dockerfile\n" in proc.stdout, "hadolint was skipped: " + proc.stdout


@pytest.mark.parametrize("combo", COVERING)
def test_production_dependencies_alone_load_the_app_and_its_broker(synced, combo: Combo, tmp_path):
    # What the image installs (`uv sync --locked --no-dev`), in an environment of its own.
    project = synced(combo)
    env = {**project_env(combo), "UV_PROJECT_ENVIRONMENT": str(tmp_path / "production")}
    assert_ok(run([tool("uv"), "sync", "--locked", "--no-dev"], project, env, 600), "uv sync --no-dev")
    slug = combo.slug
    code = {
        "fastapi": f"import {slug}.main",
        "flask": f"import {slug}.app, {slug}.gunicorn_conf",
        "django": f"import django; django.setup(); import {slug}.wsgi, {slug}.gunicorn_conf",
    }[combo.framework]
    if combo.use_celery:
        # Loads the broker's transport module without connecting to it.
        code += f"; from {slug}.celery_app import app; app.connection_for_write().transport"
    env["DJANGO_SETTINGS_MODULE"] = f"{slug}.settings"
    proc = run([tool("uv"), "run", "--no-sync", "python", "-c", code], project, env)
    assert_ok(proc, "importing the app with the production dependencies")
    dev_only = run([tool("uv"), "run", "--no-sync", "python", "-c", "import pytest"], project, env)
    assert dev_only.returncode != 0, "the production environment holds the dev dependencies"
