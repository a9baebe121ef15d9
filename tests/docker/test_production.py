"""The production stack does real work, with production settings: strong secrets, a strict
host list, the schema migrated by its one-shot service. A row written through the TLS edge
is read back, a Celery task updates it through the ORM or session, and it survives the
stack going down and up again. Bad secrets stop the app in one line; secrets come from files;
data services have no route out, while web and worker reach the outside."""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ..combos import Combo
from ..conftest import combo_params
from .conftest import docker, wait_for
from .stacks import URL_HOSTILE_PASSWORD, Stack, http, production_env
from .test_image import IMAGE_COMBOS

pytestmark = pytest.mark.docker

DATABASE_COMBOS = [c for c in IMAGE_COMBOS if c.use_postgres]
MIGRATION_CHECK = {
    "django": ["python", "manage.py", "makemigrations", "--check", "--dry-run"],
    "fastapi": ["alembic", "check"],
    "flask": ["alembic", "check"],
}


@pytest.fixture
def production(request, build):
    """production(combo) -> a running compose.prod.yaml stack of that combination."""

    def _up(combo: Combo, *profiles: str) -> Stack:
        stack = Stack(build(combo), "compose.prod.yaml", profiles)
        request.addfinalizer(lambda: stack.compose("down", "--volumes", "--timeout", "5", check=False))
        stack.up()
        return stack

    return _up


@pytest.mark.parametrize("combo", combo_params(DATABASE_COMBOS))
def test_a_row_is_written_read_back_processed_and_kept_across_a_restart(production, combo):
    stack = production(combo)
    assert "@" in URL_HOSTILE_PASSWORD and "/" in URL_HOSTILE_PASSWORD
    migrate = stack.state("migrate")
    assert (migrate["Status"], migrate["ExitCode"]) == ("exited", 0), "the migrations did not run"

    status, item = stack.request("POST", "/items", {"name": "written in production"})
    assert status == 201, item
    assert stack.request("GET", f"/items/{item['id']}") == (200, item)
    if combo.use_celery:
        status, queued = stack.request("POST", f"/items/{item['id']}/process")
        assert status == 202 and queued["task_id"], queued
        processed = wait_for(lambda: stack.request("GET", f"/items/{item['id']}")[1]["status"] == "processed", 30)
        assert processed, "the Celery task did not update the row"
        item["status"] = "processed"

    stack.compose("down", "--timeout", "5")
    stack.up()
    assert stack.request("GET", f"/items/{item['id']}") == (200, item), "the row did not survive down and up"


@pytest.mark.parametrize("combo", combo_params(DATABASE_COMBOS))
def test_the_migrations_match_the_models_on_the_migrated_database(production, combo):
    stack = production(combo)
    proc = stack.compose("exec", "-T", "web", *MIGRATION_CHECK[combo.framework], check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("combo", combo_params(IMAGE_COMBOS))
def test_web_stays_healthy_under_a_strict_host_list_and_refuses_a_bogus_host(production, combo):
    stack = production(combo)
    assert stack.state("web")["Health"]["Status"] == "healthy"
    assert stack.request("GET", "/health")[0] == 200
    # The host check is the app's, past the edge: asked directly, by the container's address.
    assert stack.direct("GET", "/health", host="evil.example.net")[0] == 200, "probes answer any host"
    assert stack.direct("GET", "/no-such-page", host="evil.example.net")[0] == 400
    assert stack.request("GET", "/no-such-page")[0] == 404


def run_image(tag: str, env: dict[str, str], *command: str, mounts: tuple[str, ...] = ()):
    """docker run, hardened as in production, through the image's entrypoint."""
    flags = [f"--env={name}={value}" for name, value in env.items()]
    hardening = ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
    return docker("run", "--rm", *hardening, *flags, *mounts, tag, *command, check=False, timeout=60)


SECRET_COMBOS = [c for c in IMAGE_COMBOS if c.framework != "fastapi" or c.use_postgres]
# The development values compose.yaml uses: production must refuse each.
DEVELOPMENT_VALUES = {"SECRET_KEY": "development-only-insecure-key", "POSTGRES_PASSWORD": "app"}


@pytest.mark.parametrize("combo", combo_params(SECRET_COMBOS))
def test_production_refuses_each_development_secret_in_one_line(build, combo):
    tag = build(combo).tag
    for name in set(production_env(combo)) & set(DEVELOPMENT_VALUES):
        proc = run_image(tag, {**production_env(combo), name: DEVELOPMENT_VALUES[name]})
        assert proc.returncode != 0, f"started with the development {name}"
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"ERROR: {name} "), proc.stderr


@pytest.mark.parametrize("combo", combo_params(SECRET_COMBOS))
def test_secrets_can_come_from_files(build, combo, tmp_path):
    env, mounts = production_env(combo), []
    for name in set(env) & set(DEVELOPMENT_VALUES):
        secret = tmp_path / name.lower()
        secret.write_text(env.pop(name) + "\n")
        secret.chmod(0o644)
        mounts += ["--volume", f"{secret}:/run/secrets/{name.lower()}:ro"]
        env[f"{name}_FILE"] = f"/run/secrets/{name.lower()}"
    code = f"from {combo.slug}.config import settings; print(settings.production)"
    proc = run_image(build(combo).tag, env, "python", "-c", code, mounts=tuple(mounts))
    assert (proc.returncode, proc.stdout.strip()) == (0, "True"), proc.stderr


class Echo(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"outside")

    def log_message(self, *args):
        pass


@pytest.fixture
def outside_server():
    """An HTTP server on this host, standing in for the internet: mail, webhooks, storage."""
    server = ThreadingHTTPServer(("0.0.0.0", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def gateway(stack: Stack, service: str, network: str) -> str:
    return stack.inspect(service, ".NetworkSettings.Networks")[f"{stack.name}_{network}"]["Gateway"]


def reach(stack: Stack, service: str, address: str, port: int) -> bool:
    """Can a process in this service's network namespace open a TCP connection there?"""
    code = f"import socket; socket.create_connection(({address!r}, {port}), timeout=3)"
    proc = docker(
        "run", "--rm", "--network", f"container:{stack.container(service)}", "--entrypoint", "python",
        stack.built.tag, "-c", code, check=False, timeout=60,
    )  # fmt: skip
    return proc.returncode == 0


@pytest.mark.parametrize("combo", combo_params([c for c in IMAGE_COMBOS if c.use_celery]))
def test_web_and_worker_reach_the_outside_while_data_services_have_no_route_out(production, combo, outside_server):
    stack = production(combo)
    host = gateway(stack, "web", "public")
    for service in ("web", "worker"):
        assert reach(stack, service, host, outside_server), f"{service} cannot reach the outside"
    for service in ("postgres", "redis"):
        assert not reach(stack, service, host, outside_server), f"{service} has a route out"
    for service in ("postgres", "redis"):
        ports = stack.inspect(service, ".NetworkSettings.Ports")
        assert not any(ports.values()), f"{service} publishes a port: {ports}"


@pytest.mark.parametrize("combo", combo_params([c for c in IMAGE_COMBOS if c.use_celery][:1]))
def test_flower_is_opt_in_healthy_and_behind_basic_auth(production, combo):
    stack = production(combo, "flower")
    assert stack.state("flower")["Health"]["Status"] == "healthy"
    url = f"http://127.0.0.1:{stack.env['FLOWER_PORT']}/"
    assert http("GET", url)[0] == 401
    token = base64.b64encode(f"admin:{stack.env['FLOWER_PASSWORD']}".encode()).decode()
    assert http("GET", url, headers={"Authorization": f"Basic {token}"})[0] == 200
    without_profile = Stack(stack.built, "compose.prod.yaml").compose("config", "--services").stdout.split()
    assert "flower" not in without_profile, "Flower must be opt-in"
