"""Readiness checks shared by every entry point: /ready and the tests.

Each check returns None when the dependency answers, or a short reason. They
use short timeouts so /ready answers quickly even when a dependency hangs.
"""

from __future__ import annotations

from collections.abc import Callable

from .config import Settings
{%- if cookiecutter.use_postgres %}


def check_postgres(settings: Settings) -> str | None:
    import psycopg

    try:
        # libpq's connect_timeout is whole seconds, at least 2.
        timeout = max(2, round(settings.check_timeout))
        with psycopg.connect(
            host=settings.postgres_host,
            port=settings.postgres_port,
            user=settings.postgres_user,
            password=settings.postgres_password,
            dbname=settings.postgres_db,
            connect_timeout=timeout,
        ) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return type(exc).__name__
    return None
{%- endif %}
{%- if cookiecutter.use_redis or cookiecutter.use_celery %}


def check_redis(settings: Settings) -> str | None:
    import redis

    client = redis.Redis(
        host=settings.redis_host,
        port=settings.redis_port,
        password=settings.redis_password or None,
        socket_connect_timeout=settings.check_timeout,
        socket_timeout=settings.check_timeout,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return type(exc).__name__
    finally:
        client.close()
    return None
{%- endif %}


{%- if cookiecutter.use_postgres or cookiecutter.use_redis or cookiecutter.use_celery %}


CHECKS: dict[str, Callable[[Settings], str | None]] = {
{%- if cookiecutter.use_postgres %}
    "postgres": check_postgres,
{%- endif %}
{%- if cookiecutter.use_redis or cookiecutter.use_celery %}
    "redis": check_redis,
{%- endif %}
}
{%- else %}

# No dependencies yet: add a check here when the service gets one.
CHECKS: dict[str, Callable[[Settings], str | None]] = {}
{%- endif %}


def readiness(settings: Settings) -> tuple[int, dict]:
    """Run every check; return the HTTP status and the JSON body for /ready."""
    results = {name: check(settings) for name, check in CHECKS.items()}
    failed = sorted(name for name, error in results.items() if error)
    body = {
        "status": "unavailable" if failed else "ready",
        "checks": {name: error or "ok" for name, error in results.items()},
    }
    if failed:
        body["failed"] = failed
    return (503 if failed else 200), body
