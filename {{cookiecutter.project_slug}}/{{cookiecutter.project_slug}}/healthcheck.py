"""Container health checks that need no curl.

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

import sys
{%- if cookiecutter.use_celery %}
import time
{%- endif %}
import urllib.request
{%- if cookiecutter.use_celery %}
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


def get_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - a fixed http URL
        return response.status == 200


def web() -> bool:
    return get_ok(f"http://127.0.0.1:{PORT}/health")
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
    return get_ok(f"http://127.0.0.1:{FLOWER_PORT}/healthcheck")
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
