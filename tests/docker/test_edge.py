"""The production stack behind its TLS edge stays up under faults and load.

Per framework (each with PostgreSQL), one stack: HTTPS through the edge verified against its
local CA; the app sees the client's address and scheme the edge reports; only the edge
publishes ports; every log line of web is JSON and carries the ID of its request; slow
clients never reach web (the edge closes them), so no liveness probe fails; with PostgreSQL
paused, /health stays fast while /ready answers 503 within its deadline.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import statistics
import threading
import time
import uuid
from datetime import datetime

import pytest

from ..conftest import combo_params
from .conftest import docker, wait_for
from .stacks import APP_PORT, PUBLIC_HOST, Stack
from .test_image import IMAGE_COMBOS

pytestmark = pytest.mark.docker

# One per framework, each with PostgreSQL: images the other docker tests build anyway.
EDGE_COMBOS = [
    next(c for c in IMAGE_COMBOS if c.framework == framework and c.use_postgres)
    for framework in ("fastapi", "flask", "django")
]
SLOW_CLIENTS = 50
SLOW_SECONDS = 30
READINESS_TIMEOUT = 2.0  # compose.prod.yaml's default


@pytest.fixture(scope="module")
def stacks(build):
    """stack(combo) -> the running production stack of that combination, one per module."""
    running: dict = {}

    def _stack(combo) -> Stack:
        if combo not in running:
            stack = Stack(build(combo), "compose.prod.yaml")
            running[combo] = stack
            stack.up()
        return running[combo]

    yield _stack
    for stack in running.values():
        stack.compose("down", "--volumes", "--timeout", "5", check=False)


def log_lines(stack: Stack, service: str) -> list[str]:
    proc = docker("logs", stack.container(service), check=False)
    return [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]


def web_log_entries(stack: Stack) -> list[dict]:
    entries = []
    for line in log_lines(stack, "web"):
        try:
            entries.append(json.loads(line))
        except ValueError:
            pytest.fail(f"a production log line of web is not JSON: {line!r}")
    return entries


def access_entry(stack: Stack, request_id: str) -> dict:
    found = [e for e in web_log_entries(stack) if e.get("request_id") == request_id and e.get("status")]
    assert found, f"no access line carries the request ID {request_id}"
    return found[-1]


@pytest.mark.parametrize("combo", combo_params(EDGE_COMBOS))
def test_https_through_the_edge_carries_the_client_and_scheme_to_the_app(stacks, combo):
    stack = stacks(combo)
    request_id = f"edge-{uuid.uuid4().hex[:12]}"
    # A client's own X-Forwarded-For must not be believed: the edge reports the real peer.
    status, body = stack.request("GET", "/ready", headers={"X-Request-ID": request_id, "X-Forwarded-For": "6.6.6.6"})
    assert (status, body["status"]) == (200, "ready"), body
    entry = access_entry(stack, request_id)
    host_side = stack.inspect("edge", ".NetworkSettings.Networks")
    gateways = {network["Gateway"] for network in host_side.values()}
    assert entry["scheme"] == "https", entry
    assert entry["client"].rsplit(":", 1)[0] in gateways, f"the app saw {entry['client']}, not this host {gateways}"


@pytest.mark.parametrize("combo", combo_params(EDGE_COMBOS))
def test_the_edge_is_the_only_service_with_a_published_port(stacks, combo):
    stack = stacks(combo)
    published = {}
    for service in stack.compose("ps", "--services").stdout.split():
        ports = stack.inspect(service, ".NetworkSettings.Ports") or {}
        published[service] = sorted(port for port, bindings in ports.items() if bindings)
    assert published.pop("edge") == ["443/tcp", "443/udp", "80/tcp"], published
    assert not any(published.values()), f"published besides the edge: {published}"


@pytest.mark.parametrize("combo", combo_params(EDGE_COMBOS))
def test_production_log_lines_are_json_and_carry_their_request_id(stacks, combo):
    stack = stacks(combo)
    sent = f"logs-{uuid.uuid4().hex[:12]}"
    status, item = stack.request("POST", "/items", {"name": "logged"}, headers={"X-Request-ID": sent})
    assert status == 201, item
    entry = access_entry(stack, sent)
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/items", 201), entry
    entries = web_log_entries(stack)  # fails on any line that is not JSON
    access = [e for e in entries if e.get("status") and e.get("path")]
    assert access and all(e.get("request_id") not in (None, "", "-") for e in access), access[-3:]
    # A generated ID comes back in the response header, as the access line has it.
    conn = http.client.HTTPSConnection(PUBLIC_HOST, stack.edge_port, context=stack.tls, timeout=10)
    conn.request("GET", "/health")
    generated = conn.getresponse().getheader("X-Request-ID")
    conn.close()
    assert generated and access_entry(stack, generated)["path"] == "/health"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@pytest.mark.parametrize("combo", combo_params(EDGE_COMBOS))
def test_with_postgres_paused_health_stays_fast_and_ready_answers_503_within_its_deadline(stacks, combo):
    stack = stacks(combo)
    web = stack.address("web")
    stop = threading.Event()
    ready_answers: list[tuple[int, float]] = []

    def hammer_ready() -> None:
        """/ready traffic through the edge all along, as load balancers and monitors send it
        (on one kept connection each: the TLS handshakes would load this machine, not the app)."""
        conn = http.client.HTTPSConnection(PUBLIC_HOST, stack.edge_port, context=stack.tls, timeout=10)
        while not stop.is_set():
            started = time.monotonic()
            try:
                conn.request("GET", "/ready")
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                conn.close()
                status = 0
            ready_answers.append((status, time.monotonic() - started))
            stop.wait(0.1)
        conn.close()

    docker("pause", stack.container("postgres"))
    try:
        threads = [threading.Thread(target=hammer_ready) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(READINESS_TIMEOUT + 1.5)  # the cached answer expires; /ready now runs into the pause
        timings = []
        conn = http.client.HTTPConnection(web, APP_PORT, timeout=5)
        for _ in range(100):
            started = time.monotonic()
            conn.request("GET", "/health")
            response = conn.getresponse()
            response.read()
            timings.append(time.monotonic() - started)
            assert response.status == 200
        conn.close()
        stop.set()
        for thread in threads:
            thread.join(15)
    finally:
        stop.set()
        docker("unpause", stack.container("postgres"))
    p99 = percentile(timings, 0.99)
    assert p99 < 0.1, f"/health p99 {p99 * 1000:.0f} ms (median {statistics.median(timings) * 1000:.0f} ms)"
    assert any(status == 503 for status, _ in ready_answers), "/ready never reported PostgreSQL down"
    slowest = max(seconds for _, seconds in ready_answers)
    assert slowest < READINESS_TIMEOUT + 1.0, f"a /ready call took {slowest:.1f} s, past its deadline"
    assert all(status in (200, 503) for status, _ in ready_answers), sorted({s for s, _ in ready_answers})


def slow_client(stack: Stack, closed: list[float], stop: threading.Event) -> None:
    """A TLS client that sends one header line every 2 s and never ends its headers."""
    started = time.monotonic()
    try:
        raw = socket.create_connection(("127.0.0.1", stack.edge_port), timeout=5)
        sock = stack.tls.wrap_socket(raw, server_hostname=PUBLIC_HOST)
        sock.sendall(f"GET /health HTTP/1.1\r\nHost: {PUBLIC_HOST}\r\n".encode())
        sock.settimeout(2)
        while not stop.is_set():
            try:
                if sock.recv(1024) == b"":
                    break  # closed by the edge
            except TimeoutError:
                pass
            sock.sendall(b"X-Slow: 1\r\n")
    except (OSError, ssl.SSLError):
        pass  # reset by the edge
    else:
        if stop.is_set():
            return
    closed.append(time.monotonic() - started)


def started_at(entry: dict) -> float:
    """A health log entry's start as a Unix time (Docker writes nanoseconds, RFC 3339)."""
    stamp = re.sub(r"\.(\d{6})\d*", r".\1", entry["Start"]).replace("Z", "+00:00")
    return datetime.fromisoformat(stamp).timestamp()


@pytest.mark.parametrize("combo", combo_params(EDGE_COMBOS))
def test_slow_clients_are_cut_by_the_edge_and_never_fail_a_liveness_probe(stacks, combo):
    stack = stacks(combo)
    web = stack.address("web")
    stop, closed = threading.Event(), []
    began = time.time()
    clients = [threading.Thread(target=slow_client, args=(stack, closed, stop)) for _ in range(SLOW_CLIENTS)]
    for client in clients:
        client.start()
    answers, probes = [], []
    deadline = time.monotonic() + SLOW_SECONDS
    while time.monotonic() < deadline:
        answers.append(stack.get("/health")[0])  # a normal client, through the edge
        try:  # what Docker's probe asks, with its timeout
            conn = http.client.HTTPConnection(web, APP_PORT, timeout=3)
            conn.request("GET", "/health")
            probes.append(conn.getresponse().status)
            conn.close()
        except OSError:
            probes.append(0)
        time.sleep(0.5)
    stop.set()
    for client in clients:
        client.join(10)
    assert answers and set(answers) == {200}, f"a normal client got {sorted(set(answers))}"
    assert probes and set(probes) == {200}, f"a liveness probe got {sorted(set(probes))}"
    health = stack.state("web")["Health"]
    assert health["Status"] == "healthy" and health["FailingStreak"] == 0, health
    during = [entry for entry in health["Log"] if started_at(entry) >= began]
    failed = [entry for entry in during if entry["ExitCode"] != 0]
    assert not failed, failed
    assert len(closed) == SLOW_CLIENTS, f"the edge closed {len(closed)} of {SLOW_CLIENTS} slow clients"
    assert max(closed) < 20, f"a slow client was held {max(closed):.0f} s (read_header is 10 s)"


@pytest.mark.parametrize("combo", combo_params(EDGE_COMBOS))
def test_a_restart_of_web_is_a_pause_behind_the_edge_not_errors(stacks, combo):
    # A deploy restarts web; the edge holds each request until web answers again (lb_try_duration).
    stack = stacks(combo)
    stop, answers = threading.Event(), []

    def client():
        while not stop.is_set():
            started = time.monotonic()
            answers.append((stack.get("/health")[0], time.monotonic() - started))
            time.sleep(0.05)

    thread = threading.Thread(target=client)
    thread.start()
    try:
        time.sleep(0.5)
        stack.compose("restart", "web")
        healthy = wait_for(lambda: stack.state("web").get("Health", {}).get("Status") == "healthy", 60)
        assert healthy, docker("logs", stack.container("web"), check=False).stderr[-2000:]
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join(20)
    statuses = sorted({status for status, _ in answers})
    assert statuses == [200], f"through a restart of web, clients got {statuses}"
    held = max(seconds for _, seconds in answers)
    assert held >= 0.5, f"no request waited for web ({held:.2f} s at most): the restart was not exercised"
