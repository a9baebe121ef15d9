"""Docker fixtures: an engine, each covering combination copied and built once per session.

Run on a machine with a Docker engine (see .ci/docker-engine.sh, which also builds stand-in
base images where no registry is reachable). Without one the tests skip, unless
REQUIRE_DOCKER=1 (CI), where a missing engine is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..combos import Combo

CANARY = "canary-secret-7f3a9c2e-must-never-reach-the-image"
# Image tags are <prefix>/<slug>:latest; a nested session (the docker mutations) sets its own
# prefix, so it never overwrites or removes the images of the session that started it.
TAG_PREFIX = os.environ.get("DOCKER_TEST_TAG_PREFIX", "cps-test")


def docker(*args: str, check: bool = True, timeout: float = 600, cwd: Path | None = None, env=None):
    proc = subprocess.run(
        ["docker", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.2):
    """Poll predicate() until it returns a truthy value; return it, or the last value on timeout."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


def health_status(container: str) -> str:
    proc = docker("inspect", "--format", "{{json .State.Health}}", container, check=False)
    if proc.returncode != 0 or proc.stdout.strip() in ("", "null"):
        return "none"
    return json.loads(proc.stdout)["Status"]


@pytest.fixture(scope="session")
def engine():
    ok = shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    if not ok:
        if os.environ.get("REQUIRE_DOCKER") == "1":
            pytest.fail("REQUIRE_DOCKER=1 but no Docker engine answers: run .ci/docker-engine.sh")
        pytest.skip("no Docker engine: run .ci/docker-engine.sh")
    return True


@dataclass
class Built:
    combo: Combo
    project: Path
    tag: str
    build_log: str


def lock_in_base_image(combo: Combo, project: Path) -> None:
    """uv lock on the answered Python where this machine has no interpreter of it (3.14 here): in
    the combination's own base image, with this venv's uv mounted, as the hook would run it."""
    from ..combos import base_image
    from ..tools import tool

    docker(
        "run", "--rm", f"--volume={project}:/project", f"--volume={tool('uv')}:/usr/local/bin/uv:ro",
        "--workdir=/project", "--env=UV_SYSTEM_CERTS=1", "--env=UV_PYTHON_DOWNLOADS=never",
        f"--env=UV_PYTHON={combo.python_version}", "--entrypoint=uv", base_image(combo), "lock", "--quiet",
        timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="session")
def build(engine, render_locked, tmp_path_factory):
    """build(combo) -> Built: a copy of the render and its uv.lock, with a canary .env, built once per
    session. The image installs exactly that lock (`uv sync --locked`)."""
    cache: dict[Combo, Built] = {}

    def _build(combo: Combo) -> Built:
        if combo not in cache:
            rendered = render_locked(combo)
            project = Path(shutil.copytree(rendered, tmp_path_factory.mktemp("docker") / combo.slug))
            if not (project / "uv.lock").is_file():
                lock_in_base_image(combo, project)
            assert (project / "uv.lock").is_file(), f"{combo.id}: the post-generation hook wrote no uv.lock"
            # A secret in .env and a .git folder: the image must contain neither.
            (project / ".env").write_text(f"SECRET_KEY={CANARY}\n")
            (project / ".git").mkdir()
            (project / ".git" / "config").write_text(f"# {CANARY}\n")
            tag = f"{TAG_PREFIX}/{combo.slug}:latest"
            proc = docker("build", "--progress=plain", "-t", tag, ".", cwd=project, timeout=900)
            cache[combo] = Built(combo, project, tag, proc.stderr)
        return cache[combo]

    yield _build
    for built in cache.values():
        docker("image", "rm", "-f", built.tag, check=False)
