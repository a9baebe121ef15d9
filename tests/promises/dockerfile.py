"""The Dockerfile, parsed: what `docker build .` produces and how its layers are ordered."""

from __future__ import annotations

import re

from ..combos import PINS, base_image
from ..tools import imported_modules
from .project import Instruction, Project, Stage, seconds
from .registry import promise

RUNTIME_USER = "10001:10001"
# Package managers and compilers: none of them may run or arrive in the runtime stage.
INSTALLERS = re.compile(r"\b(apt-get|apt|apk|dnf|yum|pip3?|uv|uvx|gcc|cc|make)\b\s+\S")
OCI_LABELS = ("title", "description", "authors", "version", "revision", "base.name")
UV_IMAGE = f"ghcr.io/astral-sh/uv:{PINS['uv']}"
PIP_INSTALL = re.compile(r"\bpip3?\s+install\b")
SYSTEM_INSTALLERS = re.compile(
    r"\b(apt-get|apt|apk|dnf|yum)\b\s+\S|\b(gcc|g\+\+|cc|make|build-essential|build-base)\b|" + PIP_INSTALL.pattern
)
# A system package install that runs only when its build ARG names packages, and installs only those.
GUARDED_INSTALL = re.compile(
    r'if \[ -n "\$(?P<arg>[A-Z_]+)" \]; then\s+(?P<body>(?:apt-get update && )?'
    r"(?:apt-get install -y --no-install-recommends|apk add --no-cache) \$(?P=arg)"
    r"(?: && rm -rf /var/lib/apt/lists/\*)?);\s+fi"
)
SERVER = {
    "fastapi": ["uvicorn", "{slug}.main:app"],
    "flask": ["gunicorn", "--config", "python:{slug}.gunicorn_conf", "{slug}.app:app"],
    "django": ["gunicorn", "--config", "python:{slug}.gunicorn_conf", "{slug}.wsgi:application"],
}
# What a probe may import: it runs as a new process every few seconds, on the service's CPU quota.
PROBE_IMPORTS = {"__future__", "socket", "sys", "time", "pathlib"}
DEVELOPMENT_FLAGS = ("--reload", "--debug", "runserver")


def runtime(project: Project) -> Stage:
    return project.dockerfile.final


def uv_syncs(instruction: Instruction) -> list[str]:
    """Each `uv sync ...` command of a RUN (an if/else holds two), up to the next ; && or |."""
    return re.findall(r"uv sync[^;&|]*", instruction.value)


def unguarded(instruction: Instruction, arg: str) -> str:
    """A RUN's command with its install of `$arg` (run only when that ARG names packages) cut out."""
    return GUARDED_INSTALL.sub(lambda m: "" if m.group("arg") == arg else m.group(0), instruction.value)


def empty_by_default(stage: Stage, arg: str) -> bool:
    """The stage declares `ARG <arg>=""`: nothing is installed unless the build names packages."""
    return any(i.value in (f'{arg}=""', arg) for i in stage.all("ARG"))


def described(instruction: Instruction | None) -> str:
    return f"line {instruction.line}: {instruction.name} {instruction.value}" if instruction else "none"


@promise()
def base_image_pinned(project: Project):
    """Literal pinned FROMs name uv's image and the patch-pinned base; stages uv, base -> builder -> dev -> runtime."""
    dockerfile = project.dockerfile
    chain = [(stage.base, stage.name) for stage in dockerfile.stages]
    static = [("builder", "static")] if project.combo.framework == "django" else []
    expected = [
        (UV_IMAGE, "uv"),
        (base_image(project.combo), "base"),
        ("base", "builder"),
        ("builder", "dev"),
        *static,
        ("base", "runtime"),
    ]
    assert chain == expected, f"FROM chain {chain}, expected {expected}"
    assert not [i for i in dockerfile.preamble if i.name == "ARG"], "an ARG before the first FROM feeds the base image"


@promise()
def runtime_is_the_default_target(project: Project):
    """`docker build .` builds the runtime stage: it is the last one and starts from the bare base."""
    final = runtime(project)
    assert (final.name, final.base) == ("runtime", "base"), f"the last stage is {final.name!r} FROM {final.base!r}"


@promise()
def runtime_runs_as_numeric_non_root_user(project: Project):
    """The runtime stage ends as `USER 10001:10001` (numeric, so Kubernetes' runAsNonRoot can verify it)."""
    user = runtime(project).last("USER")
    assert user and user.value == RUNTIME_USER, f"runtime USER is {described(user)}, expected {RUNTIME_USER}"


@promise()
def runtime_stops_on_sigterm(project: Project):
    """`STOPSIGNAL SIGTERM`: uvicorn, gunicorn and Celery shut down gracefully on it."""
    signal = runtime(project).last("STOPSIGNAL")
    assert signal and signal.value == "SIGTERM", f"STOPSIGNAL is {described(signal)}"


@promise()
def runtime_healthcheck_runs_the_module(project: Project):
    """HEALTHCHECK runs `python -m <slug>.healthcheck` in exec form (no curl, no shell, not a no-op)."""
    check = runtime(project).last("HEALTHCHECK")
    expected = ["python", "-m", f"{project.slug}.healthcheck"]
    assert check and check.exec_form == expected, f"HEALTHCHECK is {described(check)}, expected CMD {expected}"


@promise()
def healthcheck_probe_is_cheap(project: Project):
    """The probe module imports only socket, sys, time and pathlib: no HTTP client, framework, Celery or app code."""
    extra = imported_modules(project.root / project.slug / "healthcheck.py") - PROBE_IMPORTS
    assert not extra, f"healthcheck.py imports {sorted(extra)}: every probe is a new process paying for them"


@promise()
def runtime_healthcheck_timing(project: Project):
    """HEALTHCHECK timing: timeout < interval <= 60 s, 1-5 retries, a start period polled every <= 0.5 s."""
    check = runtime(project).last("HEALTHCHECK")
    assert check, "no HEALTHCHECK in the runtime stage"
    flags = check.flags
    interval, timeout = seconds(flags.get("interval")), seconds(flags.get("timeout"))
    start_period, start_interval = seconds(flags.get("start-period")), seconds(flags.get("start-interval"))
    assert interval and timeout and timeout < interval <= 60, f"interval/timeout: {flags}"
    assert 1 <= int(flags.get("retries", "0")) <= 5, f"retries: {flags}"
    assert start_period and start_interval and start_interval <= 0.5, f"start period/interval: {flags}"


@promise()
def runtime_command_is_the_production_server(project: Project):
    """CMD is exec form (the server is PID 1 and gets SIGTERM) and runs uvicorn or gunicorn, no reloader."""
    cmd = runtime(project).last("CMD")
    command = cmd.exec_form if cmd else None
    assert command, f"CMD must be a JSON array (exec form): {described(cmd)}"
    server = [word.format(slug=project.slug) for word in SERVER[project.combo.framework]]
    assert command[: len(server)] == server, f"CMD {command} does not start with {server}"
    assert not set(command) & set(DEVELOPMENT_FLAGS), f"development flags in the runtime CMD: {command}"


@promise()
def runtime_checks_its_configuration_before_any_command(project: Project):
    """ENTRYPOINT is the package's entrypoint: a bad secret or host stops the container in one line, for every role."""
    entrypoint = runtime(project).last("ENTRYPOINT")
    expected = ["python", "-m", f"{project.slug}.entrypoint"]
    assert entrypoint and entrypoint.exec_form == expected, f"ENTRYPOINT {described(entrypoint)}, expected {expected}"


@promise()
def runtime_has_no_build_tools(project: Project):
    """The runtime stage installs nothing by default, brings no compiler, pip or uv, and deletes the base's pip.

    Only the libraries `RUNTIME_PACKAGES` names (none by default) may be installed there."""
    final = runtime(project)
    installs = [described(i) for i in final.all("RUN") if INSTALLERS.search(unguarded(i, "RUNTIME_PACKAGES"))]
    assert not installs, f"the runtime stage runs an installer: {installs}"
    removes_pip = any(re.search(r"\brm -rf [^&;]*/usr/local/bin/pip\*", i.value) for i in final.all("RUN"))
    assert removes_pip, "the runtime stage must remove the base image's pip (/usr/local/bin/pip*)"
    assert not final.all("ADD"), "ADD in the runtime stage"


@promise()
def runtime_copies_only_the_venv_and_the_code(project: Project):
    """The runtime copies only /opt/venv, the package and what runs it (manage.py and collected static
    files for Django, Alembic's settings and migrations with SQLAlchemy)."""
    copies = [(c.flags.get("from"), *c.arguments) for c in runtime(project).all("COPY")]
    expected = [("builder", "/opt/venv", "/opt/venv")]
    if project.combo.framework == "django":
        expected += [(None, "manage.py", "./"), ("static", "/app/staticfiles", "./staticfiles/")]
    elif project.combo.use_postgres:
        expected += [(None, "pyproject.toml", "./"), (None, "migrations/", "./migrations/")]
    expected.append((None, f"{project.slug}/", f"./{project.slug}/"))
    assert copies == expected, f"runtime COPY instructions {copies}, expected {expected}"


@promise()
def dependencies_install_before_the_code_arrives(project: Project):
    """The builder copies only pyproject.toml and uv.lock, then syncs without the project; code comes later."""
    builder = project.dockerfile.stage("builder")
    copies = [(c.name, c.arguments) for c in builder.instructions if c.name in ("COPY", "ADD")]
    expected = [("COPY", ["/uv", "/uvx", "/bin/"]), ("COPY", ["pyproject.toml", "uv.lock", "./"])]
    assert copies == expected, f"builder copies {copies}"
    copy = builder.last("COPY")
    syncs = [i for i in builder.all("RUN") if "uv sync" in i.value]
    commands = [c for i in syncs for c in uv_syncs(i)]
    assert commands and all("--no-install-project" in c for c in commands), f"the builder installs the code: {commands}"
    assert copy and all(copy.line < i.line for i in syncs), "uv sync runs before pyproject.toml arrives"
    for stage in (project.dockerfile.stage("dev"), runtime(project)):
        code = [i.line for i in stage.all("COPY") if i.arguments[0] == f"{project.slug}/"]
        dependencies = [i.line for i in stage.instructions if "uv sync" in i.value or "/opt/venv " in i.value]
        assert code and max(dependencies, default=0) < min(code), f"{stage.name}: the code arrives before its deps"


@promise()
def builder_installs_exactly_the_lock(project: Project):
    """Every `uv sync` is `--locked` (production `--no-dev`): the build needs uv.lock and stops when it is stale.

    There is no unlocked fallback."""
    builder, dev = project.dockerfile.stage("builder"), project.dockerfile.stage("dev")
    copy = next((c for c in builder.all("COPY") if "pyproject.toml" in c.arguments), None)
    assert copy and "uv.lock" in copy.arguments, f"the builder does not require uv.lock: {described(copy)}"
    production = [c for i in builder.all("RUN") for c in uv_syncs(i)]
    development = [c for i in dev.all("RUN") for c in uv_syncs(i)]
    assert production and development, f"no uv sync: builder {production}, dev {development}"
    unlocked = [c for c in production + development if not re.search(r"\s--locked\b", c)]
    assert not unlocked, f"uv sync without --locked: {unlocked}"
    assert all("--no-dev" in c for c in production), f"dev dependencies reach the runtime venv: {production}"


@promise()
def uv_comes_from_its_pinned_image(project: Project):
    """uv is copied from its own image at the pinned release (a literal FROM), never installed with pip.

    Dependabot bumps that FROM; no stage runs `pip install`."""
    dockerfile = project.dockerfile
    uv = dockerfile.stage("uv")
    assert (uv.base, uv.instructions) == (UV_IMAGE, []), f"uv stage FROM {uv.base}: {uv.instructions}"
    copies = [(c.flags.get("from"), c.arguments) for c in dockerfile.stage("builder").all("COPY")]
    assert ("uv", ["/uv", "/uvx", "/bin/"]) in copies, f"the builder does not copy uv from its image: {copies}"
    pip = [described(i) for stage in dockerfile.stages for i in stage.all("RUN") if PIP_INSTALL.search(i.value)]
    assert not pip, f"pip installs: {pip}"


@promise()
def builder_installs_no_compiler_by_default(project: Project):
    """The default build installs no system package or compiler; `BUILD_PACKAGES`/`RUNTIME_PACKAGES` (empty) opt in.

    Every dependency comes as a wheel. A package that must compile names its build tools in
    `BUILD_PACKAGES` and its run-time libraries in `RUNTIME_PACKAGES`."""
    for name, arg in (("builder", "BUILD_PACKAGES"), ("runtime", "RUNTIME_PACKAGES")):
        stage = project.dockerfile.stage(name)
        assert empty_by_default(stage, arg), f'{name}: no ARG {arg}="" (the switch is missing or not empty)'
        guarded = [i for i in stage.all("RUN") if unguarded(i, arg) != i.value]
        assert guarded, f'{name}: no install of ${arg} guarded by `if [ -n "${arg}" ]`'
        ungated = [described(i) for i in stage.all("RUN") if SYSTEM_INSTALLERS.search(unguarded(i, arg))]
        assert not ungated, f"{name}: installs system packages or compilers on the default path: {ungated}"
    dev = [described(i) for i in project.dockerfile.stage("dev").all("RUN") if SYSTEM_INSTALLERS.search(i.value)]
    assert not dev, f"dev installs system packages: {dev}"


@promise()
def runtime_has_oci_labels(project: Project):
    """OCI labels: title, description, authors, base image, and version and revision from build arguments.

    `make build` passes version and revision from git; CI's publish job sets its own."""
    labels = runtime(project).pairs("LABEL")
    missing = [key for key in OCI_LABELS if not labels.get(f"org.opencontainers.image.{key}")]
    assert not missing, f"missing OCI labels: {missing}"
    assert labels["org.opencontainers.image.base.name"] == base_image(project.combo), labels
    from_git = {key: labels[f"org.opencontainers.image.{key}"] for key in ("version", "revision")}
    assert from_git == {"version": "$VERSION", "revision": "$REVISION"}, f"not from build arguments: {from_git}"


@promise()
def runtime_environment_is_production(project: Project):
    """The runtime sets APP_ENV=production, unbuffered output and no bytecode writes (read-only root)."""
    env = runtime(project).pairs("ENV")
    expected = {"APP_ENV": "production", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    wrong = {key: env.get(key) for key, value in expected.items() if env.get(key) != value}
    assert not wrong, f"runtime ENV {wrong}, expected {expected}"
    assert env.get("PATH", "").startswith("/opt/venv/bin:"), f"the venv is not first on PATH: {env.get('PATH')}"
