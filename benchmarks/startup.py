"""Start-up, idle memory, throughput and stop time at the production limits, side by side.

    python benchmarks/startup.py [--framework fastapi] [--python 3.13] [--rounds 8] [--seconds 5]
                                 [--no-stack] [--output docs/BENCHMARKS.md]

Renders one project (with its uv.lock: uv and a package index must be at hand) and builds,
on the same base image and with the same locked dependencies:
  template     this template's image, as compose.prod.yaml runs it (worker count from the CPU limit)
  template-2w  the same image with WEB_CONCURRENCY=2 (the fixed default before sizing from the limit)
  init         a `docker init`-style single stage and its server command (one process, no health check)
Each round starts every image in turn (the order rotates) at compose.prod.yaml's limits for web
(1 CPU, 512 MB, read-only root, no capabilities, production settings) and measures: `docker run`
to the first 200 from /health (polled from the host every 10 ms), to `healthy` (the end of the
first passing probe, from the engine's own record), idle memory 5 s after the first 200 (`docker
stats`), requests/s on /health at concurrency 50 (keep-alive, after a 1 s warm-up) and
`docker stop`. Medians over the rounds; the spread of requests/s across rounds is the noise.

Then, unless --no-stack, the whole Django + PostgreSQL + Redis + Celery production stack
(compose.prod.yaml, strong secrets, edge included): `up --detach --wait` from fresh volumes (a
first deploy, which initialises PostgreSQL), then again after each `down` with the volumes kept
(a redeploy), with each service's time to healthy. The tables replace the marked start-up
section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.client
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmark import DOCKER_INIT, INIT_CMD, PINS, memory_used, production_flags, render, sh, write_peers
from load import free_port, load

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- startup:start -->", "<!-- startup:end -->"
# The peer has no APP_ENV of its own: it runs the app with the production settings too.
PEER_ENV = {"APP_ENV": "production"}
STACK_SERVICES = ("postgres", "redis", "migrate", "web", "worker", "beat", "edge")


def epoch(stamp: str) -> float:
    """Docker's RFC 3339 time (nanoseconds, Z) as seconds since the epoch."""
    head, _, frac = stamp.rstrip("Z").partition(".")
    whole = dt.datetime.fromisoformat(head).replace(tzinfo=dt.UTC).timestamp()
    return whole + float(f"0.{frac or 0}")


def status_ok(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=0.5)
        conn.request("GET", "/health", headers={"Host": "localhost"})
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False


def first_healthy(name: str, deadline: float) -> float | None:
    """Epoch seconds at which the container's first passing probe ended (None: no health check)."""
    while time.time() < deadline:
        state = json.loads(sh("docker", "inspect", "--format", "{{json .State}}", name).stdout)
        health = state.get("Health")
        if health is None:
            return None
        passed = [entry for entry in health["Log"] if entry["ExitCode"] == 0]
        if health["Status"] == "healthy" and passed:
            # The log keeps the last 5 probes: the first pass is among them right after turning healthy.
            return epoch(passed[0]["End"])
        if health["Status"] == "unhealthy" or not state["Running"]:
            sys.exit(f"{name} did not turn healthy: {health['Status']}")
        time.sleep(0.05)
    sys.exit(f"{name} did not turn healthy in time")


def one_run(tag: str, env: dict[str, str], seconds: float) -> dict[str, float]:
    name, port = f"bench-start-{tag.replace(':', '-')}", free_port()
    sh("docker", "rm", "-f", name, check=False)
    started = time.time()
    sh("docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8000", *production_flags(env), tag)
    while not status_ok(port):
        if time.time() - started > 60:
            sys.exit(f"{tag}: no 200 from /health within 60 s:\n" + sh("docker", "logs", name, check=False).stderr)
        time.sleep(0.01)
    first_200 = time.time() - started
    healthy = first_healthy(name, started + 60)
    time.sleep(max(0.0, started + first_200 + 5 - time.time()))
    memory = memory_used(name) / 2**20
    processes = len(sh("docker", "top", name).stdout.strip().splitlines()) - 1
    asyncio.run(load(port, "GET", "/health", None, 200, 1.0, 50))  # warm-up
    result = asyncio.run(load(port, "GET", "/health", None, 200, seconds, 50))
    stop_started = time.time()
    sh("docker", "stop", "--time", "10", name)
    stop = time.time() - stop_started
    sh("docker", "rm", "-f", name)
    return {
        "first_200": first_200,
        "healthy": healthy - started if healthy else float("nan"),
        "memory": memory,
        "processes": processes,
        "rps": result.rate,
        "errors": result.errors,
        "stop": stop,
    }


def build_images(project: Path, framework: str, python: str) -> None:
    base = f"python:{PINS['python'][python]}-slim-{PINS['debian']}"
    write_peers(project, {"Dockerfile.init": DOCKER_INIT.format(base=base, python=python, cmd=INIT_CMD[framework])})
    sh("docker", "build", "-q", "-t", "bench-start:template", ".", cwd=project)
    sh("docker", "build", "-q", "-f", "Dockerfile.init", "-t", "bench-start:init", ".", cwd=project)


def web_rounds(rounds: int, seconds: float) -> dict[str, list[dict[str, float]]]:
    contenders = {
        "template": ("bench-start:template", {}),
        "template-2w": ("bench-start:template", {"WEB_CONCURRENCY": "2"}),
        "init": ("bench-start:init", PEER_ENV),
    }
    runs: dict[str, list[dict[str, float]]] = {label: [] for label in contenders}
    labels = list(contenders)
    for n in range(rounds):
        for label in labels[n % len(labels) :] + labels[: n % len(labels)]:
            tag, env = contenders[label]
            runs[label].append(one_run(tag, env, seconds))
            print(f"round {n + 1} {label:12}", {k: round(v, 3) for k, v in runs[label][-1].items()}, flush=True)
    return runs


def stack_rounds(workdir: Path, python: str, rounds: int) -> list[dict[str, float]]:
    project = render(workdir / "stack", "django", python, use_postgres=True, use_redis=True, use_celery=True)
    sh("docker", "build", "-q", "-t", "bench-start:stack", ".", cwd=project)
    env = {**os.environ, "IMAGE": "bench-start:stack", "ALLOWED_HOSTS": "localhost",
           "SECRET_KEY": secrets.token_urlsafe(50), "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
           "REDIS_PASSWORD": secrets.token_urlsafe(24), "EDGE_HTTP_PORT": str(free_port()),
           "EDGE_HTTPS_PORT": str(free_port())}  # fmt: skip
    compose = ["docker", "compose", "-f", "compose.prod.yaml", "-p", "benchstack"]
    results = []
    try:
        for n in range(rounds + 1):
            started = time.time()
            sh(*compose, "up", "--detach", "--wait", "--wait-timeout", "120", cwd=project, env=env)
            result = {"up": time.time() - started}
            for service in STACK_SERVICES:
                cid = sh(*compose, "ps", "--all", "--quiet", service, cwd=project, env=env).stdout.strip()
                if service == "migrate":
                    finished = json.loads(sh("docker", "inspect", "--format", "{{json .State}}", cid).stdout)
                    result[service] = epoch(finished["FinishedAt"]) - started
                else:
                    result[service] = first_healthy(cid, time.time() + 5) - started
            results.append(result)
            print(f"stack {'first deploy' if n == 0 else 'redeploy'}", {k: round(v, 2) for k, v in result.items()},
                  flush=True)  # fmt: skip
            sh(*compose, "down", "--timeout", "30", cwd=project, env=env)
    finally:
        sh(*compose, "down", "--volumes", "--timeout", "10", cwd=project, env=env, check=False)
        sh("docker", "image", "rm", "-f", "bench-start:stack", check=False)
    return results


def processes(n: int) -> str:
    return f"{n} process" if n == 1 else f"{n} processes"


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def section(args: argparse.Namespace, runs: dict, stack: list[dict[str, float]] | None) -> tuple[str, bool]:
    engine = sh("docker", "version", "--format", "{{.Server.Version}}").stdout.strip()
    t, w, i = runs["template"], runs["template-2w"], runs["init"]
    rps = {label: sorted(run["rps"] for run in r) for label, r in runs.items()}
    # The noise: how far the template's and the peer's own rounds spread around their medians.
    noise = max((rps[label][-1] - rps[label][0]) / statistics.median(rps[label]) for label in ("template", "init"))
    # Paired by round (the two ran back to back): the template's requests/s over the peer's.
    paired = sorted(a["rps"] / b["rps"] for a, b in zip(t, i, strict=True))
    cell = {
        "first 200": lambda r: f"{median(r, 'first_200'):.2f} s",
        "healthy": lambda r: "no health check" if median(r, "healthy") != median(r, "healthy")
        else f"{median(r, 'healthy'):.2f} s",
        "memory": lambda r: f"{median(r, 'memory'):.1f} MiB ({processes(int(median(r, 'processes')))})",
        "rps": lambda r: f"{statistics.median(x['rps'] for x in r):,.0f} ({min(x['rps'] for x in r):,.0f}-"
        f"{max(x['rps'] for x in r):,.0f})",
        "stop": lambda r: f"{median(r, 'stop'):.2f} s",
    }  # fmt: skip
    rows = [("`docker run` to first 200", "first 200"), ("`docker run` to healthy", "healthy"),
            ("idle memory, 5 s after the first 200", "memory"),
            ("requests/s on /health, concurrency 50: median (range)", "rps"), ("`docker stop`", "stop")]  # fmt: skip
    checks = [
        ("healthy within 0.5 s of the peer's first 200", median(t, "healthy") <= median(i, "first_200") + 0.5,
         f"{median(t, 'healthy'):.2f} s vs {median(i, 'first_200'):.2f} s + 0.5 s"),
        ("idle memory within 1.1 x the peer's", median(t, "memory") <= 1.1 * median(i, "memory"),
         f"{median(t, 'memory'):.1f} MiB vs {1.1 * median(i, 'memory'):.1f} MiB"),
        ("requests/s not below the peer's beyond the noise",
         statistics.median(rps["template"]) >= statistics.median(rps["init"]) * (1 - noise),
         f"{statistics.median(rps['template']):,.0f} vs {statistics.median(rps['init']):,.0f} "
         f"(noise {100 * noise:.0f} %)"),
    ]  # fmt: skip
    lines = [
        START,
        "## Start-up at the production limits",
        "",
        f"Produced by `python benchmarks/startup.py` (framework {args.framework}, Python {args.python}): "
        f"{args.rounds} rounds, each starting every image in turn, medians; Docker Engine {engine}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs shared with other work. Each container runs at "
        "compose.prod.yaml's limits for web (`--cpus 1 --memory 512m`, read-only root, no capabilities) with "
        "production settings. The `docker init`-style image is built on the same base from the same pinned "
        "dependencies and runs `docker init`'s server command (one process, no health check).",
        "",
        "| | template | template, `WEB_CONCURRENCY=2` | `docker init`-style |",
        "| --- | --- | --- | --- |",
        *(f"| {name} | {cell[key](t)} | {cell[key](w)} | {cell[key](i)} |" for name, key in rows),
        "",
        f"Noise: the template's and the peer's requests/s each spread by up to {100 * noise:.0f} % of their "
        f"median across the rounds ({args.seconds:g} s of load each, after a 1 s warm-up, on shared CPUs). "
        f"Paired by round, the template served {statistics.median(paired):.2f} x the peer's requests/s "
        f"(range {paired[0]:.2f}-{paired[-1]:.2f}).",
        "",
        "| target | met | measured |",
        "| --- | --- | --- |",
        *(f"| {name} | {'yes' if ok else '**no**'} | {value} |" for name, ok, value in checks),
    ]
    if stack:
        first, redeploys = stack[0], stack[1:]
        lines += [
            "",
            "### The Django + PostgreSQL + Redis + Celery stack",
            "",
            "`docker compose -f compose.prod.yaml up --detach --wait` with the image built, strong secrets and "
            "the edge; each service's figure is when it first turned healthy (migrate: when it exited), from the "
            f"start of `up`. First deploy: empty volumes, so PostgreSQL initialises its cluster. Redeploy: after "
            f"`down` with the volumes kept, median of {len(redeploys)}.",
            "",
            "| | first deploy | redeploy |",
            "| --- | --- | --- |",
            f"| `up --detach --wait` returns | {first['up']:.2f} s | {median(redeploys, 'up'):.2f} s |",
            *(f"| {s} | {first[s]:.2f} s | {median(redeploys, s):.2f} s |" for s in STACK_SERVICES),
        ]
        first_up, redeploy_up = first["up"], median(redeploys, "up")
        met = first_up < 5 and redeploy_up < 5
        checks.append(("stack all healthy in under 5 s", met, f"{first_up:.2f} s, {redeploy_up:.2f} s"))
        verdict = "met" if met else "**not met**"
        lines += ["", f"Target: all healthy in under 5 s from `up --detach --wait`: {verdict} on the first deploy "
                  f"({first_up:.2f} s) and on a redeploy ({redeploy_up:.2f} s)."]  # fmt: skip
    lines.append(END)
    return "\n".join(lines), all(ok for _, ok, _ in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", default="fastapi", choices=sorted(INIT_CMD))
    parser.add_argument("--python", default="3.13")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--stack-rounds", type=int, default=3)
    parser.add_argument("--no-stack", action="store_true")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        project = render(Path(tmp), args.framework, args.python)
        build_images(project, args.framework, args.python)
        try:
            runs = web_rounds(args.rounds, args.seconds)
        finally:
            sh("docker", "image", "rm", "-f", "bench-start:template", "bench-start:init", check=False)
        stack = None if args.no_stack else stack_rounds(Path(tmp), args.python, args.stack_rounds)
    text, met = section(args, runs, stack)
    print(text)
    if args.output:
        doc = args.output.read_text() if args.output.exists() else "# Benchmarks\n"
        if START in doc and END in doc:
            doc = doc[: doc.index(START)] + text + doc[doc.index(END) + len(END) :]
        else:
            doc = doc.rstrip("\n") + "\n\n" + text + "\n"
        args.output.write_text(doc)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
