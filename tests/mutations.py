"""Single edits to the template, each breaking one promise; every one must be caught.

tests/test_mutations.py applies each edit to a copy of the template, renders the combination(s)
named (default: the first of REPRESENTATIVES its promises apply to), and requires that at least
one of the named promises fails on the mutated render while all of them pass on the real one.
A `docker` entry names a docker test instead; tests/docker/test_mutations.py runs it against the
mutated template and requires it to fail.

`file` is relative to the template's project folder, `{slug}` standing for the package folder
(a leading "/" means the template's root). `find` must occur exactly once in it, or `occurrence`
says which one (1-based): the runner stops when the text is gone, so the list cannot rot.
"""

from __future__ import annotations

from dataclasses import dataclass

from .combos import Combo

PROJECT_DIR = "{{cookiecutter.project_slug}}"

EVERYTHING = {"use_postgres": True, "use_redis": True, "use_celery": True}
FASTAPI = Combo("fastapi", **EVERYTHING)
DJANGO = Combo("django", **EVERYTHING)
FLASK = Combo("flask", **EVERYTHING)
ALPINE = Combo("fastapi", base_image_variant="alpine", **EVERYTHING)
REPRESENTATIVES = (FASTAPI, DJANGO, FLASK)
# The Kubernetes manifests render only with use_kubernetes on: name these in `combos`.
K8S_FASTAPI = Combo("fastapi", use_kubernetes=True, **EVERYTHING)
K8S_DJANGO = Combo("django", use_kubernetes=True, **EVERYTHING)
K8S = (K8S_FASTAPI,)
K8S_BASE = "deploy/kubernetes/base/"


@dataclass(frozen=True)
class Mutation:
    id: str
    file: str
    find: str
    replace: str
    breaks: str  # one line: what a user would lose
    caught_by: tuple[str, ...] | str = ()  # promise names (static mutations)
    combos: tuple[Combo, ...] = ()
    occurrence: int | None = None
    docker: str | None = None  # node id of the docker test that must fail

    @property
    def promises(self) -> tuple[str, ...]:
        return (self.caught_by,) if isinstance(self.caught_by, str) else self.caught_by

    @property
    def template_path(self) -> str:
        """The edited file, relative to the template's root."""
        if self.file.startswith("/"):
            return self.file[1:]
        return f"{PROJECT_DIR}/{self.file.replace('{slug}', PROJECT_DIR)}"


def edit(text: str, mutation: Mutation) -> str:
    """The text with the mutation's edit applied; fails loudly when `find` is gone or ambiguous."""
    count = text.count(mutation.find)
    where = f"mutation {mutation.id}: {mutation.template_path}"
    assert count, f"{where} no longer contains {mutation.find!r}: update the entry"
    index = mutation.occurrence or 1
    assert mutation.occurrence or count == 1, f"{where} contains {mutation.find!r} {count} times: set `occurrence`"
    assert index <= count, f"{where}: occurrence {index} of {mutation.find!r}, found {count}"
    start = -1
    for _ in range(index):
        start = text.index(mutation.find, start + 1)
    return text[:start] + mutation.replace + text[start + len(mutation.find) :]


M = Mutation
FASTAPI_RUNTIME_CMD = (
    'CMD ["uvicorn", "{{ slug }}.main:app", "--host", "0.0.0.0", "--port", "{{ port }}", "--no-server-header"]'
)
PROD_LOGGING = '  logging:\n    driver: json-file\n    options:\n      max-size: 10m\n      max-file: "3"\n'

MUTATIONS: list[Mutation] = [
    # ---- Dockerfile ----
    M(
        "runtime-user-removed",
        "Dockerfile",
        "USER 10001:10001\n",
        "",
        occurrence=2,
        breaks="the image runs as root",
        caught_by="dockerfile.runtime_runs_as_numeric_non_root_user",
    ),
    M(
        "runtime-user-by-name",
        "Dockerfile",
        "USER 10001:10001\n",
        "USER app\n",
        occurrence=2,
        breaks="a named user: Kubernetes' runAsNonRoot cannot verify it",
        caught_by="dockerfile.runtime_runs_as_numeric_non_root_user",
    ),
    M(
        "stopsignal-sigkill",
        "Dockerfile",
        "STOPSIGNAL SIGTERM",
        "STOPSIGNAL SIGKILL",
        breaks="docker stop kills in-flight requests and tasks",
        caught_by="dockerfile.runtime_stops_on_sigterm",
    ),
    M(
        "healthcheck-noop",
        "Dockerfile",
        'CMD ["python", "-m", "{{ slug }}.healthcheck"]',
        "CMD true",
        breaks="the image reports healthy whatever the app does",
        caught_by="dockerfile.runtime_healthcheck_runs_the_module",
    ),
    M(
        "healthcheck-timeout-beyond-interval",
        "Dockerfile",
        "--interval=30s --timeout=5s",
        "--interval=30s --timeout=60s",
        breaks="a hung app is noticed only after minutes",
        caught_by="dockerfile.runtime_healthcheck_timing",
    ),
    M(
        "healthcheck-no-start-interval",
        "Dockerfile",
        " --start-interval=1s",
        "",
        breaks="a fresh container waits 30 s before its first check",
        caught_by="dockerfile.runtime_healthcheck_timing",
    ),
    M(
        "cmd-shell-form",
        "Dockerfile",
        FASTAPI_RUNTIME_CMD,
        "CMD uvicorn {{ slug }}.main:app --host 0.0.0.0 --port {{ port }}",
        breaks="a shell is PID 1 and swallows SIGTERM",
        caught_by="dockerfile.runtime_command_is_the_production_server",
    ),
    M(
        "cmd-reloader",
        "Dockerfile",
        '"--no-server-header"]',
        '"--no-server-header", "--reload"]',
        breaks="production runs the development reloader",
        caught_by="dockerfile.runtime_command_is_the_production_server",
    ),
    M(
        "runtime-installs-compiler",
        "Dockerfile",
        "COPY --link --from=builder /opt/venv /opt/venv",
        "RUN apt-get install -y gcc\nCOPY --link --from=builder /opt/venv /opt/venv",
        breaks="a compiler in the runtime image",
        caught_by="dockerfile.runtime_has_no_build_tools",
    ),
    M(
        "runtime-keeps-pip",
        "Dockerfile",
        "RUN rm -rf /usr/local/bin/pip* /usr/local/lib/python*/site-packages/pip* /usr/local/lib/python*/ensurepip \\\n"
        "    && groupadd",
        "RUN groupadd",
        breaks="pip stays in the runtime image",
        caught_by="dockerfile.runtime_has_no_build_tools",
    ),
    M(
        "runtime-copies-uv",
        "Dockerfile",
        "COPY --link --from=builder /opt/venv /opt/venv",
        "COPY --link --from=builder /opt/venv /opt/venv\nCOPY --from=builder /usr/local/bin/uv /usr/local/bin/",
        breaks="uv reaches the runtime image",
        caught_by="dockerfile.runtime_copies_only_the_venv_and_the_code",
    ),
    M(
        "runtime-copies-the-context",
        "Dockerfile",
        "COPY --link {{ slug }}/ ./{{ slug }}/\nUSER",
        "COPY --link . .\nUSER",
        breaks="the whole build context lands in the image",
        caught_by="dockerfile.runtime_copies_only_the_venv_and_the_code",
    ),
    M(
        "copy-everything-before-install",
        "Dockerfile",
        "COPY pyproject.toml uv.lock* ./",
        "COPY . ./",
        breaks="every code change reinstalls every dependency (cache order broken)",
        caught_by="dockerfile.dependencies_install_before_the_code_arrives",
    ),
    M(
        "sync-installs-the-project",
        "Dockerfile",
        "then uv sync --locked --no-dev --no-install-project;",
        "then uv sync --locked --no-dev;",
        breaks="the dependency layer depends on the code",
        caught_by="dockerfile.dependencies_install_before_the_code_arrives",
    ),
    M(
        "builder-ignores-the-lock",
        "Dockerfile",
        "then uv sync --locked --no-dev --no-install-project;",
        "then uv sync --no-dev --no-install-project;",
        breaks="the image installs whatever resolves today, not uv.lock",
        caught_by="dockerfile.builder_installs_exactly_the_lock",
    ),
    M(
        "builder-installs-dev-dependencies",
        "Dockerfile",
        "else uv sync --no-dev --no-install-project; fi",
        "else uv sync --no-install-project; fi",
        breaks="pytest and ruff ship in the runtime venv",
        caught_by="dockerfile.builder_installs_exactly_the_lock",
    ),
    M(
        "oci-authors-label-renamed",
        "Dockerfile",
        "org.opencontainers.image.authors=",
        "org.example.authors=",
        breaks="the image does not say who owns it",
        caught_by="dockerfile.runtime_has_oci_labels",
    ),
    M(
        "runtime-app-env-development",
        "Dockerfile",
        "APP_ENV=production",
        "APP_ENV=development",
        breaks="the image runs with debug output",
        caught_by="dockerfile.runtime_environment_is_production",
    ),
    M(
        "base-image-from-an-arg",
        "Dockerfile",
        "FROM {{ base_image }} AS base",
        "ARG BASE_IMAGE={{ base_image }}\nFROM ${BASE_IMAGE} AS base",
        breaks="Dependabot cannot bump the base image",
        caught_by="dockerfile.base_image_pinned",
    ),
    M(
        "runtime-from-builder",
        "Dockerfile",
        "FROM base AS runtime",
        "FROM builder AS runtime",
        breaks="the runtime image carries the compiler and uv",
        caught_by=("dockerfile.runtime_is_the_default_target", "dockerfile.base_image_pinned"),
    ),
    # ---- .dockerignore ----
    M(
        "dockerignore-allows-everything",
        ".dockerignore",
        "\n*\n",
        "\n",
        breaks=".git, .env and the venv travel into the build",
        caught_by="dockerignore.context_keeps_everything_else_out",
    ),
    M(
        "dockerignore-keeps-bytecode",
        ".dockerignore",
        "**/__pycache__\n**/*.py[cod]",
        "",
        breaks="stale bytecode reaches the image",
        caught_by="dockerignore.context_keeps_everything_else_out",
    ),
    M(
        "dockerignore-drops-the-lock",
        ".dockerignore",
        "!uv.lock\n",
        "",
        breaks="the build cannot install from uv.lock",
        caught_by="dockerignore.context_holds_what_the_build_copies",
    ),
    M(
        "dockerignore-drops-manage-py",
        ".dockerignore",
        "!manage.py\n",
        "",
        combos=(DJANGO,),
        breaks="the Django image has no manage.py",
        caught_by="dockerignore.context_holds_what_the_build_copies",
    ),
    # ---- compose.prod.yaml: app services ----
    M(
        "prod-read-only-removed",
        "compose.prod.yaml",
        "  read_only: true\n",
        "",
        breaks="the app can write to its image",
        caught_by="compose.prod_app_read_only_root",
    ),
    M(
        "prod-tmpfs-removed",
        "compose.prod.yaml",
        "  tmpfs:\n    - /tmp\n",
        "",
        breaks="no writable /tmp: beat and uploads fail",
        caught_by=("compose.prod_app_read_only_root", "compose.prod_beat_state_on_tmpfs"),
    ),
    M(
        "prod-cap-drop-removed",
        "compose.prod.yaml",
        "  cap_drop:\n    - ALL\n  environment:",
        "  environment:",
        breaks="the app keeps Docker's default capabilities",
        caught_by="compose.prod_app_drops_all_capabilities",
    ),
    M(
        "prod-app-env-development",
        "compose.prod.yaml",
        "    APP_ENV: production",
        "    APP_ENV: development",
        breaks="production runs with debug output",
        caught_by="compose.prod_app_environment",
    ),
    M(
        "prod-builds-the-dev-stage",
        "compose.prod.yaml",
        "  build:\n    context: .\n",
        "  build:\n    context: .\n    target: dev\n",
        breaks="production runs the development image",
        caught_by="compose.prod_app_runs_the_runtime_image",
    ),
    M(
        "prod-worker-checks-the-web-role",
        "compose.prod.yaml",
        '"{{ slug }}.healthcheck", "worker"]',
        '"{{ slug }}.healthcheck"]',
        breaks="a stuck worker looks healthy",
        caught_by="compose.prod_app_healthchecks_are_role_specific",
    ),
    M(
        "prod-worker-grace-removed",
        "compose.prod.yaml",
        "    stop_grace_period: 60s\n",
        "",
        breaks="docker stop kills running tasks after 10 s",
        caught_by="compose.prod_worker_stops_gracefully",
    ),
    M(
        "celery-time-limit-beyond-grace",
        "{slug}/celery_app.py",
        "    task_acks_late=True,\n",
        "    task_acks_late=True,\n    task_time_limit=120,\n",
        breaks="a task may run longer than the worker's stop grace",
        caught_by="compose.prod_worker_stops_gracefully",
    ),
    M(
        "prod-beat-schedule-on-the-root",
        "compose.prod.yaml",
        "      - /tmp/celerybeat-schedule",
        "      - /app/celerybeat-schedule",
        breaks="beat cannot write its schedule on the read-only root",
        caught_by="compose.prod_beat_state_on_tmpfs",
    ),
    M(
        "prod-beat-renamed",
        "compose.prod.yaml",
        "\n  beat:\n",
        "\n  scheduler:\n",
        breaks="the services no longer follow the answers",
        caught_by="compose.services_follow_the_answers",
    ),
    # ---- compose.prod.yaml: every service ----
    M(
        "prod-restart-removed",
        "compose.prod.yaml",
        "  restart: unless-stopped\n",
        "",
        breaks="a crashed service stays down",
        caught_by="compose.prod_restart_unless_stopped",
    ),
    M(
        "prod-no-new-privileges-removed",
        "compose.prod.yaml",
        "  security_opt:\n    - no-new-privileges:true\n",
        "",
        breaks="setuid binaries can raise privileges",
        caught_by="compose.prod_no_new_privileges",
    ),
    M(
        "prod-log-rotation-removed",
        "compose.prod.yaml",
        PROD_LOGGING,
        "",
        breaks="logs grow until the disk is full",
        caught_by="compose.prod_logs_rotate",
    ),
    M(
        "prod-web-memory-unlimited",
        "compose.prod.yaml",
        "          memory: ${WEB_MEMORY:-512M}\n",
        "",
        occurrence=1,
        breaks="a leak in web takes the host's memory",
        caught_by="compose.prod_resources_limited",
    ),
    M(
        "prod-redis-check-outlasts-interval",
        "compose.prod.yaml",
        "      timeout: 3s\n      start_period: 10s",
        "      timeout: 30s\n      start_period: 10s",
        breaks="Redis health checks overlap and report late",
        caught_by="compose.prod_healthchecks",
    ),
    M(
        "prod-postgres-published",
        "compose.prod.yaml",
        "      - postgres-data:/var/lib/postgresql/data\n    # No published port",
        '      - postgres-data:/var/lib/postgresql/data\n    ports:\n      - "5432:5432"\n    # No published port',
        breaks="PostgreSQL answers on the host's network",
        caught_by="compose.prod_only_web_is_published",
    ),
    M(
        "prod-secret-key-default",
        "compose.prod.yaml",
        "${SECRET_KEY:?SECRET_KEY is required (see .env.example)}",
        "${SECRET_KEY:-insecure}",
        combos=(DJANGO,),
        breaks="production starts with a guessable secret key",
        caught_by="compose.prod_secrets_are_required",
    ),
    M(
        "prod-postgres-password-default",
        "compose.prod.yaml",
        "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required (see .env.example)}",
        "${POSTGRES_PASSWORD:-app}",
        occurrence=2,
        breaks="production PostgreSQL starts with a known password",
        caught_by="compose.prod_secrets_are_required",
    ),
    # ---- compose.prod.yaml: data services ----
    M(
        "prod-app-starts-before-data",
        "compose.prod.yaml",
        "      condition: service_healthy",
        "      condition: service_started",
        occurrence=1,
        breaks="the app starts while PostgreSQL still refuses connections",
        caught_by="compose.prod_app_waits_for_healthy_data",
    ),
    M(
        "prod-backend-not-internal",
        "compose.prod.yaml",
        "  backend:\n    internal: true",
        "  backend:",
        breaks="the data services get a route out",
        caught_by="compose.prod_data_on_internal_network_only",
    ),
    M(
        "prod-postgres-gains-sys-admin",
        "compose.prod.yaml",
        "      - FOWNER\n",
        "      - FOWNER\n      - SYS_ADMIN\n",
        breaks="PostgreSQL may mount filesystems and more",
        caught_by="compose.prod_data_capabilities_minimal",
    ),
    M(
        "prod-postgres-bind-mount",
        "compose.prod.yaml",
        "      - postgres-data:/var/lib/postgresql/data",
        "      - ./data:/var/lib/postgresql/data",
        breaks="the database lives in a folder of the checkout",
        caught_by="compose.prod_data_in_named_volumes",
    ),
    M(
        "prod-redis-evicts",
        "compose.prod.yaml",
        '"--maxmemory-policy", "noeviction"',
        '"--maxmemory-policy", "allkeys-lru"',
        breaks="Redis drops queued tasks when memory runs short",
        caught_by="compose.prod_redis_keeps_messages",
    ),
    # ---- compose.yaml (development) ----
    M(
        "dev-needs-a-variable",
        "compose.yaml",
        "${LOG_LEVEL:-DEBUG}",
        "${LOG_LEVEL:?set LOG_LEVEL}",
        breaks="development needs a .env before the first run",
        caught_by="compose.dev_needs_no_env_file",
    ),
    M(
        "dev-builds-the-runtime",
        "compose.yaml",
        "    target: dev\n",
        "",
        breaks="development runs without the reloader and dev dependencies",
        caught_by="compose.dev_builds_the_dev_stage",
    ),
    M(
        "dev-ignores-the-lock",
        "compose.yaml",
        "        - action: rebuild\n          path: uv.lock\n",
        "",
        breaks="a changed uv.lock does not rebuild the dev image",
        caught_by="compose.dev_watches_the_code",
    ),
    M(
        "dev-beat-checks-the-web-role",
        "compose.yaml",
        '"{{ slug }}.healthcheck", "beat"]',
        '"{{ slug }}.healthcheck"]',
        breaks="a stopped scheduler looks healthy",
        caught_by="compose.dev_healthchecks_are_role_specific",
    ),
    M(
        "dev-app-starts-before-data",
        "compose.yaml",
        "      condition: service_healthy",
        "      condition: service_started",
        occurrence=2,
        breaks="the app starts while Redis still loads",
        caught_by="compose.dev_app_waits_for_healthy_data",
    ),
    M(
        "dev-postgres-on-every-interface",
        "compose.yaml",
        '"127.0.0.1:${POSTGRES_PORT:-5432}:5432"',
        '"${POSTGRES_PORT:-5432}:5432"',
        breaks="the development database answers the whole network",
        caught_by="compose.dev_data_ports_on_loopback_only",
    ),
    # ---- Celery ----
    M(
        "celery-acks-early",
        "{slug}/celery_app.py",
        "    task_acks_late=True,\n",
        "",
        breaks="a task is lost when its worker dies",
        caught_by="celery.acks_late",
    ),
    M(
        "celery-keeps-tasks-of-lost-workers",
        "{slug}/celery_app.py",
        "    task_reject_on_worker_lost=True,\n",
        "",
        breaks="a task whose worker was killed is never retried",
        caught_by="celery.requeues_tasks_of_a_lost_worker",
    ),
    M(
        "celery-prefetches-four",
        "{slug}/celery_app.py",
        "worker_prefetch_multiplier=1",
        "worker_prefetch_multiplier=4",
        breaks="a busy worker hoards tasks",
        caught_by="celery.prefetches_one_task",
    ),
    M(
        "celery-accepts-pickle",
        "{slug}/celery_app.py",
        'accept_content=["json"]',
        'accept_content=["json", "pickle"]',
        breaks="a message on the broker can run code",
        caught_by="celery.accepts_json_only",
    ),
    # ---- gunicorn ----
    M(
        "gunicorn-drains-past-the-grace",
        "{slug}/gunicorn_conf.py",
        "graceful_timeout = 8",
        "graceful_timeout = 30",
        breaks="docker stop kills gunicorn mid-request",
        caught_by="server.gunicorn_drains_within_the_stop_grace",
    ),
    M(
        "gunicorn-heartbeat-on-disk",
        "{slug}/gunicorn_conf.py",
        'worker_tmp_dir = "/dev/shm"',
        'worker_tmp_dir = "/var/tmp"',
        breaks="gunicorn writes to the read-only root",
        caught_by="server.gunicorn_writes_nothing_to_the_root_filesystem",
    ),
    # ---- .env.example ----
    M(
        "env-example-drops-a-variable",
        ".env.example",
        "WEB_MEMORY=512M\n",
        "",
        breaks="an operator cannot find WEB_MEMORY",
        caught_by="env.env_example_documents_exactly_what_is_read",
    ),
    # ---- only a running engine can tell ----
    M(
        "docker-app-listens-on-loopback",
        "Dockerfile",
        FASTAPI_RUNTIME_CMD,
        FASTAPI_RUNTIME_CMD.replace("0.0.0.0", "127.0.0.1"),
        breaks="the container is healthy inside, unreachable outside",
        docker="tests/docker/test_image.py::test_container_turns_healthy_through_its_own_healthcheck[fastapi-py3.13-slim-none]",
    ),
    M(
        "docker-worker-consumes-another-queue",
        "compose.prod.yaml",
        '      - "${CELERY_CONCURRENCY:-2}"\n',
        '      - "${CELERY_CONCURRENCY:-2}"\n      - --queues\n      - elsewhere\n',
        breaks="tasks sent by the app are never run",
        docker="tests/docker/test_compose.py::test_celery_worker_runs_a_task_sent_from_the_app"
        "[compose.prod.yaml-fastapi-py3.11-slim-pg-redis-celery]",
    ),
    # ---- the production path: migrations, secrets, hosts, networks, Flower ----
    M(
        "prod-migrate-restarts",
        "compose.prod.yaml",
        '    restart: "no"\n',
        "",
        breaks="the migration service restarts forever after applying the migrations",
        caught_by="compose.prod_migrations_run_once_before_web_and_worker",
    ),
    M(
        "prod-web-skips-the-migrations",
        "compose.prod.yaml",
        "      migrate:\n        condition: service_completed_successfully\n",
        "",
        occurrence=1,
        breaks="web serves before the schema exists",
        caught_by=("compose.prod_migrations_run_once_before_web_and_worker", "compose.prod_app_waits_for_healthy_data"),
    ),
    M(
        "prod-worker-internal-only",
        "compose.prod.yaml",
        "    # Tasks reach the outside (mail, webhooks, storage) through public.\n    networks:\n      - public\n",
        "    networks:\n",
        breaks="a task cannot reach mail, webhooks or storage in production",
        caught_by="compose.prod_web_and_worker_reach_the_outside",
    ),
    M(
        "prod-shares-the-dev-project",
        "compose.prod.yaml",
        "name: {{ slug }}-prod",
        "name: {{ slug }}-dev",
        breaks="production reuses the development volumes and removes its containers",
        caught_by="compose.dev_and_prod_are_separate_projects",
    ),
    M(
        "prod-database-url",
        "compose.prod.yaml",
        "    POSTGRES_HOST: postgres\n",
        "    POSTGRES_HOST: postgres\n    DATABASE_URL: postgresql://app:${POSTGRES_PASSWORD}@postgres/app\n",
        occurrence=1,
        breaks="a password with / @ : % # breaks the database URL",
        caught_by="compose.prod_database_password_travels_alone",
    ),
    M(
        "prod-api-docs-on",
        "compose.prod.yaml",
        "API_DOCS: ${API_DOCS:-false}",
        "API_DOCS: ${API_DOCS:-true}",
        breaks="production serves /docs and the OpenAPI schema",
        caught_by="compose.prod_api_docs_off",
    ),
    M(
        "prod-flower-always-on",
        "compose.prod.yaml",
        "    profiles: [flower]\n",
        "",
        breaks="Flower runs in every deployment",
        caught_by="compose.prod_flower_opt_in_behind_a_password",
    ),
    M(
        "prod-allowed-hosts-default",
        "compose.prod.yaml",
        "${ALLOWED_HOSTS:?ALLOWED_HOSTS is required (see .env.example)}",
        "${ALLOWED_HOSTS:-*}",
        breaks="production answers any Host header",
        caught_by="compose.prod_secrets_are_required",
    ),
    M(
        "env-example-secret-key-value",
        ".env.example",
        "SECRET_KEY=\n",
        "SECRET_KEY=development-only-insecure-key\n",
        combos=(DJANGO,),
        breaks="`cp .env.example .env` deploys a public secret",
        caught_by="env.env_example_holds_no_secret_production_accepts",
    ),
    M(
        "runtime-no-entrypoint",
        "Dockerfile",
        'ENTRYPOINT ["python", "-m", "{{ slug }}.entrypoint"]\n',
        "",
        breaks="the app starts with a development secret or no host list",
        caught_by="dockerfile.runtime_checks_its_configuration_before_any_command",
    ),
    M(
        "gunicorn-control-socket",
        "{slug}/gunicorn_conf.py",
        "control_socket_disable = True",
        "control_socket_disable = False",
        combos=(DJANGO,),
        breaks="gunicorn logs a read-only file system error on every start",
        caught_by="server.gunicorn_has_no_control_socket",
    ),
    M(
        "short-postgres-password",
        "{slug}/config.py",
        '    "POSTGRES_PASSWORD": 16,',
        '    "POSTGRES_PASSWORD": 4,',
        breaks="production accepts a four-character database password",
        caught_by="server.production_refuses_short_secrets",
    ),
    # ---- Kubernetes manifests ----
    M(
        "k8s-web-may-run-as-root",
        K8S_BASE + "web.yaml",
        "        runAsNonRoot: true\n",
        "",
        combos=K8S,
        breaks="a web image that sets USER root would start",
        caught_by="k8s.pods_meet_the_restricted_pod_security_standard",
    ),
    M(
        "k8s-web-keeps-capabilities",
        K8S_BASE + "web.yaml",
        'drop: ["ALL"]',
        'drop: ["NET_RAW"]',
        combos=K8S,
        breaks="web keeps the runtime's default capabilities; the restricted namespace refuses the pod",
        caught_by="k8s.pods_meet_the_restricted_pod_security_standard",
    ),
    M(
        "k8s-web-writable-root",
        K8S_BASE + "web.yaml",
        "readOnlyRootFilesystem: true",
        "readOnlyRootFilesystem: false",
        combos=K8S,
        breaks="an attacker's file written into the image survives until the pod goes",
        caught_by="k8s.pods_meet_the_restricted_pod_security_standard",
    ),
    M(
        "k8s-worker-unconfined",
        K8S_BASE + "worker.yaml",
        "type: RuntimeDefault",
        "type: Unconfined",
        combos=K8S,
        breaks="the worker may make any system call",
        caught_by="k8s.pods_meet_the_restricted_pod_security_standard",
    ),
    M(
        "k8s-beat-escalates",
        K8S_BASE + "beat.yaml",
        "allowPrivilegeEscalation: false",
        "allowPrivilegeEscalation: true",
        combos=K8S,
        breaks="a setuid binary in beat's image could gain root",
        caught_by="k8s.pods_meet_the_restricted_pod_security_standard",
    ),
    M(
        "k8s-namespace-baseline",
        K8S_BASE + "namespace.yaml",
        "enforce: restricted",
        "enforce: baseline",
        combos=K8S,
        breaks="a pod asking for root is admitted",
        caught_by="k8s.pods_meet_the_restricted_pod_security_standard",
    ),
    M(
        "k8s-local-postgres-as-root",
        "deploy/kubernetes/overlays/local/postgres.yaml",
        "runAsNonRoot: true",
        "runAsNonRoot: false",
        combos=K8S,
        breaks="the local database may run as root",
        caught_by="k8s.pods_meet_the_restricted_pod_security_standard",
    ),
    M(
        "k8s-web-other-uid",
        K8S_BASE + "web.yaml",
        "runAsUser: 10001",
        "runAsUser: 10002",
        combos=K8S,
        breaks="web runs as a uid that owns nothing in the image",
        caught_by="k8s.app_pods_run_as_the_image_user_with_an_empty_dir_tmp",
    ),
    M(
        "k8s-migrate-no-tmp",
        K8S_BASE + "migrate.yaml",
        "            - name: tmp\n              mountPath: /tmp\n",
        "",
        combos=K8S,
        breaks="the migration fails writing a temporary file on the read-only root",
        caught_by="k8s.app_pods_run_as_the_image_user_with_an_empty_dir_tmp",
    ),
    M(
        "k8s-web-gets-api-token",
        K8S_BASE + "web.yaml",
        "automountServiceAccountToken: false",
        "automountServiceAccountToken: true",
        combos=K8S,
        breaks="a compromised web pod holds a Kubernetes API token",
        caught_by="k8s.pods_get_no_service_account_token",
    ),
    M(
        "k8s-readiness-on-health",
        K8S_BASE + "web.yaml",
        "path: /ready",
        "path: /health",
        combos=K8S,
        breaks="a pod whose database is down still gets traffic",
        caught_by="k8s.web_probes_follow_the_health_contract",
    ),
    M(
        "k8s-liveness-wrong-path",
        K8S_BASE + "web.yaml",
        "path: /health",
        "path: /healthz",
        occurrence=2,
        combos=K8S,
        breaks="the liveness probe gets 404 and restarts every web pod",
        caught_by="k8s.web_probes_follow_the_health_contract",
    ),
    M(
        "k8s-web-memory-drift",
        K8S_BASE + "web.yaml",
        "memory: 512Mi",
        "memory: 1Gi",
        combos=K8S,
        breaks="the cluster gives web twice the memory compose.prod.yaml tested it with",
        caught_by="k8s.resources_match_compose_prod",
    ),
    M(
        "k8s-no-prestop-pause",
        K8S_BASE + "web.yaml",
        "seconds: 5",
        "seconds: 0",
        combos=K8S,
        breaks="requests still routed to a stopping pod fail during a rollout",
        caught_by="k8s.web_drains_before_it_stops",
    ),
    M(
        "k8s-web-spread-by-zone-only",
        K8S_BASE + "web.yaml",
        "topologyKey: kubernetes.io/hostname",
        "topologyKey: topology.kubernetes.io/zone",
        combos=K8S,
        breaks="both web pods may land on one node, which a node failure takes down",
        caught_by="k8s.web_drains_before_it_stops",
    ),
    M(
        "k8s-no-default-deny",
        K8S_BASE + "network-policies.yaml",
        "    - Ingress\n    - Egress\n---",
        "    - Ingress\n---",
        combos=K8S,
        breaks="every pod may connect anywhere",
        caught_by="k8s.network_is_denied_by_default",
    ),
    M(
        "k8s-web-open-to-all",
        K8S_BASE + "network-policies.yaml",
        "    - from:\n        - namespaceSelector:",
        "    - from:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n        - namespaceSelector:",
        combos=K8S,
        breaks="web is reachable from anywhere, around the ingress",
        caught_by="k8s.network_is_denied_by_default",
    ),
    M(
        "k8s-config-renamed-variable",
        K8S_BASE + "config.env",
        "READINESS_TIMEOUT=2",
        "READY_TIMEOUT=2",
        combos=K8S,
        breaks="the setting is silently ignored: the app reads READINESS_TIMEOUT",
        caught_by="k8s.config_uses_the_env_example_names_and_secrets_are_files",
    ),
    M(
        "k8s-secret-in-environment",
        K8S_BASE + "web.yaml",
        "          envFrom: &config\n            - configMapRef:\n                name: config\n",
        "          envFrom: &config\n            - configMapRef:\n                name: config\n"
        "            - secretRef:\n                name: secrets\n",
        combos=K8S,
        breaks="secrets show in the environment of every process and in crash reports",
        caught_by="k8s.config_uses_the_env_example_names_and_secrets_are_files",
    ),
    M(
        "k8s-worker-renamed",
        K8S_BASE + "worker.yaml",
        "  name: worker\n  labels:",
        "  name: celery-worker\n  labels:",
        combos=K8S,
        breaks="the worker's name differs from compose's, so docs and dashboards disagree",
        caught_by="k8s.names_and_images_follow_compose_prod",
    ),
    M(
        "k8s-ingress-tls-host-not-set",
        "deploy/kubernetes/overlays/production/kustomization.yaml",
        "          - spec.tls.0.hosts.0\n",
        "",
        combos=K8S,
        breaks="the certificate is requested for a placeholder host",
        caught_by="k8s.ingress_serves_the_first_allowed_host_over_tls",
    ),
    M(
        "k8s-local-without-postgres",
        "deploy/kubernetes/overlays/local/kustomization.yaml",
        "  - postgres.yaml\n",
        "",
        combos=K8S,
        breaks="the local overlay has no database to connect to",
        caught_by="k8s.production_takes_the_data_services_from_outside",
    ),
    M(
        "k8s-web-migrates",
        K8S_BASE + "web.yaml",
        'args: ["alembic", "check"]',
        'args: ["alembic", "upgrade", "head"]',
        combos=K8S,
        breaks="every web replica runs the migrations at once",
        caught_by="k8s.migrations_run_once_per_rollout_in_a_job",
    ),
    M(
        "k8s-beat-rolling-update",
        K8S_BASE + "beat.yaml",
        "    type: Recreate",
        "    type: RollingUpdate",
        combos=K8S,
        breaks="two schedulers overlap during a rollout and send every task twice",
        caught_by="k8s.beat_is_one_pod_replaced_by_recreate",
    ),
    M(
        "k8s-beat-two-replicas",
        K8S_BASE + "beat.yaml",
        "  replicas: 1",
        "  replicas: 2",
        combos=K8S,
        breaks="two schedulers send every task twice",
        caught_by="k8s.beat_is_one_pod_replaced_by_recreate",
    ),
    M(
        "k8s-worker-short-grace",
        K8S_BASE + "worker.yaml",
        "terminationGracePeriodSeconds: 60",
        "terminationGracePeriodSeconds: 30",
        combos=K8S,
        breaks="a rollout kills tasks compose would have let finish",
        caught_by="k8s.worker_checks_itself_and_finishes_its_tasks",
    ),
    M(
        "k8s-worker-probe-checks-web",
        K8S_BASE + "worker.yaml",
        '["python", "-m", "{{ slug }}.healthcheck", "worker"]',
        '["python", "-m", "{{ slug }}.healthcheck"]',
        occurrence=2,
        combos=K8S,
        breaks="the worker's liveness probe asks for a web server it does not run, and restarts it forever",
        caught_by="k8s.worker_checks_itself_and_finishes_its_tasks",
    ),
]
