"""Bounded load on the production stack: /health, /ready and POST /items, per framework.

    python benchmarks/load.py [--framework fastapi ...] [--seconds 10] [--concurrency 50]
                              [--output docs/BENCHMARKS.md]

For each framework, renders a project with PostgreSQL, builds its image, and starts
compose.prod.yaml at its production limits (WEB_CPUS=1.0, WEB_MEMORY=512M, one worker
per CPU of that limit, gunicorn's 8 threads) without the edge, as the README's "Without the
edge" switch does: web published on 127.0.0.1 only, through the override a load balancer of
your own would use. A small asyncio load generator (HTTP/1.1 keep-alive, one connection
per concurrent client) then sends each endpoint for a bounded time, to 127.0.0.1 only,
and reports req/s, p50, p99 and errors (anything but the expected status). Target:
/ready at least half of /health's throughput at concurrency 50, and zero errors. The
measured table replaces the "Load" section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import secrets
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmark import render, sh

ROOT = Path(__file__).resolve().parent.parent
PORT = 8000
# The documented switch (the rendered README, "Without the edge"): web on the host's loopback.
OVERRIDE = """\
services:
  web:
    ports:
      - "127.0.0.1:{port}:8000"
    environment:
      TRUSTED_PROXIES: 172.16.0.0/12,192.168.0.0/16
"""
ENDPOINTS = [
    ("GET /health", "GET", "/health", None, 200),
    ("GET /ready", "GET", "/ready", None, 200),
    ("POST /items", "POST", "/items", b'{"name": "load"}', 201),
]
SECTION = "## Load: /health, /ready and POST /items"
READING = (
    "Reading the table: before this change `/ready` opened a new PostgreSQL connection per call and "
    "served 64 req/s (Django) and 75 req/s (FastAPI) at a p50 of 600-700 ms at concurrency 50; its c"
    "hecks now run on kept connections, once per second at most, so it costs about what `/health` co"
    "sts. Figures on a shared 2-core machine move by tens of percent between runs; compare within a "
    "run. FastAPI's numbers include the `TCP_NODELAY` fix: without it every keep-alive request after "
    "the first waited about 40 ms (uvicorn issue #3149). gunicorn's 8 threads per worker served more"
    " than 4 did: 1,218 and 1,263 req/s on /health (Flask, Django) with one worker of 4 threads, in "
    "an earlier run the same day on this machine."
)


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def read_chunked(reader: asyncio.StreamReader) -> None:
    """Read a chunked body (a server may send one when the app sets no Content-Length)."""
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers: the blank line that ends the body
            return
        await reader.readexactly(size + 2)


async def client(port: int, request: bytes, expected: int, until: float, result: Result) -> None:
    """One keep-alive connection sending `request` again and again until `until`."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < until:
            started = time.monotonic()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            if re.search(rb"(?i)\r\ntransfer-encoding: *chunked", head):
                await read_chunked(reader)
            else:
                await reader.readexactly(int(length.group(1)) if length else 0)
            result.latencies.append(time.monotonic() - started)
            result.requests += 1
            result.errors += status != expected
            if re.search(rb"(?i)\r\nconnection: *close", head):
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        result.errors += 1
    finally:
        writer.close()


async def load(port: int, method: str, path: str, body: bytes | None, expected: int, seconds: float, n: int):
    head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    request = head.encode() + b"\r\n" + (body or b"")
    result = Result(0, 0, seconds, [])
    until = time.monotonic() + seconds
    await asyncio.gather(*(client(port, request, expected, until, result) for _ in range(n)))
    return result


def bench(framework: str, workdir: Path, seconds: float, concurrency: int) -> dict[str, Result]:
    project = render(workdir / framework, framework, use_postgres=True)
    tag = f"cps-load/{framework}:latest"
    sh("docker", "build", "-q", "-t", tag, ".", cwd=project)
    port = free_port()
    (project / "compose.lb.yaml").write_text(OVERRIDE.format(port=port))
    env = {
        **os.environ,
        "IMAGE": tag,
        "ALLOWED_HOSTS": "localhost",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(20),
    }
    compose = ["docker", "compose", "-f", "compose.prod.yaml", "-f", "compose.lb.yaml", "-p", f"load{framework}"]
    try:
        sh(*compose, "up", "--detach", "--wait", "--wait-timeout", "180", "web", cwd=project, env=env)
        results = {}
        for name, method, path, body, expected in ENDPOINTS:
            asyncio.run(load(port, method, path, body, expected, 1.0, concurrency))  # warm up
            results[name] = asyncio.run(load(port, method, path, body, expected, seconds, concurrency))
            r = results[name]
            print(f"{framework:8} {name:12} {r.rate:8.0f} req/s  p50 {r.percentile(0.5) * 1000:6.1f} ms  "
                  f"p99 {r.percentile(0.99) * 1000:6.1f} ms  errors {r.errors}", flush=True)  # fmt: skip
        return results
    finally:
        sh(*compose, "down", "--volumes", "--timeout", "5", cwd=project, env=env, check=False)
        sh("docker", "image", "rm", "-f", tag, check=False)


def table(all_results: dict[str, dict[str, Result]], seconds: float, concurrency: int) -> str:
    cpus = sh("nproc").stdout.strip()
    lines = [
        SECTION,
        "",
        f"`python benchmarks/load.py` on {platform.machine()}, {cpus} CPUs shared with other work, "
        f"{seconds:g} s per endpoint at concurrency {concurrency} (keep-alive), to 127.0.0.1 only; web at its "
        "production limits (1 CPU, 512 MB, one worker per CPU of the limit; gunicorn with 8 threads), PostgreSQL 17, "
        "no edge (the README's switch). Errors: any answer but the expected status.",
        "",
        "| framework | endpoint | req/s | p50 ms | p99 ms | errors | /ready vs /health |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for framework, results in all_results.items():
        health = results["GET /health"].rate
        for name, r in results.items():
            ratio = f"{r.rate / health:.2f}" if name == "GET /ready" else ""
            lines.append(
                f"| {framework} | `{name}` | {r.rate:,.0f} | {r.percentile(0.5) * 1000:.1f} | "
                f"{r.percentile(0.99) * 1000:.1f} | {r.errors} | {ratio} |"
            )
    lines += ["", READING]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", action="append", choices=["fastapi", "flask", "django"])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    assert args.seconds <= 10, "a bounded run: at most 10 s per endpoint"
    frameworks = args.framework or ["fastapi", "flask", "django"]
    with tempfile.TemporaryDirectory() as tmp:
        results = {fw: bench(fw, Path(tmp), args.seconds, args.concurrency) for fw in frameworks}
    text = table(results, args.seconds, args.concurrency)
    print(text)
    if args.output:
        doc = args.output.read_text() if args.output.exists() else ""
        if SECTION in doc:
            start = doc.index(SECTION)
            # The section ends at the next heading or at the next marked section (<!-- name:start -->).
            following = re.search(r"\n(## |<!-- )", doc[start + len(SECTION) :])
            end = start + len(SECTION) + following.start() if following else -1
            doc = doc[:start] + text + ("\n" + doc[end + 1 :] if end != -1 else "")
        else:
            doc = doc.rstrip("\n") + "\n\n" + text
        args.output.write_text(doc)
    failed = [f"{fw} {name}: {r.errors} errors" for fw, rs in results.items() for name, r in rs.items() if r.errors] + [
        f"{fw}: /ready at {rs['GET /ready'].rate / rs['GET /health'].rate:.2f} of /health"
        for fw, rs in results.items()
        if rs["GET /ready"].rate < rs["GET /health"].rate / 2
    ]
    for problem in failed:
        print(f"TARGET MISSED: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
