"""Side-by-side image benchmarks, written to docs/BENCHMARKS.md.

    python benchmarks/benchmark.py [--framework fastapi] [--python 3.13] [--output docs/BENCHMARKS.md]
    python benchmarks/benchmark.py --variants [--framework fastapi] [--python 3.13]


Renders one project (with its uv.lock: uv and a package index must be at hand), then builds,
on the same base image and with the same pinned dependencies, in one run:
  template  this template's multi-stage Dockerfile (uv from its image, locked, cache mounts)
  naive     a single stage: build tools, `COPY . .` first, `pip install` (the "before" state)
  init      a `docker init`-style single stage: pip with a cache mount, non-root user
and measures image size, bytes added above the base, the runtime venv, cold build, rebuild
after a one-file code change, rebuild after adding one dependency, no-change rebuild, uv vs
pip for the dependency step, and the time from `docker run` to healthy and for `docker stop`.
Figures vary with the machine and the network; compare the columns, which share both.

Cold means no layer cache (`--no-cache`) and empty cache mounts (each cold build gives every
`--mount=type=cache` a fresh id): the engine's build cache, which other builds share, is never
pruned.

--variants instead builds the template's own Dockerfile on its two bases, slim and alpine, side
by side (see compare_variants), into a marked section of the same file that the default run keeps.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
import uuid
from pathlib import Path

from cookiecutter.main import cookiecutter

ROOT = Path(__file__).resolve().parent.parent
PINS = json.loads((ROOT / "cookiecutter.json").read_text())["_pins"]
REPEATS = 3
LOAD_SECTION = "## Load: /health, /ready and POST /items"
STARTUP_START = "<!-- startup:start -->"  # benchmarks/startup.py's section
# The dependency added for "rebuild after adding one dependency": small, pure Python, in no other's tree.
NEW_DEPENDENCY = "humanize==4.12.3"
# As compose.prod.yaml runs web: its limits (1 CPU, so one worker; 512 MB) and hardening, with
# the production settings the image needs to start (named hosts, a strong SECRET_KEY).
PRODUCTION_LIMITS = ("--cpus", "1", "--memory", "512m", "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",
                     "--security-opt", "no-new-privileges:true")  # fmt: skip
PRODUCTION_SETTINGS = {"ALLOWED_HOSTS": "localhost", "LOG_FORMAT": "json", "SECRET_KEY": secrets.token_urlsafe(50)}
# What `docker init` writes for each framework's server (its Python template, adapted to the module).
INIT_CMD = {
    "fastapi": '["uvicorn", "bench.main:app", "--host", "0.0.0.0", "--port", "8000"]',
    "flask": '["gunicorn", "bench.app:app", "--bind", "0.0.0.0:8000"]',
    "django": '["gunicorn", "bench.wsgi:application", "--bind", "0.0.0.0:8000"]',
}
# Marks this run's edits: an edit another run already built would come from the build cache.
RUN = uuid.uuid4().hex[:12]
CACHE_MOUNT = re.compile(r"--mount=type=cache,(?:id=[^,]+,)?target=(\S+?)(?=[,\s])")

NAIVE = """\
FROM {base}
RUN apt-get update && apt-get install -y build-essential
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD {cmd}
"""

DOCKER_INIT = """\
ARG PYTHON_VERSION={python}
FROM {base}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
ARG UID=10001
# docker init writes `adduser --disabled-password ...`; useradd is the same user on any Debian base.
RUN useradd --home-dir /nonexistent --shell /sbin/nologin --no-create-home --uid "${{UID}}" appuser
RUN --mount=type=cache,target=/root/.cache/pip \\
    --mount=type=bind,source=requirements.txt,target=requirements.txt \\
    python -m pip install -r requirements.txt
USER appuser
COPY . .
EXPOSE 8000
CMD {cmd}
"""

# The template's dependency step with pip instead of uv, for the uv-vs-pip comparison.
PIP_STEP = """\
RUN --mount=type=cache,target=/root/.cache/pip \\
    python -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt
"""


def sh(*args: str, cwd: Path | None = None, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    if check and proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def timed_build(project: Path, tag: str, dockerfile: str = "Dockerfile", *flags: str) -> tuple[float, str]:
    started = time.perf_counter()
    proc = sh("docker", "build", "--progress=plain", "-f", dockerfile, "-t", tag, *flags, ".", cwd=project)
    return time.perf_counter() - started, proc.stderr


def fresh_cache_mounts(project: Path, dockerfile: str) -> None:
    """Give each cache mount of the Dockerfile a new id: the next build starts with it empty."""
    path = project / dockerfile
    run = uuid.uuid4().hex[:12]
    text = CACHE_MOUNT.sub(lambda m: f"--mount=type=cache,id=bench-{run}{m[1]},target={m[1]}", path.read_text())
    path.write_text(text)


def cold_build(project: Path, tag: str, dockerfile: str, *flags: str) -> tuple[float, str]:
    fresh_cache_mounts(project, dockerfile)
    return timed_build(project, tag, dockerfile, "--no-cache", *flags)


def image_size(tag: str) -> int:
    return int(sh("docker", "image", "inspect", "--format", "{{.Size}}", tag).stdout)


def step_seconds(log: str, needle: str) -> float:
    """Duration of the BuildKit step whose name contains needle ('#9 DONE 5.3s')."""
    for number, name in re.findall(r"^#(\d+) (\[.*)$", log, re.M):
        if needle in name:
            done = re.findall(rf"^#{number} DONE ([\d.]+)s$", log, re.M)
            if done:
                return float(done[-1])
    return float("nan")


def run_to_healthy(tag: str, port: int) -> tuple[float, float]:
    """Seconds from `docker run` to the HEALTHCHECK reporting healthy, and for `docker stop`."""
    name = f"bench-{port}"
    sh("docker", "rm", "-f", name, check=False)
    started = time.perf_counter()
    # Production refuses to start without named hosts (the default render has no secret).
    sh("docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8000", *production_flags(), tag)
    while True:
        status = sh("docker", "inspect", "--format", "{{.State.Health.Status}}", name).stdout.strip()
        if status == "healthy":
            healthy = time.perf_counter() - started
            break
        if status == "unhealthy" or time.perf_counter() - started > 120:
            sys.exit(f"{tag} did not turn healthy: {status}")
        time.sleep(0.05)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3) as response:
        assert response.status == 200
    started = time.perf_counter()
    sh("docker", "stop", "--time", "10", name)
    stopped = time.perf_counter() - started
    sh("docker", "rm", "-f", name)
    return healthy, stopped


def du(tag: str, path: str) -> int:
    out = sh("docker", "run", "--rm", "--entrypoint", "du", tag, "-sb", path).stdout
    return int(out.split()[0])


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def production_flags(env: dict[str, str] | None = None) -> list[str]:
    """`docker run` flags for web as production runs it: limits, hardening, settings (and env)."""
    settings = {**PRODUCTION_SETTINGS, **(env or {})}
    return [*PRODUCTION_LIMITS, *(flag for key, value in settings.items() for flag in ("-e", f"{key}={value}"))]


def memory_used(container: str) -> int:
    """Bytes the container uses now (its cgroup, less the page cache), as `docker stats` reports them."""
    usage = sh("docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", container).stdout.split("/")[0].strip()
    units = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "kB": 1e3, "MB": 1e6, "GB": 1e9}
    number = usage.rstrip("KMGiBk")
    return int(float(number) * units[usage[len(number) :]])


def render(workdir: Path, framework: str, python: str = "3.13", variant: str = "slim", **answers) -> Path:
    """A project named `bench` with its uv.lock (the post-generation hook writes it: uv and an index needed)."""
    os.environ["SERVICE_TEMPLATE_LOCK"] = "1"
    context = {"project_name": "bench", "framework": framework, "python_version": python, "base_image_variant": variant}
    project = Path(
        cookiecutter(str(ROOT), no_input=True, output_dir=str(workdir), extra_context={**context, **answers})
    )
    if not (project / "uv.lock").is_file():
        sys.exit("the render has no uv.lock: run where uv and a package index are at hand (see the hook's hint)")
    return project


def write_peers(project: Path, dockerfiles: dict[str, str]) -> None:
    """The comparison images' files: requirements.txt (pyproject's pins) and each Dockerfile, let into the context."""
    deps = tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    (project / "requirements.txt").write_text("\n".join(deps) + "\n")
    for name, text in dockerfiles.items():
        (project / name).write_text(text)
    ignore = project / ".dockerignore"
    ignore.write_text(ignore.read_text() + "!requirements.txt\n!Dockerfile.*\n")


# ---- slim against alpine (--variants) ----

VARIANTS_START, VARIANTS_END = "<!-- variants:start -->", "<!-- variants:end -->"


def with_fresh_cache_mounts(dockerfile: str) -> str:
    """The Dockerfile with every cache mount given a new id: empty caches, without pruning anyone else's."""
    return dockerfile.replace("--mount=type=cache,", f"--mount=type=cache,id=bench-{uuid.uuid4().hex},")


def idle_memory(tag: str, port: int) -> int:
    """Bytes the healthy container uses (cgroup, as `docker stats` reports) 5 s after turning healthy."""
    name = f"bench-mem-{port}"
    sh("docker", "rm", "-f", name, check=False)
    sh("docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8000", *production_flags(), tag)
    deadline = time.perf_counter() + 120
    while sh("docker", "inspect", "--format", "{{.State.Health.Status}}", name).stdout.strip() != "healthy":
        if time.perf_counter() > deadline:
            sys.exit(f"{tag} did not turn healthy")
        time.sleep(0.1)
    time.sleep(5)
    used = memory_used(name)
    sh("docker", "rm", "-f", name)
    return used


def replace_section(text: str, section: str) -> str:
    """text with its variants section replaced by section (appended when it has none)."""
    if VARIANTS_START in text and VARIANTS_END in text:
        before, rest = text.split(VARIANTS_START, 1)
        return before + section + rest.split(VARIANTS_END, 1)[1]
    return text.rstrip("\n") + "\n\n" + section + "\n"


def compare_variants(args: argparse.Namespace) -> int:
    """The template's Dockerfile on slim and on alpine: size, bytes added, builds, run to healthy, idle memory."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-variants-"))
    results: dict[str, dict] = {}
    for i, variant in enumerate(("slim", "alpine")):
        project = render(workdir / variant, args.framework, args.python, variant)
        dockerfile = (project / "Dockerfile").read_text()
        base = next(line.split()[1] for line in dockerfile.splitlines() if line.endswith(" AS base"))
        code_file = project / "bench" / {"fastapi": "main.py", "flask": "app.py", "django": "views.py"}[args.framework]
        original, tag = code_file.read_text(), f"bench-variant-{variant}"
        colds, code_rebuilds = [], []
        for n in range(REPEATS):
            (project / "Dockerfile").write_text(with_fresh_cache_mounts(dockerfile))
            code_file.write_text(original)
            colds.append(timed_build(project, tag, "Dockerfile", "--no-cache")[0])
            code_file.write_text(original + f"\n# change {RUN} {n}\n")
            code_rebuilds.append(timed_build(project, tag, "Dockerfile")[0])
        size, base_size = image_size(tag), image_size(base)
        runs = [run_to_healthy(tag, 18100 + 10 * i + n) for n in range(REPEATS)]
        results[variant] = {
            "base": base,
            "size": size,
            "base_size": base_size,
            "added": size - base_size,
            "cold": statistics.median(colds),
            "code": statistics.median(code_rebuilds),
            "healthy": statistics.median(r[0] for r in runs),
            "stop": statistics.median(r[1] for r in runs),
            "memory": statistics.median(idle_memory(tag, 18200 + 10 * i + n) for n in range(REPEATS)),
        }
        print(variant, results[variant], flush=True)
        sh("docker", "image", "rm", "-f", tag, check=False)
    shutil.rmtree(workdir)

    slim, alpine = results["slim"], results["alpine"]
    engine = sh("docker", "version", "--format", "{{.Server.Version}}").stdout.strip()
    real = {v: sh("docker", "run", "--rm", "--entrypoint", "python", r["base"], "-V").stdout.split()[-1]
            for v, r in results.items()}  # fmt: skip
    row = lambda name, f: f"| {name} | {f(slim)} | {f(alpine)} |"  # noqa: E731
    ratio = lambda key: f"{alpine[key] / slim[key]:.2f} x"  # noqa: E731
    section = "\n".join([
        VARIANTS_START,
        "## slim or alpine",
        "",
        f"Produced by `python benchmarks/benchmark.py --variants` (framework {args.framework}, Python {args.python}): "
        f"the template's own Dockerfile on both bases, median of {REPEATS} runs each, in one run on the same machine "
        f"(Docker Engine {engine}, {platform.machine()}, {shutil.os.cpu_count()} CPUs). Cold builds use no layer cache "
        "and empty cache mounts; the base images are local. Where no registry is reachable the bases are the "
        "stand-ins of `.ci/docker-engine.sh` (Python " + real["slim"] + " on slim, " + real["alpine"] + " compiled "
        "for musl on an Alpine 3.23 root filesystem on alpine), so their own sizes differ from the official images'.",
        "",
        f"| | slim (`{slim['base']}`) | alpine (`{alpine['base']}`) |",
        "| --- | --- | --- |",
        row("image size", lambda r: mb(r["size"])),
        row("base image", lambda r: mb(r["base_size"])),
        row("bytes added above the base", lambda r: mb(r["added"])),
        row("cold build", lambda r: f"{r['cold']:.1f} s"),
        row("rebuild after a one-file code change", lambda r: f"{r['code']:.2f} s"),
        row("`docker run` to healthy (1 CPU, 512 MB)", lambda r: f"{r['healthy']:.2f} s"),
        row("`docker stop`", lambda r: f"{r['stop']:.2f} s"),
        row("idle memory, 5 s after healthy (1 CPU, 512 MB)", lambda r: mb(r["memory"])),
        "",
        f"Which to pick: alpine saves {mb(slim['size'] - alpine['size'])} per image "
        f"({100 * (slim['size'] - alpine['size']) / slim['size']:.0f}%), all of it in the base, which every "
        "service on the same base shares on a host or a registry; the service's own layers are about the same size. "
        "Keep slim, the default, unless image size matters more than these costs of musl: a dependency without "
        "a musllinux wheel compiles from source (a compiler in the builder, minutes per build), a package "
        "that ships only manylinux (glibc) binaries does not install at all, and musl's allocator and DNS "
        "resolver behave differently "
        "under load. Measured here, with every dependency shipping a musllinux wheel: alpine's cold build "
        f"takes {ratio('cold')} slim's, its run to healthy {ratio('healthy')}, its idle memory {ratio('memory')}.",
        VARIANTS_END,
    ])  # fmt: skip
    text = args.output.read_text() if args.output.exists() else "# Benchmarks\n"
    args.output.write_text(replace_section(text, section))
    print(section)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", default="fastapi", choices=["fastapi", "flask", "django"])
    parser.add_argument("--python", default="3.13")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--variants", action="store_true", help="compare the slim and alpine bases instead")
    args = parser.parse_args()
    if args.variants:
        return compare_variants(args)

    base = f"python:{PINS['python'][args.python]}-slim-{PINS['debian']}"
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    project = render(workdir, args.framework, args.python)
    slug = "bench"
    dockerfile = (project / "Dockerfile").read_text()
    cmd = dockerfile.strip().splitlines()[-1].removeprefix("CMD ")
    write_peers(project, {
        "Dockerfile.naive": NAIVE.format(base=base, cmd=cmd),
        "Dockerfile.init": DOCKER_INIT.format(base=base, python=args.python, cmd=INIT_CMD[args.framework]),
    })  # fmt: skip
    dep_step = dockerfile[dockerfile.index("COPY pyproject.toml uv.lock ./") :]
    dep_step = dep_step[: dep_step.index("\n\n")] + "\n"
    pip_dockerfile = dockerfile.replace(dep_step, "COPY requirements.txt ./\n" + PIP_STEP, 1)
    (project / "Dockerfile.pip").write_text(pip_dockerfile)

    variants = {"template": "Dockerfile", "naive": "Dockerfile.naive", "init": "Dockerfile.init"}
    results: dict[str, dict] = {}
    base_size = image_size(base)
    code_file = project / slug / {"fastapi": "main.py", "flask": "app.py", "django": "views.py"}[args.framework]
    original = code_file.read_text()
    dependency_files = ("pyproject.toml", "uv.lock", "requirements.txt")
    originals = {name: (project / name).read_text() for name in dependency_files}
    # One more dependency, as each variant declares it: pyproject.toml and uv.lock, or requirements.txt.
    added = dict(originals)
    added["pyproject.toml"] = originals["pyproject.toml"].replace(
        "dependencies = [\n", f'dependencies = [\n    "{NEW_DEPENDENCY}",\n', 1
    )
    added["pyproject.toml"] += f"# {RUN}\n"
    added["requirements.txt"] = originals["requirements.txt"] + NEW_DEPENDENCY + f"\n# {RUN}\n"
    (project / "pyproject.toml").write_text(added["pyproject.toml"])
    sh("uv", "lock", cwd=project)
    added["uv.lock"] = (project / "uv.lock").read_text()
    assert NEW_DEPENDENCY.split("==")[0] in added["uv.lock"], "uv lock did not add the dependency"
    for name, text in originals.items():
        (project / name).write_text(text)
    for label, file in variants.items():
        colds, code_rebuilds, noop_rebuilds, dep_rebuilds = [], [], [], []
        for i in range(REPEATS):
            code_file.write_text(original)
            seconds, log = cold_build(project, f"bench-{label}", file)
            colds.append(seconds)
            code_file.write_text(original + f"\n# change {RUN} {i}\n")
            code_rebuilds.append(timed_build(project, f"bench-{label}", file)[0])
            noop_rebuilds.append(timed_build(project, f"bench-{label}", file)[0])
            for name, text in added.items():
                (project / name).write_text(text)
            dep_rebuilds.append(timed_build(project, f"bench-{label}", file)[0])
            for name, text in originals.items():
                (project / name).write_text(text)
        size = image_size(f"bench-{label}")
        results[label] = {
            "size": size,
            "added": size - base_size,
            "cold": statistics.median(colds),
            "code": statistics.median(code_rebuilds),
            "noop": statistics.median(noop_rebuilds),
            "dependency": statistics.median(dep_rebuilds),
        }
        # The image as measured below: the project as rendered, not the one with the extra dependency.
        if label == "template":
            timed_build(project, f"bench-{label}", file)
        print(label, results[label], flush=True)
    code_file.write_text(original)

    # uv vs pip: the same dependency step, cold caches, in the template's own builder stage.
    dep_times: dict[str, list[float]] = {"uv": [], "pip": []}
    for _ in range(REPEATS):
        for tool, file in (("uv", "Dockerfile"), ("pip", "Dockerfile.pip")):
            _, log = cold_build(project, f"bench-dep-{tool}", file, "--target", "builder")
            needle = "uv sync --locked --no-dev" if tool == "uv" else "pip install -r requirements.txt"
            dep_times[tool].append(step_seconds(log, needle))
    uv_step, pip_step = (statistics.median(dep_times[t]) for t in ("uv", "pip"))

    runs = [run_to_healthy("bench-template", 18000 + i) for i in range(REPEATS)]
    healthy = statistics.median(r[0] for r in runs)
    stop = statistics.median(r[1] for r in runs)
    venv = du("bench-template", "/opt/venv")
    app = du("bench-template", f"/app/{slug}")

    t, n, d = results["template"], results["naive"], results["init"]
    checks = [
        ("cold build no slower than `docker init`-style", t["cold"] <= d["cold"],
         f"{t['cold']:.1f} s vs {d['cold']:.1f} s"),
        ("added bytes <= 1.05 x (venv + app)", t["added"] <= 1.05 * (venv + app),
         f"{mb(t['added'])} vs {mb(1.05 * (venv + app))}"),
        ("added bytes <= 0.2 x naive added bytes", t["added"] <= 0.2 * n["added"],
         f"{mb(t['added'])} vs {mb(0.2 * n['added'])}"),
        ("code-only rebuild < 2 s", t["code"] < 2, f"{t['code']:.2f} s"),
        ("code-only rebuild < 10% of cold build", t["code"] < 0.1 * t["cold"],
         f"{100 * t['code'] / t['cold']:.1f}%"),
        ("docker run to healthy < 5 s", healthy < 5, f"{healthy:.2f} s"),
        ("docker stop < 3 s", stop < 3, f"{stop:.2f} s"),
    ]  # fmt: skip

    engine = sh("docker", "version", "--format", "{{.Server.Version}}").stdout.strip()
    lines = [
        "# Benchmarks",
        "",
        "Produced by `python benchmarks/benchmark.py` "
        f"(framework {args.framework}, Python {args.python}, base `{base}`), "
        f"median of {REPEATS} runs each, all images built in one run on the same machine:",
        f"Docker Engine {engine}, {platform.machine()}, {shutil.os.cpu_count()} CPUs. "
        "Cold builds use no layer cache (`--no-cache`) and empty cache mounts (a fresh id each); "
        "the base images are local.",
        "Where no registry is reachable the base is a local stand-in built by `.ci/docker-engine.sh` "
        "from Debian packages, so absolute sizes differ from the official image; the columns share it.",
        "",
        "| | template (multi-stage, uv) | naive single stage | `docker init`-style |",
        "| --- | --- | --- | --- |",
        "| image size | " + " | ".join(mb(results[k]["size"]) for k in variants) + " |",
        f"| bytes added above the base ({mb(base_size)}) | "
        + " | ".join(mb(results[k]["added"]) for k in variants)
        + " |",
        "| cold build | " + " | ".join(f"{results[k]['cold']:.1f} s" for k in variants) + " |",
        "| rebuild after a one-file code change | "
        + " | ".join(f"{results[k]['code']:.2f} s" for k in variants)
        + " |",
        "| rebuild after adding one dependency | "
        + " | ".join(f"{results[k]['dependency']:.1f} s" for k in variants)
        + " |",
        "| no-change rebuild | " + " | ".join(f"{results[k]['noop']:.2f} s" for k in variants) + " |",
        "",
        f"Runtime venv: {mb(venv)}; application code: {mb(app)}; together {mb(venv + app)}.",
        "",
        "Reading the table: with dependencies that all ship wheels, a `docker init`-style single stage",
        "is about as small as the template's image, because a slim base has no compiler to leave behind.",
        "The template's builder installs no compiler either (uv is copied from its pinned image, and",
        "`BUILD_PACKAGES` is empty), so its cold build is the dependency step plus a few cheap layers,",
        "while keeping what the numbers do not show: a locked install (`uv sync --locked`), a runtime",
        "with no pip or uv, read-only as uid 10001 with a HEALTHCHECK. The added dependency is",
        f"`{NEW_DEPENDENCY}` (pyproject.toml and uv.lock for the template, requirements.txt for the others).",
        "",
        "| dependency step, cold caches (same builder stage) | seconds |",
        "| --- | --- |",
        f"| uv (`uv sync`) | {uv_step:.1f} |",
        f"| pip (`python -m venv` + `pip install`) | {pip_step:.1f} |",
        "",
        f"Template image at compose.prod.yaml's limits for web (1 CPU, 512 MB): `docker run` to healthy "
        f"{healthy:.2f} s, `docker stop` {stop:.2f} s.",
        "",
        "| target | met | measured |",
        "| --- | --- | --- |",
        *(f"| {name} | {'yes' if ok else '**no**'} | {value} |" for name, ok, value in checks),
        "",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # benchmarks/load.py, startup.py and --variants keep their own sections below this one: leave them.
    previous = args.output.read_text() if args.output.exists() else ""
    marks = (LOAD_SECTION, VARIANTS_START, STARTUP_START)
    starts = [previous.index(mark) for mark in marks if mark in previous]
    kept = previous[min(starts) :] if starts else ""
    args.output.write_text("\n".join(lines) + ("\n" + kept if kept else ""))
    print("\n".join(lines))
    for label in [*variants, "dep-uv", "dep-pip"]:
        sh("docker", "image", "rm", "-f", f"bench-{label}", check=False)
    shutil.rmtree(workdir)
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
