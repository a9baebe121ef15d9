"""The TLS edge in front of web (compose.prod.yaml's `edge`, the Caddyfile) and what the app
servers promise it: keep-alive, trusted proxies, JSON logs, a cheap /ready."""

from __future__ import annotations

import ast
import re

from ..combos import COOKIECUTTER_JSON
from .compose import check_each, unless
from .project import Project, seconds
from .registry import FASTAPI, GUNICORN, promise

EDGE_PORTS = [(80, "tcp"), (443, "tcp"), (443, "udp")]
CADDYFILE_MOUNT = "/etc/caddy/Caddyfile"


def edge(project: Project) -> dict:
    services = project.prod["services"]
    assert "edge" in services, f"compose.prod.yaml has no edge: {sorted(services)}"
    return services["edge"]


# Seconds the edge holds a request while web cannot be reached: web restarts in 1-3 s.
HOLD_WHILE_WEB_STARTS = 5


def caddy_duration(project: Project, directive: str) -> float | None:
    """The duration of `directive <duration>` in the Caddyfile, comments aside; None when absent."""
    lines = [line.split("#", 1)[0].strip() for line in project.text("Caddyfile").splitlines()]
    found = [line.split()[1] for line in lines if line.split()[:1] == [directive] and len(line.split()) == 2]
    assert len(found) <= 1, f"Caddyfile sets {directive} {len(found)} times"
    return seconds(found[0]) if found else None


def app_keepalive(project: Project) -> float | None:
    """How long the app server keeps an idle connection: uvicorn's flag, or gunicorn's setting."""
    if project.combo.framework == "fastapi":
        command = project.dockerfile.final.last("CMD").exec_form or []
        flag = "--timeout-keep-alive"
        return float(command[command.index(flag) + 1]) if flag in command else 5.0  # uvicorn's default
    value = project.literals("gunicorn_conf").get("keepalive", 2)  # gunicorn's default
    return float(value) if isinstance(value, int | float) else None


@promise()
def only_the_edge_is_published(project: Project):
    """In production only the edge publishes ports: 80 and 443 (TCP, and UDP for HTTP/3); web none."""
    published = {name: s["ports"] for name, s in project.prod["services"].items() if s.get("ports")}
    assert set(published) == {"edge"}, f"services publishing ports: {sorted(published)}"
    ports = sorted((p["target"], p.get("protocol", "tcp")) for p in published["edge"])
    assert ports == sorted(EDGE_PORTS), f"the edge publishes {ports}"


@promise()
def edge_is_hardened(project: Project):
    """The edge runs read-only, drops every capability but NET_BIND_SERVICE, reads its Caddyfile read-only."""
    service = edge(project)
    assert service.get("read_only") is True and "/tmp" in service.get("tmpfs", []), "writable root or no /tmp"
    assert service.get("cap_drop") == ["ALL"], f"cap_drop {service.get('cap_drop')}"
    assert service.get("cap_add") == ["NET_BIND_SERVICE"], f"cap_add {service.get('cap_add')}"
    mounts = {v["target"]: v for v in service.get("volumes", [])}
    caddyfile = mounts.get(CADDYFILE_MOUNT, {})
    assert caddyfile.get("read_only") is True, f"the Caddyfile is not mounted read-only: {caddyfile}"
    for state in ("/data", "/config"):
        assert mounts.get(state, {}).get("type") == "volume", f"{state} is not a named volume: {mounts.get(state)}"


@promise()
def edge_runs_the_pinned_caddy_and_holds_requests_while_web_starts(project: Project):
    """The pinned Caddy starts with web and holds requests (no 502) while web (re)starts; it checks its own site."""
    service = edge(project)
    pinned = COOKIECUTTER_JSON["_pins"]["caddy_image"]
    assert service.get("image") == pinned, f"image {service.get('image')}, pinned {pinned}"
    condition = service.get("depends_on", {}).get("web", {}).get("condition")
    assert condition == "service_started", f"the edge starts after web is {condition}, not with it"
    hold, every = caddy_duration(project, "lb_try_duration"), caddy_duration(project, "lb_try_interval")
    assert hold and hold >= HOLD_WHILE_WEB_STARTS, f"the edge holds a request {hold}s while web is down: 502s"
    assert every and every <= 0.5, f"the edge tries web again every {every}s"
    test = service.get("healthcheck", {}).get("test", [])
    url = next((word for word in test if word.startswith("http://127.0.0.1:")), "")
    assert url, f"the edge's health check asks no loopback URL: {test}"
    assert url.rsplit("/", 1)[0] in project.text("Caddyfile"), f"the Caddyfile serves no site for {url}"


@promise()
def edge_buffers_slow_clients(project: Project):
    """The edge closes a client that takes over 30 s for its headers or body: slow clients never reach web."""
    for directive in ("read_header", "read_body"):
        limit = caddy_duration(project, directive)
        assert limit and limit <= 30, f"Caddyfile {directive}: {limit}"


@promise()
def app_keepalive_outlives_the_edge(project: Project):
    """The app server keeps idle connections longer than the edge's upstream keep-alive: no 502 on reuse."""
    edge_idle = caddy_duration(project, "keepalive")
    app_idle = app_keepalive(project)
    assert edge_idle, "the Caddyfile sets no upstream keepalive (Caddy's default is 2 minutes)"
    assert app_idle and app_idle > edge_idle, f"app keep-alive {app_idle}s <= the edge's {edge_idle}s"


def prod_app_variable_is(project: Project, variable: str, expected: str) -> None:
    """Every production app service has variable=expected, as deployed and by the file's own defaults."""
    for config in (project.prod, project.prod_defaults):
        check_each(
            {name: s for name, s in config["services"].items() if "build" in s},
            lambda _, s: unless(
                s.get("environment", {}).get(variable) == expected,
                f"{variable}={s.get('environment', {}).get(variable)!r}",
            ),
        )


@promise()
def app_trusts_forwarded_headers_from_the_edge_only(project: Project):
    """Production app services believe X-Forwarded-* from the edge only: TRUSTED_PROXIES is `edge`."""
    prod_app_variable_is(project, "TRUSTED_PROXIES", "edge")


@promise()
def prod_logs_are_json(project: Project):
    """Production app services log one JSON object per line (LOG_FORMAT=json)."""
    prod_app_variable_is(project, "LOG_FORMAT", "json")


@promise(applies=FASTAPI)
def uvicorn_logs_through_the_app_formatter(project: Project):
    """uvicorn starts with the service's log config: its own lines and access lines in LOG_FORMAT."""
    command = project.dockerfile.final.last("CMD").exec_form or []
    assert "--log-config" in command, f"uvicorn runs without --log-config: {command}"
    path = command[command.index("--log-config") + 1]
    assert (project.root / path).is_file(), f"--log-config {path}: no such file in the project"
    assert f"{project.slug}.logs.formatter" in (project.root / path).read_text(), f"{path} does not use logs.py"


@promise(applies=GUNICORN)
def gunicorn_logs_through_the_app_formatter(project: Project):
    """gunicorn's errors and access lines go through logs.py (logconfig_dict): JSON in production."""
    tree = project.module("gunicorn_conf")
    assigned = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["logconfig_dict"]
    ]
    assert assigned, "gunicorn_conf.py sets no logconfig_dict"
    call = assigned[-1]
    assert isinstance(call, ast.Call) and ast.unparse(call.func) == "dict_config", ast.unparse(call)
    loggers = next((k.value for k in call.keywords if k.arg == "loggers"), None)
    names = ast.literal_eval(loggers) if loggers is not None else ()
    assert {"gunicorn.error", "gunicorn.access"} <= set(names), f"loggers {names}"


@promise()
def readiness_is_cached_and_bounded(project: Project):
    """/ready's answer is cached (0 < CACHE_SECONDS <= 5) and all its checks share one deadline."""
    cache = project.literals("checks").get("CACHE_SECONDS")
    assert isinstance(cache, int | float) and 0 < cache <= 5, f"checks.py: CACHE_SECONDS={cache!r}"
    source = ast.unparse(project.module("checks"))
    assert re.search(r"wait\(futures\.values\(\), timeout=settings\.check_timeout\)", source), (
        "checks.py does not wait for all the checks under one deadline"
    )
