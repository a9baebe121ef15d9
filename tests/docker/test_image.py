"""Each covering combination's image: built, run healthy, hardened, small and quick to rebuild."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import tarfile
import urllib.request
import uuid

import pytest

from ..combos import Combo
from ..conftest import combo_params
from .conftest import CANARY, Built, docker, free_port, health_status, wait_for
from .stacks import production_env

pytestmark = pytest.mark.docker

# Every framework, every offered Python and both variants, with each service on somewhere. The
# alpine bases are the Pythons .ci/docker-engine.sh can compile for musl on a machine without a
# registry (see .ci/README.md); 3.14 has one combination per framework.
IMAGE_COMBOS = [
    Combo("fastapi", "3.14"),
    Combo("fastapi", "3.11", use_postgres=True, use_redis=True, use_celery=True),
    Combo("flask", "3.12", use_postgres=True),
    Combo("flask", "3.14", use_postgres=True, use_redis=True, use_celery=True),
    Combo("django", "3.14"),
    Combo("django", "3.13", use_postgres=True, use_redis=True, use_celery=True),
    Combo("fastapi", "3.13", "alpine", use_postgres=True, use_redis=True, use_celery=True),
    Combo("django", "3.11", "alpine", use_postgres=True),
]
PARAMS = combo_params(IMAGE_COMBOS)


def run_container(built: Built, *flags: str) -> tuple[str, int]:
    """Run the image as production runs it: named hosts and strong secrets in the environment."""
    port = free_port()
    name = f"cps-{uuid.uuid4().hex[:10]}"
    env = [f"--env={key}={value}" for key, value in production_env(built.combo).items()]
    docker("run", "--detach", "--name", name, "--publish", f"127.0.0.1:{port}:8000", *env, *flags, built.tag)
    return name, port


def get(port: int, path: str) -> tuple[int, dict]:
    """(status, JSON body); (0, {}) when no answer came within 5 s."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except (TimeoutError, urllib.error.URLError):
        return 0, {}


@pytest.fixture
def container(build):
    started: list[str] = []

    def _start(combo: Combo, *flags: str) -> tuple[str, int]:
        name, port = run_container(build(combo), *flags)
        started.append(name)
        return name, port

    yield _start
    for name in started:
        docker("rm", "--force", name, check=False)


@pytest.mark.parametrize("combo", PARAMS)
def test_container_turns_healthy_through_its_own_healthcheck(container, combo):
    name, port = container(combo)
    status = wait_for(lambda: health_status(name) in ("healthy", "unhealthy") and health_status(name), 60)
    assert status == "healthy", docker("logs", name, check=False).stderr
    assert get(port, "/health") == (200, {"status": "ok"})


@pytest.mark.parametrize("combo", PARAMS)
def test_runs_as_numeric_non_root_user(build, container, combo):
    config = json.loads(docker("image", "inspect", "--format", "{{json .Config}}", build(combo).tag).stdout)
    assert config["User"] == "10001:10001"
    name, _ = container(combo)
    assert docker("exec", name, "id", "-u").stdout.strip() == "10001"


@pytest.mark.parametrize("combo", PARAMS)
def test_runs_healthy_read_only_without_capabilities(container, combo):
    # The production compose file's settings: read-only root, tmpfs /tmp, no capabilities.
    flags = ("--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges")
    name, port = container(combo, *flags)
    status = wait_for(lambda: health_status(name) in ("healthy", "unhealthy") and health_status(name), 60)
    assert status == "healthy", docker("logs", name, check=False).stderr
    assert get(port, "/health")[0] == 200


@pytest.mark.parametrize("combo", PARAMS)
def test_docker_stop_ends_it_gracefully_before_the_kill(container, combo):
    # Exit code 0: the server handled SIGTERM and exited on its own, well before docker's
    # SIGKILL (137) at the timeout. How long it takes is measured in benchmarks/.
    name, _ = container(combo)
    assert wait_for(lambda: health_status(name) == "healthy", 60)
    docker("stop", "--time", "20", name)
    state = json.loads(docker("inspect", "--format", "{{json .State}}", name).stdout)
    assert state["ExitCode"] == 0 and not state["OOMKilled"], state


# One combination per server: uvicorn, and gunicorn under Flask and under Django.
SERVERS = ("fastapi", "flask", "django")
SERVER_COMBOS = combo_params([next(c for c in IMAGE_COMBOS if c.framework == framework) for framework in SERVERS])
# The container's web workers: children of PID 1 (the server) other than multiprocessing's
# resource tracker; uvicorn with one worker serves in PID 1 itself. docker exec's own process
# is not a child of PID 1.
COUNT_WORKERS = """
import os
workers = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat, cmdline = open(f"/proc/{pid}/stat").read(), open(f"/proc/{pid}/cmdline").read()
    except OSError:
        continue
    workers += stat.rsplit(")", 1)[1].split()[1] == "1" and "resource_tracker" not in cmdline
print(workers or 1)
"""


def web_workers(name: str) -> int:
    return int(docker("exec", name, "python", "-c", COUNT_WORKERS).stdout)


@pytest.mark.parametrize("combo", SERVER_COMBOS)
def test_web_workers_follow_the_containers_cpu_limit(container, combo):
    # One worker per CPU of the limit, not per host core; WEB_CONCURRENCY still wins.
    cases = [(("--cpus", "1"), 1), (("--cpus", "1", "--env", "WEB_CONCURRENCY=3"), 3)]
    if (os.cpu_count() or 1) >= 2:
        cases.append((("--cpus", "2"), 2))
    for flags, expected in cases:
        name, _ = container(combo, *flags)
        healthy = wait_for(lambda name=name: health_status(name) == "healthy", 60)
        assert healthy, docker("logs", name, check=False).stderr
        settled = wait_for(lambda name=name, expected=expected: web_workers(name) == expected, 20)
        assert settled, f"{flags}: {web_workers(name)} workers, expected {expected}"
        docker("rm", "--force", name)


@pytest.mark.parametrize("combo", PARAMS)
def test_runtime_image_holds_no_tools_caches_tests_or_secrets(build, combo):
    built = build(combo)
    name = f"cps-export-{uuid.uuid4().hex[:10]}"
    docker("create", "--name", name, built.tag)
    try:
        exported = subprocess.run(["docker", "export", name], capture_output=True, check=True).stdout
    finally:
        docker("rm", name, check=False)
    assert CANARY.encode() not in exported, "the .env canary reached the image"
    with tarfile.open(fileobj=io.BytesIO(exported)) as tar:
        names = tar.getnames()
    forbidden = re.compile(
        r"(^|/)bin/([\w-]*-)?(gcc|cc|c\+\+|g\+\+|ld|pip|pip3|uv|uvx)(-?[\d.]+)?$|(^|/)\.cache/|(^|/)\.git/|(^|/)\.env$"
        r"|site-packages/pip/|^app/tests/|^app/\.|/apt/lists/.+_Packages"
    )
    found = sorted({n for n in names if forbidden.search(n)})
    assert not found, found
    slug = built.combo.slug
    assert f"app/{slug}/healthcheck.py" in names
    assert "opt/venv/bin/python" in names


@pytest.mark.parametrize("combo", PARAMS)
def test_code_change_rebuild_reuses_every_dependency_step(build, combo):
    built = build(combo)
    module = {"fastapi": "main.py", "flask": "app.py", "django": "views.py"}[combo.framework]
    source = built.project / combo.slug / module
    source.write_text(source.read_text() + f"\n# rebuilt {uuid.uuid4().hex}\n")
    log = docker("build", "--progress=plain", "-t", built.tag, ".", cwd=built.project).stderr
    steps = parse_steps(log)
    dependency_steps = [s for s in steps if "uv sync" in s["name"] or "pip install" in s["name"]]
    assert dependency_steps, log
    assert all(s["cached"] for s in dependency_steps), log
    code_steps = [s for s in steps if f"COPY --link {combo.slug}/" in s["name"] and "runtime" in s["name"]]
    assert code_steps and not code_steps[0]["cached"], "the code change was not picked up"


def parse_steps(log: str) -> list[dict]:
    """BuildKit's plain progress: '#7 [builder 4/6] RUN ...' then '#7 CACHED' for a reused step."""
    names = dict(re.findall(r"^#(\d+) (\[.*)$", log, re.M))
    cached = set(re.findall(r"^#(\d+) CACHED$", log, re.M))
    return [{"name": name, "cached": n in cached} for n, name in names.items()]
