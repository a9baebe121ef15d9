"""The template repository's own code passes the same linters it asks of rendered projects."""

from __future__ import annotations

import subprocess

from .combos import TEMPLATE_DIR
from .tools import assert_ok, run, tool


def tracked(*patterns: str) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--", *patterns], cwd=TEMPLATE_DIR, capture_output=True, text=True, check=True
    ).stdout
    return out.split()


def test_repository_python_passes_ruff():
    assert_ok(run([tool("ruff"), "check", "--no-cache", "."], TEMPLATE_DIR), "ruff check")
    assert_ok(run([tool("ruff"), "format", "--check", "--no-cache", "."], TEMPLATE_DIR), "ruff format")


def test_ci_shell_scripts_pass_shellcheck():
    scripts = [".ci/run", *tracked(".ci/*.sh", ".ci/**/*.sh")]
    assert len(scripts) >= 3, scripts
    assert_ok(run([tool("shellcheck"), "--external-sources", *scripts], TEMPLATE_DIR), "shellcheck")


def test_stand_in_dockerfiles_pass_hadolint():
    dockerfiles = tracked(".ci/**/Dockerfile*")
    assert dockerfiles
    assert_ok(run([tool("hadolint"), "--no-color", *dockerfiles], TEMPLATE_DIR), "hadolint")
