{%- set redis = cookiecutter.use_redis or cookiecutter.use_celery -%}
{%- set deps = cookiecutter.use_postgres or redis -%}
"""Readiness checks shared by every entry point: /ready and the tests.

Each check returns None when the dependency answers, or a short reason. /ready stays cheap
and bounded however often it is called and however a dependency fails:

- the checks run concurrently, under one deadline (READINESS_TIMEOUT, seconds): a check that
  has not answered by then is reported down, and is not started again while it still runs;
- each check keeps its connection and reuses it, reconnecting after a failure;
- the answer is cached for CACHE_SECONDS, and one run serves every concurrent caller: a caller
  that finds a run in flight gets the previous answer at once rather than waiting, so /ready
  traffic never ties up the server's threads (and /health never waits behind it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from .config import Settings

CACHE_SECONDS = 1.0
Check = Callable[[Settings], str | None]
{%- if cookiecutter.use_postgres %}


class PostgresCheck:
    """SELECT 1 on one kept connection; TCP keepalives notice a peer that vanished."""

    def __init__(self) -> None:
        self.conn = None

    def __call__(self, settings: Settings) -> str | None:
        import psycopg

        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(
                    host=settings.postgres_host,
                    port=settings.postgres_port,
                    user=settings.postgres_user,
                    password=settings.postgres_password,
                    dbname=settings.postgres_db,
                    # libpq's connect_timeout is whole seconds, at least 2.
                    connect_timeout=max(2, round(settings.check_timeout)),
                    autocommit=True,
                    keepalives=1,
                    keepalives_idle=5,
                    keepalives_interval=2,
                    keepalives_count=2,
                )
            self.conn.execute("SELECT 1")
        except psycopg.Error as exc:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return type(exc).__name__
        return None
{%- endif %}
{%- if redis %}


class RedisCheck:
    """PING on one kept client (its pool reconnects after a failure), with socket timeouts."""

    def __init__(self) -> None:
        self.client = None

    def __call__(self, settings: Settings) -> str | None:
        import redis

        if self.client is None:
            self.client = redis.Redis.from_url(
                settings.redis_url,
                socket_connect_timeout=settings.check_timeout,
                socket_timeout=settings.check_timeout,
            )
        try:
            self.client.ping()
        except redis.RedisError as exc:
            return type(exc).__name__
        return None
{%- endif %}
{%- if deps %}


CHECKS: dict[str, Check] = {
{%- if cookiecutter.use_postgres %}
    "postgres": PostgresCheck(),
{%- endif %}
{%- if redis %}
    "redis": RedisCheck(),
{%- endif %}
}
{%- else %}

# No dependencies yet: add a check here when the service gets one.
CHECKS: dict[str, Check] = {}
{%- endif %}

_lock = threading.Lock()
# One thread per check at most: a check still running from an earlier call is awaited, not repeated.
_check_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readiness-check")
_run_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readiness")
_running_checks: dict[str, Future] = {}
_running: Future | None = None
_cached: tuple[float, tuple[int, dict]] | None = None


def run_checks(settings: Settings) -> dict[str, str | None]:
    """Every check, concurrently, each given until one shared deadline: name -> None or a reason."""
    with _lock:
        futures = {}
        for name, check in CHECKS.items():
            future = _running_checks.get(name)
            if future is None or future.done():
                future = _running_checks[name] = _check_pool.submit(check, settings)
            futures[name] = future
    wait(futures.values(), timeout=settings.check_timeout)
    results: dict[str, str | None] = {}
    for name, future in futures.items():
        if not future.done():
            results[name] = f"no answer within {settings.check_timeout:g}s"
        elif future.exception() is not None:
            results[name] = type(future.exception()).__name__
        else:
            results[name] = future.result()
    return results


def evaluate(settings: Settings) -> tuple[int, dict]:
    """Run every check; return the HTTP status and the JSON body for /ready, and cache them."""
    global _cached
    results = run_checks(settings)
    failed = sorted(name for name, error in results.items() if error)
    body = {
        "status": "unavailable" if failed else "ready",
        "checks": {name: error or "ok" for name, error in results.items()},
    }
    if failed:
        body["failed"] = failed
    answer = (503 if failed else 200), body
    with _lock:
        _cached = (time.monotonic(), answer)
    return answer


def pending(settings: Settings) -> tuple[Future | None, tuple[int, dict] | None]:
    """(a run to wait for, None) or (None, an answer to give at once)."""
    global _running
    with _lock:
        if _cached and time.monotonic() - _cached[0] < CACHE_SECONDS:
            return None, _cached[1]
        if _running is None or _running.done():
            _running = _run_pool.submit(evaluate, settings)
        elif _cached:
            return None, _cached[1]  # a run is in flight: the previous answer, without waiting
        return _running, None


def readiness(settings: Settings) -> tuple[int, dict]:
    """The HTTP status and the JSON body for /ready, at most CACHE_SECONDS old."""
    future, answer = pending(settings)
    return future.result() if future else answer
{%- if cookiecutter.framework == "fastapi" %}


async def readiness_async(settings: Settings) -> tuple[int, dict]:
    """readiness() for the event loop: awaits the shared run, ties up no thread of the server."""
    import asyncio

    future, answer = pending(settings)
    return await asyncio.wrap_future(future) if future else answer
{%- endif %}


def forget() -> None:
    """Drop the cached answer (tests change the checks between calls)."""
    global _cached
    with _lock:
        _cached = None
