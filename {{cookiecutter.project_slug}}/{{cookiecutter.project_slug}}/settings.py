"""Django settings, all read from the environment (see config.py and .env.example)."""

from __future__ import annotations

import os
{%- if cookiecutter.use_postgres %}
from urllib.parse import unquote, urlsplit
{%- endif %}

from .config import settings as env

SECRET_KEY = env.secret_key
DEBUG = env.debug
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",")

{%- if cookiecutter.use_postgres %}
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
{%- else %}
INSTALLED_APPS: list[str] = []
{%- endif %}
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "{{ cookiecutter.project_slug }}.urls"
WSGI_APPLICATION = "{{ cookiecutter.project_slug }}.wsgi.application"
{%- if cookiecutter.use_postgres %}

_db = urlsplit(env.database_url)
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": unquote(_db.username or ""),
        "PASSWORD": unquote(_db.password or ""),
        "HOST": _db.hostname or "",
        "PORT": str(_db.port or 5432),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 5},
    }
}
{%- else %}
DATABASES: dict[str, dict] = {}
{%- endif %}
USE_TZ = True
TIME_ZONE = "UTC"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.log_level},
}
