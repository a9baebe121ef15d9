{%- set asgi = cookiecutter.framework == "fastapi" -%}
"""What every request goes through before the app: a request ID, and the client's address and
scheme as the TLS edge reports them, trusted from the edge only.

- X-Request-ID: an incoming one is kept when it is sane (1-128 of letters, digits and
  `-_.:@+=/`), else a new one is generated; it is echoed in the response and set in
  logs.request_id, so every log line of the request carries it, the access line included.
- X-Forwarded-For / X-Forwarded-Proto: applied when the peer is one of TRUSTED_PROXIES
  (addresses, networks such as 10.0.0.0/8, or host names such as `edge`, resolved here:
  the edge's address changes with each deploy, and it starts after the app), and removed
  from the request otherwise, so nothing downstream can be fooled by a client that sets them.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
import uuid
{%- if asgi %}
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send
{%- else %}
from collections.abc import Callable, Iterable
from typing import Any
{%- endif %}

from .logs import request_id, request_scheme

SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9\-_.:@+=/]{1,128}")
# How long the addresses a host name resolved to are trusted before it is looked up again.
RESOLVE_TTL = 10.0
# A peer that is not trusted triggers a new lookup at most this often (the edge just started).
RESOLVE_RETRY = 1.0


def new_request_id(incoming: str | None) -> str:
    """The incoming ID when it is sane, else a fresh one."""
    if incoming and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class TrustedProxies:
    """Peers whose X-Forwarded-* headers are believed: addresses, networks and host names."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self.names: list[str] = []
        for entry in entries:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.append(entry)
        self.resolved: frozenset[str] = frozenset()
        self.resolved_at = float("-inf")
        self.lock = threading.Lock()

    def resolve(self) -> frozenset[str]:
        addresses = set()
        for name in self.names:
            try:
                addresses |= {info[4][0] for info in socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)}
            except OSError:
                continue  # not up (yet): trusted once it resolves
        return frozenset(addresses)

    def __contains__(self, peer: str | None) -> bool:
        if not peer:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        if any(address in network for network in self.networks):
            return True
        if not self.names:
            return False
        age = time.monotonic() - self.resolved_at
        if age > RESOLVE_TTL or (peer not in self.resolved and age > RESOLVE_RETRY):
            with self.lock:
                if time.monotonic() - self.resolved_at > RESOLVE_RETRY:
                    self.resolved, self.resolved_at = self.resolve(), time.monotonic()
        return peer in self.resolved


def forwarded_client(value: str) -> str | None:
    """The client address the proxy saw: the last entry of X-Forwarded-For (the one the edge added)."""
    last = value.rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return None


def forwarded_scheme(value: str) -> str | None:
    scheme = value.rsplit(",", 1)[-1].strip().lower()
    return scheme if scheme in ("http", "https") else None
{%- if asgi %}


class RequestContextMiddleware:
    """Pure ASGI: the request ID and, from a trusted proxy, the client and scheme (in the scope,
    where uvicorn's access line reads the client too)."""

    def __init__(self, app: ASGIApp, trusted_proxies: list[str]) -> None:
        self.app = app
        self.trusted = TrustedProxies(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        rid = new_request_id(headers.get("x-request-id"))
        forwarded = {b"x-forwarded-for", b"x-forwarded-proto"}
        peer = scope["client"][0] if scope.get("client") else None
        if peer in self.trusted:
            client = forwarded_client(headers.get("x-forwarded-for", ""))
            scheme = forwarded_scheme(headers.get("x-forwarded-proto", ""))
            # In place: the server's access line reads this same scope.
            if client:
                scope["client"] = (client, 0)
            if scheme:
                scope["scheme"] = scheme
        else:
            scope["headers"] = [(name, value) for name, value in scope["headers"] if name not in forwarded]
        rid_token, scheme_token = request_id.set(rid), request_scheme.set(scope.get("scheme"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(rid_token)
            request_scheme.reset(scheme_token)
{%- else %}


class RequestContextMiddleware:
    """WSGI: the request ID and, from a trusted proxy, the client and scheme (in the environ,
    where gunicorn's access line reads them too)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], trusted_proxies: list[str]) -> None:
        self.app = app
        self.trusted = TrustedProxies(trusted_proxies)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        rid = new_request_id(environ.get("HTTP_X_REQUEST_ID"))
        if environ.get("REMOTE_ADDR") in self.trusted:
            client = forwarded_client(environ.get("HTTP_X_FORWARDED_FOR", ""))
            scheme = forwarded_scheme(environ.get("HTTP_X_FORWARDED_PROTO", ""))
            if client:
                environ["REMOTE_ADDR"] = client
            if scheme:
                environ["wsgi.url_scheme"] = scheme
        else:
            environ.pop("HTTP_X_FORWARDED_FOR", None)
            environ.pop("HTTP_X_FORWARDED_PROTO", None)
        environ["HTTP_X_REQUEST_ID"] = rid

        def start_with_id(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("X-Request-ID", rid)], exc_info)

        rid_token, scheme_token = request_id.set(rid), request_scheme.set(environ.get("wsgi.url_scheme"))
        try:
            return self.app(environ, start_with_id)
        finally:
            request_id.reset(rid_token)
            request_scheme.reset(scheme_token)
{%- endif %}
