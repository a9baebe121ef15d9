"""The rendered project's own commands pass, for a covering set of combinations.

Each project is copied and synced once (a fresh uv virtual environment on a real interpreter
of its Python, pyenv's or one on PATH when present); then `make test` and `make lint` run in it
exactly as a developer or CI runs them, and the production dependencies alone must load the app.

A Python this machine has no interpreter of (3.14 here: no pyenv build, and Debian's needs a newer
glibc) runs in the combination's own base image instead, the official `python:<patch>-slim-*`
image (a stand-in where no registry answers, see .ci/README.md), with the project mounted at the
same path and this venv's uv and hadolint and this machine's make mounted in. Those cases need a
Docker engine: they skip without one, and fail under REQUIRE_DOCKER=1 (CI).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from .combos import COVERING_COMBOS, Combo, base_image
from .tools import BIN_DIR, assert_ok, interpreter, local_interpreter, run, tool

DOCKER = pytest.mark.docker


def suite_params(combos: list[Combo]) -> list:
    """One combination per xdist group; those without a local interpreter are docker tests."""
    return [
        pytest.param(
            c,
            id=c.id,
            marks=[pytest.mark.xdist_group(c.id), *(() if local_interpreter(c.python_version) else [DOCKER])],
        )
        for c in combos
    ]


COVERING = suite_params(COVERING_COMBOS)


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


# In a container: this venv's uv and hadolint and this machine's make, alone on a directory of PATH.
CONTAINER_TOOLS = "/opt/suite-tools"
CONTAINER_PATH = f"{CONTAINER_TOOLS}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Suite:
    """A synced copy of a combination's render, and how to run a command in it: here, or in its base image."""

    def __init__(self, combo: Combo, project: Path, container: str | None):
        self.combo, self.project, self.container = combo, project, container

    def run(self, args: list[str], env: dict[str, str] | None = None, timeout: float = 120):
        if self.container is None:
            return run(args, self.project, {**project_env(self.combo), **(env or {})}, timeout)
        tools = {tool("uv"): "uv", tool("make"): "make", tool("hadolint"): "hadolint"}
        args = [tools.get(args[0], args[0]), *args[1:]]
        settings = {
            "PATH": CONTAINER_PATH,
            "UV_PYTHON": self.combo.python_version,
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_LINK_MODE": "copy",
            "UV_SYSTEM_CERTS": "1",
            **(env or {}),
        }
        flags = [f"--env={key}={value}" for key, value in settings.items()]
        return run(
            ["docker", "exec", f"--workdir={self.project}", *flags, self.container, *args],
            self.project,
            timeout=timeout,
        )


def docker_available() -> bool:
    return bool(shutil.which("docker")) and subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def start_container(combo: Combo, project: Path) -> str:
    """The combination's base image, idle, with the project and the tools mounted; stopped at the session's end."""
    if not docker_available():
        if os.environ.get("REQUIRE_DOCKER") == "1":
            pytest.fail(f"REQUIRE_DOCKER=1 but no Docker engine answers: Python {combo.python_version} runs in it")
        pytest.skip(f"no interpreter of Python {combo.python_version} here and no Docker engine to run its image")
    cache_dir = run([tool("uv"), "cache", "dir"], project).stdout.strip()
    # The project's parent directory (its own, see synced): room beside it for other environments.
    mounts = [f"--volume={project.parent}:{project.parent}", f"--volume={cache_dir}:/root/.cache/uv"]
    mounts += [f"--volume={tool(name)}:{CONTAINER_TOOLS}/{name}:ro" for name in ("uv", "make", "hadolint")]
    name = f"cps-suite-{uuid.uuid4().hex[:10]}"
    command = ["docker", "run", "--detach", "--rm", f"--name={name}", "--user=0", *mounts]
    proc = run([*command, "--entrypoint=sleep", base_image(combo), "infinity"], project, timeout=300)
    assert_ok(proc, f"starting {base_image(combo)} for the suite of {combo.id}")
    return name


@pytest.fixture(scope="session")
def synced(render, tmp_path_factory):
    """synced(combo) -> the Suite of a copy of the render with its .venv and uv.lock, made once per session.

    A copy: the shared render stays pristine for the static checks.
    """
    made: dict[Combo, Suite] = {}

    def _synced(combo: Combo) -> Suite:
        if combo not in made:
            project = shutil.copytree(render(combo), tmp_path_factory.mktemp("suite") / combo.slug)
            container = None if local_interpreter(combo.python_version) else start_container(combo, project)
            suite = made[combo] = Suite(combo, project, container)
            assert_ok(suite.run([tool("uv"), "sync"], timeout=600), "uv sync")
        return made[combo]

    yield _synced
    for suite in made.values():
        if suite.container:
            run(["docker", "rm", "--force", suite.container], suite.project)


@pytest.mark.parametrize("combo", COVERING)
def test_make_test_passes_on_the_answered_python_from_the_lock(synced, combo: Combo):
    suite = synced(combo)
    print_version = ["python", "-c", "import sys; print(sys.version)"]
    version = suite.run([tool("uv"), "run", "--no-sync", *print_version])
    assert version.stdout.startswith(combo.python_version + "."), version.stdout
    proc = suite.run([tool("make"), "test", "args=-v"], timeout=300)
    assert_ok(proc, "make test")
    # `uv sync` wrote uv.lock; from then on the Makefile installs from it and refuses a stale one.
    assert proc.stdout.startswith("uv run --locked pytest -v\n"), proc.stdout
    counts = summary_counts(proc.stdout.splitlines()[-1])
    assert counts.get("passed", 0) >= 2 and not counts.get("failed"), proc.stdout
    assert ("tests/test_tasks.py::" in proc.stdout) == combo.use_celery


@pytest.mark.parametrize("combo", COVERING)
def test_make_lint_passes_with_ruff_and_hadolint(synced, combo: Combo):
    proc = synced(combo).run([tool("make"), "lint"], timeout=300)
    assert_ok(proc, "make lint")
    assert "hadolint Dockerfile\n" in proc.stdout, "hadolint was skipped: " + proc.stdout


@pytest.mark.parametrize("combo", COVERING)
def test_production_dependencies_alone_load_the_app_and_its_broker(synced, combo: Combo):
    # What the image installs (`uv sync --locked --no-dev`), in an environment of its own.
    suite = synced(combo)
    # Beside the project, in the directory the container (if there is one) mounts.
    env = {"UV_PROJECT_ENVIRONMENT": str(suite.project.parent / f"production-{uuid.uuid4().hex[:8]}")}
    assert_ok(suite.run([tool("uv"), "sync", "--locked", "--no-dev"], env, 600), "uv sync --no-dev")
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
    proc = suite.run([tool("uv"), "run", "--no-sync", "python", "-c", code], env)
    assert_ok(proc, "importing the app with the production dependencies")
    dev_only = suite.run([tool("uv"), "run", "--no-sync", "python", "-c", "import pytest"], env)
    assert dev_only.returncode != 0, "the production environment holds the dev dependencies"
