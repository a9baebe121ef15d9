"""A compose stack of a built combination, run as a deploy would run it, and HTTP helpers."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
import uuid

from ..combos import Combo
from .conftest import Built, docker, free_port

# A password with every character that breaks a URL: it must work end to end.
URL_HOSTILE_PASSWORD = "p/w@x:y%z#" + secrets.token_hex(8)
PUBLIC_HOST = "service.example.com"


class Stack:
    """One compose project of a built combination, with strong secrets and strict hosts."""

    def __init__(self, built: Built, compose_file: str, profiles: tuple[str, ...] = ()):
        self.built = built
        self.file = compose_file
        self.profiles = [item for profile in profiles for item in ("--profile", profile)]
        self.name = f"cps{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.env = {
            "HTTP_PORT": str(self.port),
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

    def request(self, method: str, path: str, body: dict | None = None, host: str = PUBLIC_HOST):
        """(status, JSON body or None) through the published port, as the TLS edge forwards it."""
        return http(method, self.port, path, body, {"Host": host, "X-Forwarded-Proto": "https"})


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


def http(method: str, port: int, path: str, body: dict | None = None, headers: dict | None = None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json_or_none(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json_or_none(exc.read())


def json_or_none(payload: bytes):
    try:
        return json.loads(payload)
    except ValueError:
        return None
