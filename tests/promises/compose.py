"""compose.prod.yaml and compose.yaml, as Compose resolves them, per service and per answer."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..tools import required_variables
from .project import Project, seconds
from .registry import CELERY, DATA, FASTAPI, POSTGRES, REDIS, promise

DATA_CAPABILITIES = {
    # Each entrypoint prepares its data directory as root, then drops to its own user.
    "postgres": {"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"},
    "redis": {"CHOWN", "DAC_OVERRIDE", "SETGID", "SETUID"},
}
DATA_VOLUMES = {"postgres": "/var/lib/postgresql/data", "redis": "/data"}
# Each app service checks its own role: python -m <slug>.healthcheck [role].
HEALTHCHECK_ROLES = {"web": [], "worker": ["worker"], "beat": ["beat"]}
WORKER_MIN_GRACE = 30
START_INTERVAL_MAX = 0.5  # seconds between probes while a service starts
START_CPUS = 0.5  # an app service's CPU limit: it imports the app as it starts
SHUTDOWN_MARGIN = 10  # seconds between the soft shutdown's end and the SIGKILL
NO_NEW_PRIVILEGES = {"no-new-privileges:true", "no-new-privileges"}


# One-shot services: they run to completion (restart "no", no health check), then exit 0.
ONE_SHOT = {"migrate"}


def expected_services(project: Project) -> tuple[set[str], set[str]]:
    """(app services, data services) the answers call for (Flower, behind a profile, aside)."""
    combo = project.combo
    app = {"web"} | ({"worker", "beat"} if combo.use_celery else set()) | ({"migrate"} if combo.use_postgres else set())
    data = ({"postgres"} if combo.use_postgres else set()) | ({"redis"} if combo.redis else set())
    return app, data


def app_services(config: dict) -> dict[str, dict]:
    """The services built from this project's Dockerfile."""
    return {name: s for name, s in config["services"].items() if "build" in s}


def long_running(services: dict[str, dict]) -> dict[str, dict]:
    return {name: s for name, s in services.items() if name not in ONE_SHOT}


def data_services(config: dict) -> dict[str, dict]:
    return {name: s for name, s in config["services"].items() if name in DATA_CAPABILITIES}


def unless(ok: object, problem: str) -> str | None:
    """None (no problem) when ok is truthy, else the problem."""
    return None if ok else problem


def check_each(services: dict[str, dict], check: Callable[[str, dict], str | None]) -> None:
    """Run check(name, service) on every service; fail once, naming every service that broke."""
    assert services, "no service to check"
    problems = [f"{name}: {problem}" for name, service in services.items() if (problem := check(name, service))]
    assert not problems, "\n".join(problems)


def healthcheck_problem(service: dict) -> str | None:
    check = service.get("healthcheck")
    if not check or check.get("disable") or not check.get("test") or check["test"][0] not in ("CMD", "CMD-SHELL"):
        return f"no working healthcheck: {check}"
    interval, timeout = seconds(check.get("interval")), seconds(check.get("timeout"))
    return unless(interval and timeout and timeout < interval and check.get("retries", 0) >= 1, f"timing: {check}")


def role_healthcheck(project: Project, config: dict) -> None:
    def check(name: str, service: dict) -> str | None:
        if name not in HEALTHCHECK_ROLES:
            return f"no health check role is known for {name!r} (HEALTHCHECK_ROLES)"
        expected = ["CMD", "python", "-m", f"{project.slug}.healthcheck", *HEALTHCHECK_ROLES[name]]
        if service.get("healthcheck", {}).get("test") != expected:
            return f"healthcheck {service.get('healthcheck', {}).get('test')}, expected {expected}"
        return healthcheck_problem(service)

    check_each(long_running(app_services(config)), check)


# What each app service needs before it starts: web and worker the migrated database (through
# `migrate`, which waits for PostgreSQL) and Redis; beat only its broker; migrate its database.
NEEDS = {"web": {"postgres", "redis"}, "worker": {"postgres", "redis"}, "beat": {"redis"}, "migrate": {"postgres"}}


def depend_on_healthy_data(project: Project, config: dict) -> None:
    _, data = expected_services(project)

    def check(name: str, service: dict) -> str | None:
        depends = service.get("depends_on", {})
        waits = {dep for dep, how in depends.items() if how.get("condition") == "service_healthy"}
        if depends.get("migrate", {}).get("condition") == "service_completed_successfully":
            waits.add("postgres")  # migrate itself waits for a healthy PostgreSQL
        needed = NEEDS[name] & data
        return unless(needed <= waits, f"does not wait for {sorted(needed - waits)}")

    check_each(app_services(config), check)


@promise()
def services_follow_the_answers(project: Project):
    """Both compose files run exactly web, worker and beat (Celery), postgres and redis as answered; prod adds edge."""
    app, data = expected_services(project)
    for name, config, extra in (("compose.prod.yaml", project.prod, {"edge"}), ("compose.yaml", project.dev, set())):
        assert set(config["services"]) == app | data | extra, f"{name}: {sorted(config['services'])}"
        assert set(app_services(config)) == app, f"{name}: built from the Dockerfile: {sorted(app_services(config))}"


# ---- compose.prod.yaml: the app services ----


@promise()
def prod_app_read_only_root(project: Project):
    """Production app services run with a read-only root filesystem and a tmpfs on /tmp."""
    check_each(
        app_services(project.prod),
        lambda _, s: unless(s.get("read_only") is True and "/tmp" in s.get("tmpfs", []), "writable root or no /tmp"),
    )


@promise()
def prod_app_drops_all_capabilities(project: Project):
    """Production app services drop every Linux capability and add none back."""
    check_each(
        app_services(project.prod),
        lambda _, s: unless(s.get("cap_drop") == ["ALL"] and not s.get("cap_add"), f"cap_drop {s.get('cap_drop')}"),
    )


@promise()
def prod_app_environment(project: Project):
    """Production app services run with APP_ENV=production; the server's workers come from WEB_CONCURRENCY."""
    check_each(
        app_services(project.prod),
        lambda _, s: unless(
            s.get("environment", {}).get("APP_ENV") == "production" and "WEB_CONCURRENCY" in s["environment"],
            f"environment {s.get('environment')}",
        ),
    )


@promise()
def probes_poll_fast_while_starting(project: Project):
    """Every health check, dev and production, polls every <= 0.5 s in its start period: none adds a second to start."""
    for label, config in (("compose.prod.yaml", project.prod_with_flower), ("compose.yaml", project.dev)):
        for name, service in config["services"].items():
            check = service.get("healthcheck") or {}
            if check and not check.get("disable"):
                interval = seconds(check.get("start_interval"))
                assert seconds(check.get("start_period")), f"{label} {name}: no start period"
                assert interval and interval <= START_INTERVAL_MAX, f"{label} {name}: start_interval {interval}s"


@promise()
def prod_app_runs_the_runtime_image(project: Project):
    """Production builds the Dockerfile's last stage (no target) and names the image from IMAGE."""
    check_each(
        app_services(project.prod),
        lambda _, s: unless(
            "target" not in s["build"] and s.get("image") == f"{project.slug}:latest",
            f"build {s['build']}, image {s.get('image')}",
        ),
    )


@promise(applies=POSTGRES)
def prod_migrations_run_once_before_web_and_worker(project: Project):
    """A one-shot `migrate` service applies the migrations (never a web process); web and worker wait for it."""
    services = project.prod["services"]
    migrate = services["migrate"]
    expected = (
        ["python", "manage.py", "migrate", "--noinput"]
        if project.combo.framework == "django"
        else ["alembic", "upgrade", "head"]
    )
    assert migrate.get("command") == expected, f"migrate runs {migrate.get('command')}"
    assert migrate.get("restart") == "no", f"migrate restarts ({migrate.get('restart')}): it would run again"
    waiting = {
        name
        for name in ("web", "worker")
        if services.get(name, {}).get("depends_on", {}).get("migrate", {}).get("condition")
        == "service_completed_successfully"
    }
    assert waiting == {"web", "worker"} & set(services), f"only {sorted(waiting)} wait for the migrations"
    assert "migrate" not in " ".join(map(str, services["web"].get("command") or [])), "web migrates at start"


@promise()
def prod_app_healthchecks_are_role_specific(project: Project):
    """Production web, worker and beat check their own role: `healthcheck`, `healthcheck worker`, `... beat`."""
    role_healthcheck(project, project.prod)


@promise(applies=CELERY)
def prod_worker_stops_gracefully(project: Project):
    """The worker's stop grace (>= 30 s) outlasts its soft shutdown, so a stop re-queues what cannot finish."""
    for config in (project.prod, project.prod_defaults):
        worker = config["services"]["worker"]
        grace = seconds(worker.get("stop_grace_period")) or 10.0
        soft = float(worker["environment"].get("CELERY_SOFT_SHUTDOWN_TIMEOUT") or 0)
        assert grace >= WORKER_MIN_GRACE, f"worker stop_grace_period {grace}s"
        assert 0 < soft <= grace - SHUTDOWN_MARGIN, f"soft shutdown {soft}s against a {grace}s grace"


@promise(applies=CELERY)
def prod_visibility_timeout_outlasts_the_task_time_limit(project: Project):
    """A killed worker's task runs again after the visibility timeout, >= the task time limit + 30 s."""
    for config in (project.prod, project.prod_defaults):
        env = config["services"]["worker"]["environment"]
        limit, visibility = int(env["CELERY_TASK_TIME_LIMIT"]), int(env["CELERY_VISIBILITY_TIMEOUT"])
        assert limit > 0 and limit + 30 <= visibility <= 3600, f"time limit {limit}s, visibility {visibility}s"
        assert all(s["environment"] == env for s in app_services(config).values()), "one policy for every service"


@promise(applies=CELERY)
def prod_broker_outage_marks_worker_and_beat_unhealthy_within_45s(project: Project):
    """A dead broker stops the heartbeats: worker and beat turn unhealthy within 45 s, and never flap."""
    literals = project.literals("healthcheck")
    max_age, every = literals["HEARTBEAT_MAX_AGE"], literals["HEARTBEAT_EVERY"]
    assert max_age >= 2 * every, f"heartbeat every {every}s but stale after {max_age}s: a busy moment flaps"
    for name in ("worker", "beat"):
        check = project.prod["services"][name]["healthcheck"]
        worst = max_age + seconds(check["interval"]) * check["retries"] + seconds(check["timeout"])
        assert worst <= 45, f"{name}: unhealthy only after up to {worst}s"


@promise(applies=CELERY)
def prod_beat_state_on_tmpfs(project: Project):
    """Beat keeps its schedule file on the tmpfs: the root filesystem is read-only."""
    beat = project.prod["services"]["beat"]
    command = beat.get("command") or []
    assert "--schedule" in command, f"beat command {command} names no schedule file"
    schedule = command[command.index("--schedule") + 1]
    assert any(schedule.startswith(mount.split(":")[0] + "/") for mount in beat.get("tmpfs", [])), schedule


# ---- compose.prod.yaml: every service ----


@promise()
def prod_restart_unless_stopped(project: Project):
    """Every long-running production service restarts unless stopped."""
    check_each(
        long_running(project.prod["services"]),
        lambda _, s: unless(s.get("restart") == "unless-stopped", f"restart {s.get('restart')}"),
    )


@promise()
def prod_no_new_privileges(project: Project):
    """Every production service runs with `no-new-privileges`."""
    check_each(
        project.prod["services"],
        lambda _, s: unless(
            NO_NEW_PRIVILEGES & set(s.get("security_opt", [])), f"security_opt {s.get('security_opt')}"
        ),
    )


@promise()
def prod_logs_rotate(project: Project):
    """Every production service logs to json-file with a size cap and a file count (rotation)."""

    def check(_, service: dict) -> str | None:
        logging = service.get("logging", {})
        options = logging.get("options", {})
        ok = logging.get("driver") == "json-file" and options.get("max-size") and options.get("max-file")
        return unless(ok, f"logging {logging}")

    check_each(project.prod["services"], check)


@promise()
def prod_resources_limited(project: Project):
    """Every production service has CPU and memory limits, and reservations within them."""

    def check(_, service: dict) -> str | None:
        resources = service.get("deploy", {}).get("resources", {})
        limits, reservations = resources.get("limits", {}), resources.get("reservations", {})
        for key in ("cpus", "memory"):
            limit, reserved = float(limits.get(key) or 0), float(reservations.get(key) or 0)
            if not 0 < reserved <= limit:
                return f"{key}: reservation {reservations.get(key)}, limit {limits.get(key)}"
        return None

    check_each(long_running(project.prod["services"]), check)


@promise()
def prod_app_services_get_half_a_cpu_to_start(project: Project):
    """Production web, worker, beat and migrate may use half a CPU or more: at a quarter, beat took 5 s to start."""
    check_each(
        app_services(project.prod_defaults),
        lambda _, s: unless(
            float(s.get("deploy", {}).get("resources", {}).get("limits", {}).get("cpus") or 0) >= START_CPUS,
            f"cpus limit {s.get('deploy', {}).get('resources', {}).get('limits', {}).get('cpus')}",
        ),
    )


@promise()
def prod_healthchecks(project: Project):
    """Every long-running production service has a health check with a timeout shorter than its interval."""
    check_each(long_running(project.prod["services"]), lambda _, s: healthcheck_problem(s))


@promise()
def prod_secrets_are_required(project: Project):
    """compose.prod.yaml refuses to start without ALLOWED_HOSTS and each secret, naming each (no default)."""
    required = production_requirements(project.combo)
    proc = project.prod_without_env
    assert proc.returncode != 0, "compose.prod.yaml resolved without its hosts and secrets"
    unnamed = [name for name in required if f"{name} is required (see .env.example)" not in proc.stderr]
    assert not unnamed, f"no message names {unnamed}:\n{proc.stderr}"
    assert required_variables(project.root) == sorted(required), "compose.prod.yaml requires something else"
    text = project.text("compose.prod.yaml")
    defaulted = [name for name in required if f"${{{name}:-" in text or f"${{{name}-" in text]
    assert not defaulted, f"compose.prod.yaml gives a default to {defaulted} somewhere"


def production_requirements(combo) -> list[str]:
    """What production cannot run without: named hosts, and each secret the answers bring."""
    return [
        "ALLOWED_HOSTS",
        *(["SECRET_KEY"] if combo.framework != "fastapi" else []),
        *(["POSTGRES_PASSWORD"] if combo.use_postgres else []),
        *(["REDIS_PASSWORD"] if combo.redis else []),
    ]


# ---- compose.prod.yaml: the data services ----


@promise(applies=DATA)
def prod_app_waits_for_healthy_data(project: Project):
    """Production app services start only once PostgreSQL and Redis are healthy."""
    depend_on_healthy_data(project, project.prod)


@promise(applies=DATA)
def prod_web_and_worker_reach_the_outside(project: Project):
    """Production web and worker also join a network with a route out (mail, webhooks, storage)."""
    networks = project.prod.get("networks", {})
    services = project.prod["services"]

    def check(_, service: dict) -> str | None:
        attached = list(service.get("networks") or {})
        return unless([n for n in attached if not networks.get(n, {}).get("internal")], f"only on {attached}")

    check_each({name: services[name] for name in ("web", "worker") if name in services}, check)


@promise()
def dev_and_prod_are_separate_projects(project: Project):
    """compose.yaml and compose.prod.yaml are different compose projects: their own containers and volumes."""
    names = (project.dev.get("name"), project.prod.get("name"))
    assert names == (f"{project.slug}-dev", f"{project.slug}-prod"), f"project names {names}"


@promise(applies=POSTGRES)
def prod_database_password_travels_alone(project: Project):
    """The app gets POSTGRES_PASSWORD as its own variable, never inside a URL: any character works."""

    def check(_, service: dict) -> str | None:
        env = service.get("environment", {})
        password = str(env.get("POSTGRES_PASSWORD"))
        urls = [name for name, value in env.items() if "://" in str(value) and password in str(value)]
        return unless(env.get("POSTGRES_PASSWORD") and not urls, f"password in {urls or 'no POSTGRES_PASSWORD'}")

    check_each(app_services(project.prod), check)


@promise(applies=FASTAPI)
def prod_api_docs_off(project: Project):
    """FastAPI's interactive docs and OpenAPI schema are off in production (API_DOCS=false), by default too."""
    for config in (project.prod, project.prod_defaults):
        check_each(
            app_services(config),
            lambda _, s: unless(
                s.get("environment", {}).get("API_DOCS") == "false", f"API_DOCS {s.get('environment')}"
            ),
        )


@promise(applies=CELERY)
def prod_flower_opt_in_behind_a_password(project: Project):
    """Flower runs only with its profile, on loopback only, and is handed FLOWER_PASSWORD (required there)."""
    assert "flower" not in project.prod["services"], "Flower runs without its profile"
    flower = project.prod_with_flower["services"]["flower"]
    assert "FLOWER_PASSWORD" in flower.get("environment", {}), "Flower gets no password"
    hosts = {port.get("host_ip") for port in flower.get("ports", [])}
    assert hosts == {"127.0.0.1"}, f"Flower published on {hosts}"


@promise(applies=DATA)
def prod_data_on_internal_network_only(project: Project):
    """Production data services sit only on internal networks (no route out)."""
    networks = project.prod.get("networks", {})

    def check(_, service: dict) -> str | None:
        attached = list(service.get("networks") or {})
        external = [n for n in attached if not networks.get(n, {}).get("internal")]
        return unless(attached and not external, f"networks {attached}, not internal: {external}")

    check_each(data_services(project.prod), check)


@promise(applies=DATA)
def prod_data_capabilities_minimal(project: Project):
    """Production data services drop every capability and add back only what their entrypoint needs."""
    check_each(
        data_services(project.prod),
        lambda name, s: unless(
            s.get("cap_drop") == ["ALL"] and set(s.get("cap_add", [])) == DATA_CAPABILITIES[name],
            f"cap_drop {s.get('cap_drop')}, cap_add {s.get('cap_add')}, expected {sorted(DATA_CAPABILITIES[name])}",
        ),
    )


@promise(applies=DATA)
def prod_data_in_named_volumes(project: Project):
    """Production data lives in named volumes that survive `docker compose down`."""
    volumes = project.prod.get("volumes", {})

    def check(name: str, service: dict) -> str | None:
        mounts = {m["target"]: m for m in service.get("volumes", [])}
        mount = mounts.get(DATA_VOLUMES[name])
        ok = mount and mount["type"] == "volume" and mount["source"] in volumes
        return unless(ok, f"{DATA_VOLUMES[name]} is not a named volume: {service.get('volumes')}")

    check_each(data_services(project.prod), check)


def redis_options(project: Project, config: dict | None = None) -> dict[str, str]:
    """Production Redis's `--option value` pairs."""
    command = (config or project.prod)["services"]["redis"].get("command") or []
    assert command[:1] == ["redis-server"], command
    return dict(zip(command[1::2], command[2::2], strict=True))


@promise(applies=REDIS)
def prod_redis_keeps_messages(project: Project):
    """Production Redis never evicts and writes each message to disk before it acknowledges it."""
    options = redis_options(project)
    found = {key: options.get(key) for key in ("--appendonly", "--appendfsync", "--maxmemory-policy")}
    assert found == {"--appendonly": "yes", "--appendfsync": "always", "--maxmemory-policy": "noeviction"}, found


MEMORY = re.compile(r"(\d+)\s*(b|kb|k|mb|m|gb|g)?", re.IGNORECASE)
MEMORY_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2, "g": 1000**3, "gb": 1024**3}


def redis_bytes(value: str) -> int:
    """Redis's memory notation: 1k = 1000, 1kb = 1024 (redis.conf)."""
    match = MEMORY.fullmatch(str(value).strip())
    assert match, f"not a Redis memory size: {value!r}"
    return int(match[1]) * MEMORY_UNITS[(match[2] or "").lower()]


@promise(applies=REDIS)
def prod_redis_memory_capped_below_its_limit(project: Project):
    """Production Redis caps itself at about 75 % of its container's memory: a backlog refuses writes, no OOM kill."""
    for config in (project.prod, project.prod_defaults):
        limit = int(config["services"]["redis"]["deploy"]["resources"]["limits"]["memory"])
        cap = redis_bytes(redis_options(project, config)["--maxmemory"])
        assert 0.6 * limit <= cap <= 0.85 * limit, f"maxmemory {cap} bytes for a {limit}-byte limit"


@promise(applies=REDIS)
def prod_redis_requires_the_apps_password(project: Project):
    """Production Redis requires a password, the same one the app, Celery and Flower connect with."""
    for config in (project.prod, project.prod_with_flower):
        password = redis_options(project, config).get("--requirepass", "")
        assert len(password) >= 16, f"--requirepass {password!r}"
        assert config["services"]["redis"]["environment"].get("REDISCLI_AUTH") == password, "health check auth"
        wrong = [name for name, s in app_services(config).items() if s["environment"].get("REDIS_PASSWORD") != password]
        assert not wrong, f"{wrong} connect with another REDIS_PASSWORD"


# ---- compose.yaml (development) ----


@promise()
def dev_needs_no_env_file(project: Project):
    """compose.yaml resolves with no .env and no variable set: development needs no setup."""
    assert project.dev["services"], "compose.yaml has no services"


@promise()
def dev_builds_the_dev_stage(project: Project):
    """Development builds the Dockerfile's `dev` stage, with APP_ENV=development."""
    check_each(
        app_services(project.dev),
        lambda _, s: unless(
            s["build"].get("target") == "dev" and s.get("environment", {}).get("APP_ENV") == "development",
            f"build {s['build']}, APP_ENV {s.get('environment', {}).get('APP_ENV')}",
        ),
    )


@promise()
def dev_watches_the_code(project: Project):
    """Development syncs the package into web and rebuilds on pyproject.toml or uv.lock changes."""
    watch = project.dev["services"]["web"].get("develop", {}).get("watch", [])
    rules = {(rule["action"], rule["path"].rsplit("/", 1)[-1], rule.get("target")) for rule in watch}
    expected = {
        ("sync", project.slug, f"/app/{project.slug}"),
        ("rebuild", "pyproject.toml", None),
        ("rebuild", "uv.lock", None),
    }
    assert expected <= rules, f"web's watch rules {sorted(rules, key=str)} miss {sorted(expected - rules, key=str)}"


@promise()
def dev_healthchecks_are_role_specific(project: Project):
    """In development too, web, worker and beat check their own role."""
    role_healthcheck(project, project.dev)


@promise(applies=DATA)
def dev_app_waits_for_healthy_data(project: Project):
    """Development app services start only once PostgreSQL and Redis are healthy (each has a health check)."""
    depend_on_healthy_data(project, project.dev)
    check_each(data_services(project.dev), lambda _, s: healthcheck_problem(s))


@promise(applies=DATA)
def dev_data_ports_on_loopback_only(project: Project):
    """Development publishes PostgreSQL and Redis on 127.0.0.1 only, never on every interface."""
    check_each(
        data_services(project.dev),
        lambda _, s: unless(
            s.get("ports") and all(p.get("host_ip") == "127.0.0.1" for p in s["ports"]), f"ports {s.get('ports')}"
        ),
    )
