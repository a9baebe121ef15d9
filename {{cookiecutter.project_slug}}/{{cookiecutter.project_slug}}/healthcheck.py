"""Container health checks that need no curl.

Usage: python -m {{ cookiecutter.project_slug }}.healthcheck [role]

  web     GET /health on this container (the image's HEALTHCHECK)
{%- if cookiecutter.use_celery %}
  worker  the Celery worker on this host answers a ping through the broker
  beat    the beat scheduler touched its heartbeat file recently
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

TIMEOUT = 3.0
PORT = {{ cookiecutter.http_port }}
{%- if cookiecutter.use_celery %}
FLOWER_PORT = 5555
{%- endif %}


def get_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - a fixed http URL
        return response.status == 200


def web() -> bool:
    return get_ok(f"http://127.0.0.1:{PORT}/health")
{%- if cookiecutter.use_celery %}


def worker() -> bool:
    import socket

    from .celery_app import app

    replies = app.control.ping(destination=[f"celery@{socket.gethostname()}"], timeout=TIMEOUT)
    return bool(replies)


def beat() -> bool:
    from .celery_app import BEAT_HEARTBEAT_FILE, BEAT_HEARTBEAT_MAX_AGE

    try:
        age = time.time() - BEAT_HEARTBEAT_FILE.stat().st_mtime
    except OSError:
        return False
    return age < BEAT_HEARTBEAT_MAX_AGE


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
