{%- set redis = cookiecutter.use_redis or cookiecutter.use_celery -%}
{%- set celery = cookiecutter.use_celery -%}
"""Settings read from the environment, once, in one place.

Every variable is documented in .env.example. Defaults suit local development. In
production (APP_ENV=production) nothing secret has a default: `load_settings` raises
ConfigError, naming the variable, when a secret is missing, too short or a known
development value, and when ALLOWED_HOSTS is unset or a wildcard. Every secret can also
come from a file: NAME_FILE=/run/secrets/name (as Docker and Kubernetes mount secrets).
"""

from __future__ import annotations

import os
{%- if redis %}
import urllib.parse
{%- endif %}
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# The values compose.yaml and the tests use for development: never accepted in production.
DEVELOPMENT_SECRETS = frozenset({"development-only-insecure-key", "app", "changeme", "change-me", "secret"})
# Minimum lengths in production. A signing key of 50 characters also meets Django's deploy check.
{%- if cookiecutter.framework != "fastapi" or cookiecutter.use_postgres or redis %}
SECRET_MIN_LENGTH: dict[str, int] = {
{%- if cookiecutter.framework != "fastapi" %}
    "SECRET_KEY": 50,
{%- endif %}
{%- if cookiecutter.use_postgres %}
    "POSTGRES_PASSWORD": 16,
{%- endif %}
{%- if redis %}
    "REDIS_PASSWORD": 16,
{%- endif %}
}
{%- else %}
SECRET_MIN_LENGTH: dict[str, int] = {}  # none yet: add each secret the service gets
{%- endif %}
{%- if celery %}
# A message a worker took but never acknowledged (it was killed) goes back to the queue after
# the visibility timeout: it must outlast the longest task, or a running task runs twice.
VISIBILITY_MARGIN = 30
{%- endif %}
GENERATE_HINT = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'


class ConfigError(Exception):
    """The configuration cannot run in this environment. The message names the variable."""


def read(env: Mapping[str, str], name: str, default: str = "") -> str:
    """NAME from the environment, or the contents of the file NAME_FILE points to."""
    path = env.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={path} cannot be read: {exc.strerror}") from exc
    return env.get(name, default)


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class Settings:
    app_env: str
    log_level: str
    log_format: str
    allowed_hosts: list[str]
    trusted_proxies: list[str]
{%- if cookiecutter.framework == "fastapi" %}
    api_docs: bool
{%- endif %}
{%- if cookiecutter.framework != "fastapi" %}
    secret_key: str
{%- endif %}
{%- if cookiecutter.use_postgres %}
    postgres_host: str
    postgres_port: int
    postgres_user: str
    postgres_password: str
    postgres_db: str
{%- endif %}
{%- if redis %}
    redis_host: str
    redis_port: int
    redis_password: str
{%- endif %}
{%- if celery %}
    celery_task_time_limit: int
    celery_visibility_timeout: int
    celery_soft_shutdown_timeout: float
{%- endif %}
    check_timeout: float

    def __post_init__(self) -> None:
        if self.log_format not in ("json", "text"):
            raise ConfigError(f"LOG_FORMAT must be json or text, not {self.log_format!r}")

    @property
    def debug(self) -> bool:
        return self.app_env == "development"

    @property
    def production(self) -> bool:
        return self.app_env == "production"
{%- if redis %}

    @property
    def redis_url(self) -> str:
        """The redis:// URL redis-py and Celery connect to."""
        auth = f":{urllib.parse.quote(self.redis_password, safe='')}@" if self.redis_password else ""
        return f"redis://{auth}{self.redis_host}:{self.redis_port}/0"
{%- endif %}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    app_env = env.get("APP_ENV", "development")
    production = app_env == "production"
    settings = Settings(
        app_env=app_env,
        log_level=env.get("LOG_LEVEL", "INFO"),
        log_format=(env.get("LOG_FORMAT") or "text").lower(),
        allowed_hosts=split_list(env.get("ALLOWED_HOSTS", "" if production else "*")),
        # Whose X-Forwarded-For and -Proto to believe: addresses, networks or host names.
        trusted_proxies=split_list(env.get("TRUSTED_PROXIES", "edge")),
{%- if cookiecutter.framework == "fastapi" %}
        api_docs=env.get("API_DOCS", "false" if production else "true").lower() in ("1", "true", "yes"),
{%- endif %}
{%- if cookiecutter.framework != "fastapi" %}
        secret_key=read(env, "SECRET_KEY", "" if production else "development-only-insecure-key"),
{%- endif %}
{%- if cookiecutter.use_postgres %}
        postgres_host=env.get("POSTGRES_HOST", "localhost"),
        postgres_port=int(env.get("POSTGRES_PORT", "5432")),
        postgres_user=env.get("POSTGRES_USER", "app"),
        postgres_password=read(env, "POSTGRES_PASSWORD", "" if production else "app"),
        postgres_db=env.get("POSTGRES_DB", "app"),
{%- endif %}
{%- if redis %}
        redis_host=env.get("REDIS_HOST", "localhost"),
        redis_port=int(env.get("REDIS_PORT", "6379")),
        redis_password=read(env, "REDIS_PASSWORD"),
{%- endif %}
{%- if celery %}
        celery_task_time_limit=int(env.get("CELERY_TASK_TIME_LIMIT", "300")),
        celery_visibility_timeout=int(env.get("CELERY_VISIBILITY_TIMEOUT", "360")),
        celery_soft_shutdown_timeout=float(env.get("CELERY_SOFT_SHUTDOWN_TIMEOUT", "45")),
{%- endif %}
        check_timeout=float(env.get("READINESS_TIMEOUT", "2")),
    )
{%- if celery %}
    if settings.celery_visibility_timeout < settings.celery_task_time_limit + VISIBILITY_MARGIN:
        raise ConfigError(
            f"CELERY_VISIBILITY_TIMEOUT must be at least CELERY_TASK_TIME_LIMIT + {VISIBILITY_MARGIN} s "
            f"({settings.celery_task_time_limit + VISIBILITY_MARGIN}), or a running task is handed out twice"
        )
{%- endif %}
    if production:
        problems = production_problems(settings)
        if problems:
            raise ConfigError(problems[0])
    return settings


def production_problems(settings: Settings) -> list[str]:
    """Why these settings must not run in production, one line per problem, worst first."""
    problems = []
    for name, min_length in SECRET_MIN_LENGTH.items():
        problem = secret_problem(name, getattr(settings, name.lower()), min_length)
        if problem:
            problems.append(problem)
    if not settings.allowed_hosts:
        problems.append(
            "ALLOWED_HOSTS is required in production: the host names this service answers to, comma-separated"
        )
    elif "*" in settings.allowed_hosts:
        problems.append("ALLOWED_HOSTS must name the hosts in production, not '*'")
    return problems


def secret_problem(name: str, value: str, min_length: int) -> str | None:
    """Why a production secret is unusable, or None."""
    if not value:
        return f"{name} is required in production (generate one: {GENERATE_HINT})"
    if value.lower() in DEVELOPMENT_SECRETS:
        return f"{name} is a development value; set a secret of your own (generate one: {GENERATE_HINT})"
    if len(value) < min_length:
        return f"{name} is too short: use at least {min_length} characters"
    return None


# Probed by IP address (Docker's health check, Kubernetes), so exempt from the host check.
PROBE_PATHS = frozenset({"/health", "/ready"})


def host_allowed(host: str, allowed: list[str]) -> bool:
    """Django's rule for a Host header: an exact name, '.example.com' for a domain and its
    subdomains, or '*'. The port is ignored; names compare without case."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern == "*" or name == pattern:
            return True
        if pattern.startswith(".") and (name.endswith(pattern) or name == pattern[1:]):
            return True
    return False


def __getattr__(name: str) -> Settings:
    """`from .config import settings` loads the settings on first use (PEP 562), so the
    entrypoint can import this module and report a ConfigError in one line."""
    if name == "settings":
        globals()["settings"] = load_settings()
        return globals()["settings"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
