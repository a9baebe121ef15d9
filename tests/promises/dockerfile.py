"""The Dockerfile, parsed: what `docker build .` produces and how its layers are ordered."""

from __future__ import annotations

import re

from ..combos import base_image
from .project import Instruction, Project, Stage, seconds
from .registry import promise

RUNTIME_USER = "10001:10001"
# Package managers and compilers: none of them may run or arrive in the runtime stage.
INSTALLERS = re.compile(r"\b(apt-get|apt|apk|dnf|yum|pip3?|uv|uvx|gcc|cc|make)\b\s+\S")
OCI_LABELS = ("title", "description", "authors", "version", "base.name")
SERVER = {
    "fastapi": ["uvicorn", "{slug}.main:app"],
    "flask": ["gunicorn", "--config", "python:{slug}.gunicorn_conf", "{slug}.app:app"],
    "django": ["gunicorn", "--config", "python:{slug}.gunicorn_conf", "{slug}.wsgi:application"],
}
DEVELOPMENT_FLAGS = ("--reload", "--debug", "runserver")


def runtime(project: Project) -> Stage:
    return project.dockerfile.final


def uv_syncs(instruction: Instruction) -> list[str]:
    """Each `uv sync ...` command of a RUN (an if/else holds two), up to the next ; && or |."""
    return re.findall(r"uv sync[^;&|]*", instruction.value)


def described(instruction: Instruction | None) -> str:
    return f"line {instruction.line}: {instruction.name} {instruction.value}" if instruction else "none"


@promise()
def base_image_pinned(project: Project):
    """One literal, patch-pinned FROM names the base (no ARG feeds it); stages base -> builder -> dev -> runtime."""
    dockerfile = project.dockerfile
    chain = [(stage.base, stage.name) for stage in dockerfile.stages]
    static = [("builder", "static")] if project.combo.framework == "django" else []
    expected = [
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
def runtime_healthcheck_timing(project: Project):
    """HEALTHCHECK timing: timeout < interval <= 60 s, 1-5 retries, a start period polled every <= 2 s."""
    check = runtime(project).last("HEALTHCHECK")
    assert check, "no HEALTHCHECK in the runtime stage"
    flags = check.flags
    interval, timeout = seconds(flags.get("interval")), seconds(flags.get("timeout"))
    start_period, start_interval = seconds(flags.get("start-period")), seconds(flags.get("start-interval"))
    assert interval and timeout and timeout < interval <= 60, f"interval/timeout: {flags}"
    assert 1 <= int(flags.get("retries", "0")) <= 5, f"retries: {flags}"
    assert start_period and start_interval and start_interval <= 2, f"start period/interval: {flags}"


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
    """The runtime stage installs nothing, brings no compiler, pip or uv, and deletes the base image's pip."""
    final = runtime(project)
    installs = [described(i) for i in final.all("RUN") if INSTALLERS.search(i.value)]
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
    assert copies == [("COPY", ["pyproject.toml", "uv.lock*", "./"])], f"builder copies {copies}"
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
    """The builder installs the production dependencies from uv.lock when there is one (`--locked --no-dev`)."""
    runs = [i.value for i in project.dockerfile.stage("builder").all("RUN") if "uv sync" in i.value]
    assert any(re.search(r"\[ -f uv\.lock \]; then uv sync --locked --no-dev\b", run) for run in runs), runs
    commands = [c for i in project.dockerfile.stage("builder").all("RUN") for c in uv_syncs(i)]
    assert commands and all("--no-dev" in c for c in commands), f"dev dependencies reach the runtime venv: {commands}"


@promise()
def runtime_has_oci_labels(project: Project):
    """OCI labels: title, description, authors, version and the base image it was built on."""
    labels = runtime(project).pairs("LABEL")
    missing = [key for key in OCI_LABELS if not labels.get(f"org.opencontainers.image.{key}")]
    assert not missing, f"missing OCI labels: {missing}"
    assert labels["org.opencontainers.image.base.name"] == base_image(project.combo), labels


@promise()
def runtime_environment_is_production(project: Project):
    """The runtime sets APP_ENV=production, unbuffered output and no bytecode writes (read-only root)."""
    env = runtime(project).pairs("ENV")
    expected = {"APP_ENV": "production", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    wrong = {key: env.get(key) for key, value in expected.items() if env.get(key) != value}
    assert not wrong, f"runtime ENV {wrong}, expected {expected}"
    assert env.get("PATH", "").startswith("/opt/venv/bin:"), f"the venv is not first on PATH: {env.get('PATH')}"
