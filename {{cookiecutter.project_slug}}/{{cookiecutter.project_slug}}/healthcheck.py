"""Container health checks that need no curl, and import nothing but the standard library's basics.

Usage: python -m {{ cookiecutter.project_slug }}.healthcheck [role]

  web     GET /health on this container (the image's HEALTHCHECK)
{%- if cookiecutter.use_celery %}
  worker  the Celery worker reached the broker recently (its heartbeat file is fresh)
  beat    the beat scheduler reached the broker recently (its heartbeat file is fresh)
  flower  GET /healthcheck on this container's Flower
{%- endif %}

Exit status 0 means healthy, 1 unhealthy, as Docker expects.
"""

from __future__ import annotations

import socket
import sys
{%- if cookiecutter.use_celery %}
import time
from pathlib import Path
{%- endif %}

TIMEOUT = 3.0
PORT = {{ cookiecutter.http_port }}
{%- if cookiecutter.use_celery %}
FLOWER_PORT = 5555
# The worker and beat touch these while they reach the broker (celery_app.py), every
# HEARTBEAT_EVERY seconds; older than HEARTBEAT_MAX_AGE means unhealthy. With compose.prod.yaml's
# interval (10 s) and retries (2), a dead broker shows as unhealthy within 45 s.
HEARTBEAT_FILES = {
    "worker": Path("/tmp/celery-worker-heartbeat"),  # noqa: S108 - the container's private tmpfs
    "beat": Path("/tmp/celery-beat-heartbeat"),  # noqa: S108 - the container's private tmpfs
}
HEARTBEAT_EVERY = 5
HEARTBEAT_MAX_AGE = 15
{%- endif %}


def get_ok(port: int, path: str) -> bool:
    """GET path on this container's port: is the status 200?

    A plain socket, not urllib: a probe runs as a new Python process every few seconds (every
    start interval while the server starts, on the same CPU quota), and urllib's imports would
    triple its cost. The status line is all a probe needs.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        with conn.makefile("rb") as response:
            status_line = response.readline(256)
    return status_line.split(b" ", 2)[1:2] == [b"200"]


def web() -> bool:
    return get_ok(PORT, "/health")
{%- if cookiecutter.use_celery %}


def heartbeat_fresh(role: str) -> bool:
    """Cheap: no broker round trip and no Celery import, only a file's age."""
    try:
        age = time.time() - HEARTBEAT_FILES[role].stat().st_mtime
    except OSError:
        return False
    return age < HEARTBEAT_MAX_AGE


def worker() -> bool:
    return heartbeat_fresh("worker")


def beat() -> bool:
    return heartbeat_fresh("beat")


def flower() -> bool:
    return get_ok(FLOWER_PORT, "/healthcheck")
{%- endif %}


ROLES = {
    "web": web,
{%- if cookiecutter.use_celery %}
    "worker": worker,
    "beat": beat,
    "flower": flower,
{%- endif %}
}


def main(argv: list[str]) -> int:
    role = argv[0] if argv else "web"
    if role not in ROLES:
        print(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}", file=sys.stderr)
        return 2
    try:
        healthy = ROLES[role]()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        print(f"{role} unhealthy: {exc}", file=sys.stderr)
        return 1
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
