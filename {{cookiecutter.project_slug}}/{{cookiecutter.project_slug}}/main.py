{%- set db = cookiecutter.use_postgres -%}
"""FastAPI application: liveness at /health, readiness at /ready{% if db %}, and the example: /items{% endif %}."""

from __future__ import annotations

import os
import socket

from fastapi import FastAPI{% if db %}, HTTPException{% endif %}
from fastapi.responses import JSONResponse, PlainTextResponse
{%- if db %}
from pydantic import BaseModel, Field
{%- endif %}
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from . import __version__, logs
from .checks import readiness_async
from .config import PROBE_PATHS, host_allowed, settings
{%- if db %}
from .db import Item, session_scope
{%- endif %}
from .request_context import RequestContextMiddleware
{%- if db and cookiecutter.use_celery %}
from .tasks import process_item
{%- endif %}

# The app's lines and uvicorn's (errors, access) in LOG_FORMAT, each with its request's ID.
logs.configure(settings.log_format, settings.log_level, loggers=("uvicorn", "uvicorn.access"))


def no_delay_on_listening_sockets() -> None:
    """TCP_NODELAY on the listening socket uvicorn's workers share (inherited by each connection).

    With WEB_CONCURRENCY > 1, uvicorn binds that socket itself without naming the protocol, so
    asyncio leaves Nagle's algorithm on, and every keep-alive request after the first (all of the
    edge's) waits ~40 ms for a delayed ACK (uvicorn issue #3149). Linux only; a no-op elsewhere.
    """
    if not os.path.isdir("/proc/self/fd"):
        return
    for fd in os.listdir("/proc/self/fd"):
        try:
            sock = socket.socket(fileno=int(fd))
        except OSError:
            continue  # not a socket
        try:
            tcp = sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM
            if tcp and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        finally:
            sock.detach()


no_delay_on_listening_sockets()


class AllowedHostsMiddleware:
    """400 for a Host header outside ALLOWED_HOSTS (Django's rule), except on the probes."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in PROBE_PATHS:
            host = Headers(scope=scope).get("host", "")
            if not host_allowed(host, self.allowed_hosts):
                await PlainTextResponse("Invalid Host header", status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


# The interactive docs and the OpenAPI schema are off in production unless API_DOCS=true.
docs = settings.api_docs
app = FastAPI(
    title={{ cookiecutter.project_name | python_string(indent=4, column=10) }},
    version=__version__,
    docs_url="/docs" if docs else None,
    redoc_url="/redoc" if docs else None,
    openapi_url="/openapi.json" if docs else None,
)
app.add_middleware(AllowedHostsMiddleware, allowed_hosts=settings.allowed_hosts)
# Outermost: the request ID and the edge's X-Forwarded-* are set before anything else runs.
app.add_middleware(RequestContextMiddleware, trusted_proxies=settings.trusted_proxies)


# Both probes run on the event loop: neither waits for a thread of the pool the endpoints use.
@app.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process serves requests. Checks no dependency."""
    return {"status": "ok"}


@app.get("/ready")
async def ready() -> JSONResponse:
    """Readiness: every dependency answers within one deadline, or 503 naming those that do not."""
    status, body = await readiness_async(settings)
    return JSONResponse(body, status_code=status)
{%- if db %}


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


@app.post("/items", status_code=201)
def create_item(payload: ItemIn) -> dict:
    """Write a row: {"name": "..."} -> 201 and the item."""
    with session_scope() as session:
        item = Item(name=payload.name)
        session.add(item)
        session.flush()
        return item.as_dict()


@app.get("/items/{item_id}")
def get_item(item_id: int) -> dict:
    """Read it back."""
    with session_scope() as session:
        item = session.get(Item, item_id)
        if item is None:
            raise HTTPException(status_code=404, detail="no such item")
        return item.as_dict()
{%- if cookiecutter.use_celery %}


@app.post("/items/{item_id}/process", status_code=202)
def process(item_id: int) -> dict:
    """Hand the item to a Celery worker, which marks it processed; 202 and the task id."""
    get_item(item_id)
    return {"id": item_id, "task_id": process_item.delay(item_id).id}
{%- endif %}
{%- endif %}
