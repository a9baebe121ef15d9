"""Settings read from the environment, once, in one place.

Every variable is documented in .env.example. Defaults suit local development;
compose.prod.yaml requires the secrets explicitly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    app_env: str
    log_level: str
{%- if cookiecutter.framework != "fastapi" %}
    secret_key: str
{%- endif %}
{%- if cookiecutter.use_postgres %}
    database_url: str
{%- endif %}
{%- if cookiecutter.use_redis or cookiecutter.use_celery %}
    redis_url: str
{%- endif %}
    check_timeout: float

    @property
    def debug(self) -> bool:
        return self.app_env == "development"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    return Settings(
        app_env=env.get("APP_ENV", "development"),
        log_level=env.get("LOG_LEVEL", "INFO"),
{%- if cookiecutter.framework != "fastapi" %}
        secret_key=env.get("SECRET_KEY", "development-only-insecure-key"),
{%- endif %}
{%- if cookiecutter.use_postgres %}
        database_url=env.get("DATABASE_URL", "postgresql://app:app@localhost:5432/app"),
{%- endif %}
{%- if cookiecutter.use_redis or cookiecutter.use_celery %}
        redis_url=env.get("REDIS_URL", "redis://localhost:6379/0"),
{%- endif %}
        check_timeout=float(env.get("READINESS_TIMEOUT", "2")),
    )


settings = load_settings()
