"""A compose stack of a built combination, run as a deploy would run it, and HTTP helpers.

In production every request goes through the TLS edge (Caddy), over HTTPS verified against
the edge's local CA (copied out of the edge container), with SNI and Host = DOMAIN; `direct`
reaches the web container itself by its address on the stack's network.
"""

from __future__ import annotations

import json
import secrets
import ssl
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from functools import cached_property
from pathlib import Path

from ..combos import Combo
from .conftest import Built, docker, free_port

# A password with every character that breaks a URL: it must work end to end.
URL_HOSTILE_PASSWORD = "p/w@x:y%z#" + secrets.token_hex(8)
# The edge's DOMAIN in the tests: Caddy's local CA issues its certificate, no ACME CA is asked.
PUBLIC_HOST = "localhost"
EDGE_ROOT_CA = "/data/caddy/pki/authorities/local/root.crt"
APP_PORT = 8000  # cookiecutter.json's http_port, which every tested combination keeps


class Stack:
    """One compose project of a built combination, with strong secrets and strict hosts."""

    def __init__(self, built: Built, compose_file: str, profiles: tuple[str, ...] = ()):
        self.built = built
        self.file = compose_file
        self.profiles = [item for profile in profiles for item in ("--profile", profile)]
        self.name = f"cps{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.edge_port = free_port()
        self.env = {
            "HTTP_PORT": str(self.port),
            "EDGE_HTTP_PORT": str(free_port()),
            "EDGE_HTTPS_PORT": str(self.edge_port),
            "DOMAIN": PUBLIC_HOST,
            "POSTGRES_PORT": str(free_port()),
            "REDIS_PORT": str(free_port()),
            "FLOWER_PORT": str(free_port()),
            "IMAGE": built.tag,
            "ALLOWED_HOSTS": PUBLIC_HOST,
            "POSTGRES_PASSWORD": URL_HOSTILE_PASSWORD,
            "REDIS_PASSWORD": URL_HOSTILE_PASSWORD[::-1],
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FLOWER_PASSWORD": secrets.token_urlsafe(20),
        }

    def compose(self, *args: str, check: bool = True, timeout: float = 600):
        return docker(
            "compose", "-f", self.file, "-p", self.name, *self.profiles, *args,
            check=check, timeout=timeout, cwd=self.built.project, env=self.env,
        )  # fmt: skip

    def up(self, *args: str) -> None:
        proc = self.compose("up", "--detach", "--wait", "--wait-timeout", "180", *args, check=False)
        logs = "" if proc.returncode == 0 else self.compose("logs", "--no-color", check=False).stdout
        assert proc.returncode == 0, f"{proc.stderr}\n{logs}"

    def container(self, service: str) -> str:
        return self.compose("ps", "--all", "--quiet", service).stdout.strip()

    def inspect(self, service: str, field: str):
        """One field of `docker inspect` of the service's container, e.g. ".State"."""
        template = "{{json " + field + "}}"
        return json.loads(docker("inspect", "--format", template, self.container(service)).stdout)

    def state(self, service: str) -> dict:
        return self.inspect(service, ".State")

    @property
    def production(self) -> bool:
        return self.file == "compose.prod.yaml"

    @cached_property
    def tls(self) -> ssl.SSLContext:
        """Trusts the edge's local CA only: the root it made, copied out of its container."""
        target = Path(tempfile.mkdtemp(prefix="edge-ca-")) / "root.crt"
        deadline = time.monotonic() + 30
        while self.compose("cp", f"edge:{EDGE_ROOT_CA}", str(target), check=False).returncode != 0:
            assert time.monotonic() < deadline, "the edge made no local CA"
            time.sleep(0.5)
        return ssl.create_default_context(cafile=str(target))

    def url(self, path: str) -> str:
        """Production: https://DOMAIN:<edge port>, through the edge. Development: web's published port."""
        if self.production:
            return f"https://{PUBLIC_HOST}:{self.edge_port}{path}"
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        """(status, JSON body or None), as a client on the internet sends it."""
        if self.production:
            return http(method, self.url(path), body, headers, context=self.tls)
        return http(method, self.url(path), body, {"Host": PUBLIC_HOST, **(headers or {})})

    def get(self, path: str) -> tuple[int, dict]:
        """(status, JSON body); (0, {}) when no answer came."""
        try:
            status, body = self.request("GET", path)
        except OSError:
            return 0, {}
        return status, body or {}

    def address(self, service: str) -> str:
        """The container's address on its first network: this host reaches it directly."""
        networks = self.inspect(service, ".NetworkSettings.Networks")
        return next(iter(networks.values()))["IPAddress"]

    def direct(self, method: str, path: str, host: str = PUBLIC_HOST, headers: dict | None = None):
        """(status, JSON body or None) from the web container itself, by its address: no edge."""
        url = f"http://{self.address('web')}:{APP_PORT}{path}"
        return http(method, url, None, {"Host": host, **(headers or {})})


def production_env(combo: Combo) -> dict[str, str]:
    """What the production image needs to start: named hosts and strong secrets."""
    env = {"ALLOWED_HOSTS": PUBLIC_HOST}
    if combo.framework != "fastapi":
        env["SECRET_KEY"] = secrets.token_urlsafe(50)
    if combo.use_postgres:
        env["POSTGRES_PASSWORD"] = URL_HOSTILE_PASSWORD
    if combo.redis:
        env["REDIS_PASSWORD"] = URL_HOSTILE_PASSWORD[::-1]
    return env


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None, context=None):
    """(status, JSON body or None) of one request to `url`; `context` verifies HTTPS."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return response.status, json_or_none(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json_or_none(exc.read())


def json_or_none(payload: bytes):
    try:
        return json.loads(payload)
    except ValueError:
        return None
