{%- set slug = cookiecutter.project_slug -%}
{%- set asgi = cookiecutter.framework == "fastapi" -%}
"""Every request gets an ID (kept from a sane X-Request-ID, else new), echoed in the response
and carried by every log line; X-Forwarded-For and -Proto count from TRUSTED_PROXIES only."""

from __future__ import annotations

{% if asgi -%}
import asyncio
{% endif -%}
import json
import logging
{%- if asgi %}
import socket
{%- endif %}

import pytest

from {{ slug }} import logs
from {{ slug }}.request_context import (
    RequestContextMiddleware,
    TrustedProxies,
    new_request_id,
)

EDGE = "10.0.0.7"


{%- if cookiecutter.framework == "django" %}


def answered_id(client, headers: dict[str, str]) -> str:
    """The X-Request-ID of a /health response from wsgi.py's application, as gunicorn serves it."""
    from wsgiref.util import setup_testing_defaults

    from {{ slug }}.wsgi import application

    environ = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    environ["PATH_INFO"] = "/health"
    setup_testing_defaults(environ)
    answered: dict[str, str] = {}
    application(environ, lambda status, response_headers, exc_info=None: answered.update(response_headers))
    return answered["X-Request-ID"]
{%- else %}


def answered_id(client, headers: dict[str, str]) -> str:
    """The X-Request-ID of a /health response from the app."""
    return client.get("/health", headers=headers).headers["X-Request-ID"]
{%- endif %}


def test_every_response_carries_a_request_id(client):
    assert len(answered_id(client, {})) == 32


def test_a_sane_incoming_request_id_is_kept(client):
    assert answered_id(client, {"X-Request-ID": "abc-123_x.y:z"}) == "abc-123_x.y:z"


@pytest.mark.parametrize("incoming", ["a b", "x" * 129, "<script>", "", "é"])
def test_an_insane_request_id_is_replaced(incoming):
    replaced = new_request_id(incoming)
    assert replaced != incoming and len(replaced) == 32


def test_trusted_proxies_match_addresses_networks_and_host_names():
    trusted = TrustedProxies(["10.0.0.0/8", "192.168.1.5", "localhost"])
    assert "10.1.2.3" in trusted
    assert "192.168.1.5" in trusted
    assert "127.0.0.1" in trusted, "localhost was not resolved"
    assert "192.168.1.6" not in trusted
    assert "not-an-address" not in trusted
    assert None not in trusted


def test_a_name_that_does_not_resolve_trusts_nobody():
    trusted = TrustedProxies(["no-such-host.invalid"])
    assert "127.0.0.1" not in trusted
{%- if asgi %}


def call(peer: str, headers: dict[str, str]) -> tuple[dict, list[tuple[bytes, bytes]]]:
    """(the scope the app saw, the response headers) for one request from `peer`."""
    seen: dict = {}
    sent: list[tuple[bytes, bytes]] = []

    async def app(scope, receive, send):
        seen.update(scope, request_id=logs.request_id.get())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def send(message):
        if message["type"] == "http.response.start":
            sent.extend(message["headers"])

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {
        "type": "http",
        "scheme": "http",
        "client": (peer, 5000),
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }
    asyncio.run(RequestContextMiddleware(app, [EDGE])(scope, receive, send))
    return seen, sent


def test_the_edge_sets_the_client_and_the_scheme():
    seen, _ = call(EDGE, {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert (seen["client"][0], seen["scheme"]) == ("203.0.113.9", "https")


def test_anyone_else_cannot_and_their_forwarded_headers_are_dropped():
    seen, _ = call("203.0.113.66", {"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"})
    assert (seen["client"][0], seen["scheme"]) == ("203.0.113.66", "http")
    assert not {name for name, _ in seen["headers"]} & {b"x-forwarded-for", b"x-forwarded-proto"}


def test_the_app_sees_the_request_id_it_answers_with():
    seen, sent = call(EDGE, {"X-Request-ID": "req-42"})
    assert seen["request_id"] == "req-42"
    assert (b"x-request-id", b"req-42") in sent
    assert logs.request_id.get() is None, "the ID leaked out of the request"


def test_the_shared_listening_socket_gets_no_delay():
    """uvicorn's workers share a socket asyncio leaves Nagle on: keep-alive answers would wait ~40 ms."""
    from {{ slug }}.main import no_delay_on_listening_sockets

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        no_delay_on_listening_sockets()
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
{%- else %}


def call(peer: str, headers: dict[str, str]) -> tuple[dict, list[tuple[str, str]]]:
    """(the environ the app saw, the response headers) for one request from `peer`."""
    seen: dict = {}
    sent: list[tuple[str, str]] = []

    def app(environ, start_response):
        seen.update(environ, request_id=logs.request_id.get())
        start_response("200 OK", [])
        return [b""]

    def start_response(status, response_headers, exc_info=None):
        sent.extend(response_headers)

    environ = {"REMOTE_ADDR": peer, "wsgi.url_scheme": "http"}
    environ.update({"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()})
    RequestContextMiddleware(app, [EDGE])(environ, start_response)
    return seen, sent


def test_the_edge_sets_the_client_and_the_scheme():
    seen, _ = call(EDGE, {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"]) == ("203.0.113.9", "https")


def test_anyone_else_cannot_and_their_forwarded_headers_are_dropped():
    seen, _ = call("203.0.113.66", {"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"})
    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"]) == ("203.0.113.66", "http")
    assert "HTTP_X_FORWARDED_FOR" not in seen and "HTTP_X_FORWARDED_PROTO" not in seen


def test_the_app_sees_the_request_id_it_answers_with():
    seen, sent = call(EDGE, {"X-Request-ID": "req-42"})
    assert seen["request_id"] == "req-42"
    assert ("X-Request-ID", "req-42") in sent
    assert logs.request_id.get() is None, "the ID leaked out of the request"
{%- endif %}


def test_the_last_forwarded_address_counts_the_one_the_edge_added():
    seen, _ = call(EDGE, {"X-Forwarded-For": "6.6.6.6, 203.0.113.9"})
{%- if asgi %}
    assert seen["client"][0] == "203.0.113.9"
{%- else %}
    assert seen["REMOTE_ADDR"] == "203.0.113.9"
{%- endif %}


def record(name: str, message: str, args=()) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, message, args, None)


def test_json_lines_carry_the_request_id_of_the_request_that_made_them():
    token = logs.request_id.set("req-7")
    try:
        line = logs.formatter("json").format(record("app", "hello %s", ("world",)))
    finally:
        logs.request_id.reset(token)
    entry = json.loads(line)
    assert (entry["message"], entry["request_id"], entry["level"]) == ("hello world", "req-7", "INFO")
    assert "\n" not in line
    outside = json.loads(logs.formatter("json").format(record("app", "outside")))
    assert "request_id" not in outside, "a line outside any request carries an ID"


def test_access_lines_become_fields():
    args = ("203.0.113.9:0", "GET", "/health", "1.1", 200)
    line = logs.formatter("json").format(record("uvicorn.access", '%s - "%s %s HTTP/%s" %d', args))
    uvicorn = json.loads(line)
    assert (uvicorn["client"], uvicorn["path"], uvicorn["status"]) == ("203.0.113.9:0", "/health", 200)
    atoms = {"h": "203.0.113.9", "m": "GET", "U": "/ready", "s": "503", "M": 3}
    atoms |= {"{wsgi.url_scheme}e": "https", "{x-request-id}o": "req-9"}
    gunicorn = json.loads(logs.formatter("json").format(record("gunicorn.access", "%(h)s %(s)s", (atoms,))))
    assert (gunicorn["client"], gunicorn["status"], gunicorn["scheme"], gunicorn["request_id"]) == (
        "203.0.113.9",
        503,
        "https",
        "req-9",
    )


def test_text_is_the_default_and_an_unknown_format_is_refused(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert isinstance(logs.formatter(), logs.TextFormatter)
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.formatter("xml")
