"""The production server's settings: gunicorn_conf.py, read with `ast`."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from .project import Project, seconds
from .registry import GUNICORN, promise

DOCKER_DEFAULT_STOP_GRACE = 10.0
MIN_REQUEST_SLOTS = 8  # gunicorn threads per worker: room for the probes beside slow requests


@promise(applies=GUNICORN)
def gunicorn_drains_within_the_stop_grace(project: Project):
    """gunicorn's graceful_timeout ends before Docker's stop grace (web's stop_grace_period, default 10 s)."""
    graceful = project.literals("gunicorn_conf").get("graceful_timeout")
    web = project.prod["services"]["web"]
    grace = seconds(web.get("stop_grace_period")) or DOCKER_DEFAULT_STOP_GRACE
    assert isinstance(graceful, int | float), f"gunicorn_conf.py sets no literal graceful_timeout: {graceful!r}"
    assert graceful < grace, f"graceful_timeout {graceful}s >= the stop grace {grace}s: SIGKILL cuts requests"


@promise(applies=GUNICORN)
def gunicorn_writes_nothing_to_the_root_filesystem(project: Project):
    """gunicorn keeps its worker heartbeat files in /dev/shm: the root filesystem is read-only."""
    tmp_dir = project.literals("gunicorn_conf").get("worker_tmp_dir")
    assert tmp_dir == "/dev/shm", f"gunicorn_conf.py: worker_tmp_dir={tmp_dir!r}"


@promise(applies=GUNICORN)
def gunicorn_has_no_control_socket(project: Project):
    """gunicorn's control socket is disabled: it would be written under $HOME, on the read-only root."""
    disabled = project.literals("gunicorn_conf").get("control_socket_disable")
    assert disabled is True, f"gunicorn_conf.py: control_socket_disable={disabled!r}"


SECRET_MINIMUMS = {"SECRET_KEY": 50, "POSTGRES_PASSWORD": 16, "REDIS_PASSWORD": 16}


@promise()
def production_refuses_short_secrets(project: Project):
    """Production demands long secrets: SECRET_KEY 50 characters (as Django's deploy check), passwords 16."""
    minimums = project.literals("config").get("SECRET_MIN_LENGTH")
    expected = {
        name: length
        for name, length in SECRET_MINIMUMS.items()
        if (name == "SECRET_KEY" and project.combo.framework != "fastapi")
        or (name == "POSTGRES_PASSWORD" and project.combo.use_postgres)
        or (name == "REDIS_PASSWORD" and project.combo.redis)
    }
    assert isinstance(minimums, dict), f"config.py: SECRET_MIN_LENGTH={minimums!r}"
    short = {name: minimums.get(name) for name, length in expected.items() if (minimums.get(name) or 0) < length}
    assert not short, f"config.py accepts short secrets in production: {short}"


# cpu.max (cgroup v2) or the CFS quota files (v1) -> the workers expected on a machine with `cpus` CPUs.
CGROUPS = [
    ({"cpu.max": "100000 100000"}, lambda cpus: 1),
    ({"cpu.max": "50000 100000"}, lambda cpus: 1),
    ({"cpu.max": "150000 100000"}, lambda cpus: min(cpus, 2)),
    ({"cpu.max": "max 100000"}, lambda cpus: cpus),
    ({"cpu.max": "1600000 100000"}, lambda cpus: min(cpus, 16)),
    ({"cpu/cpu.cfs_quota_us": "100000", "cpu/cpu.cfs_period_us": "100000"}, lambda cpus: 1),
    ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, lambda cpus: cpus),
    ({}, lambda cpus: cpus),
]


def rendered_module(project: Project, name: str) -> ModuleType:
    """A module of the rendered package (one that needs only the standard library), imported under a
    name of its own, so that the package's relative imports resolve within this render."""
    package = f"rendered_{project.slug}_{abs(hash(project.root))}"
    if package not in sys.modules:
        root = project.root / project.slug
        init = root / "__init__.py"
        spec = importlib.util.spec_from_file_location(package, init, submodule_search_locations=[str(root)])
        sys.modules[package] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[package])
    return importlib.import_module(f"{package}.{name}")


def assigned_call(tree: ast.Module, target: str) -> str | None:
    """The function called in `<target> = f(...)` or `<target> = str(f(...))` (target as written), if any."""
    wanted = ast.unparse(ast.parse(target, mode="eval").body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(ast.unparse(t) == wanted for t in node.targets):
            call = node.value
            if isinstance(call, ast.Call) and ast.unparse(call.func) == "str" and call.args:
                call = call.args[0]
            return ast.unparse(call.func) if isinstance(call, ast.Call) else ast.unparse(call)
    return None


@promise()
def web_workers_follow_the_cpu_limit(project: Project):
    """One web worker per CPU of the container's limit (cgroup v2 or v1, rounded up) unless WEB_CONCURRENCY says."""
    cpu = rendered_module(project, "cpu")
    # A machine of 8 CPUs, whatever runs the check: on a 1-CPU one every limit would give 1 worker.
    cpus = 8
    cpu.usable_cpus = lambda: cpus
    with tempfile.TemporaryDirectory() as tmp:
        for n, (files, expected) in enumerate(CGROUPS):
            cgroup = Path(tmp, str(n))
            for relative, content in files.items():
                (cgroup / relative).parent.mkdir(parents=True, exist_ok=True)
                (cgroup / relative).write_text(content + "\n")
            cgroup.mkdir(exist_ok=True)
            workers = cpu.web_concurrency({}, cgroup)
            assert workers == expected(cpus), f"cgroup {files}: {workers} workers on {cpus} CPUs, not {expected(cpus)}"
            assert cpu.web_concurrency({"WEB_CONCURRENCY": "3"}, cgroup) == 3, "WEB_CONCURRENCY=3 is not obeyed"
        for bad in ("0", "two", "-1"):
            try:
                cpu.web_concurrency({"WEB_CONCURRENCY": bad}, Path(tmp))
            except cpu.ConfigError:
                continue
            raise AssertionError(f"WEB_CONCURRENCY={bad!r} is accepted")
    setter = assigned_call(project.module("entrypoint"), 'os.environ["WEB_CONCURRENCY"]')
    assert setter == "web_concurrency", f"the entrypoint sets WEB_CONCURRENCY from {setter!r}, not the CPU limit"
    if project.combo.framework != "fastapi":
        workers = assigned_call(project.module("gunicorn_conf"), "workers")
        assert workers == "web_concurrency", f"gunicorn_conf.py: workers = {workers}(...), not the CPU limit"
    for config in (project.prod, project.prod_defaults):
        fixed = config["services"]["web"]["environment"].get("WEB_CONCURRENCY")
        assert not fixed, f"compose.prod.yaml fixes WEB_CONCURRENCY={fixed}: the CPU limit (WEB_CPUS) should size web"


@promise(applies=GUNICORN)
def gunicorn_serves_eight_requests_at_once_per_worker(project: Project):
    """Each gunicorn worker serves 8 requests at once (gthread): a few slow requests never starve the probes."""
    assert project.literals("gunicorn_conf").get("worker_class") == "gthread", "gunicorn_conf.py: not gthread"
    for config in (project.prod, project.prod_defaults):
        threads = int(config["services"]["web"]["environment"].get("GUNICORN_THREADS") or 0)
        assert threads >= MIN_REQUEST_SLOTS, f"GUNICORN_THREADS={threads}: a few slow requests fill the worker"
