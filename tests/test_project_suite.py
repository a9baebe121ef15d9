"""The rendered project's own test suite passes, for a covering set of combinations.

Each project gets a fresh virtual environment made by uv with a real interpreter of
its Python version (pyenv's, when present), installed from its own pyproject.toml.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .combos import COVERING_COMBOS, Combo
from .conftest import combo_params
from .tools import assert_ok, run, tool


def interpreter(version: str) -> str:
    """pyenv's interpreter for this version when there is one; else let uv find it."""
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = Path(
            subprocess.run([pyenv, "root"], capture_output=True, text=True, check=True).stdout.strip()
        )
        found = sorted(root.glob(f"versions/{version}.*/bin/python{version}"))
        if found:
            return str(found[-1])
    return version


def summary_counts(output: str) -> dict[str, int]:
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", output)}


@pytest.mark.parametrize("combo", combo_params(COVERING_COMBOS))
def test_rendered_project_tests_pass(render, combo: Combo, tmp_path):
    # A copy: the shared render stays pristine for the static checks.
    project = shutil.copytree(render(combo), tmp_path / combo.slug)
    uv = tool("uv")
    env = {"UV_PYTHON_DOWNLOADS": "never", "VIRTUAL_ENV": ""}
    assert_ok(run([uv, "sync", "--python", interpreter(combo.python_version)], project, env, 600), "uv sync")
    version = run([uv, "run", "--no-sync", "python", "-c", "import sys; print(sys.version)"], project, env)
    assert version.stdout.startswith(combo.python_version + "."), version.stdout
    proc = run([uv, "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider"], project, env, 300)
    assert_ok(proc, "the project's pytest")
    counts = summary_counts(proc.stdout.splitlines()[-1])
    assert counts.get("passed", 0) >= 2 and not counts.get("failed"), proc.stdout
    if combo.use_celery:
        assert "test_tasks.py" in run([uv, "run", "--no-sync", "pytest", "--co", "-q"], project, env).stdout
