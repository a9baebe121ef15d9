{%- set slug = cookiecutter.project_slug -%}
{%- set redis = cookiecutter.use_redis or cookiecutter.use_celery -%}
"""Django settings, all read from the environment (see config.py and .env.example).

Production (APP_ENV=production) runs behind a TLS-terminating proxy: secure cookies, HSTS
and the HTTPS redirect are on, and `manage.py check --deploy --fail-level WARNING` passes.
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import settings as env
from .config import split_list
from .logs import dict_config

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env.secret_key
DEBUG = env.debug
ALLOWED_HOSTS = env.allowed_hosts
# Origins trusted for unsafe requests (the admin's forms): https:// and each named host, or as set.
CSRF_TRUSTED_ORIGINS = split_list(os.environ.get("CSRF_TRUSTED_ORIGINS", "")) or [
    f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS if host != "*"
]

INSTALLED_APPS = [
{%- if cookiecutter.use_postgres %}
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
{%- endif %}
    "django.contrib.staticfiles",
    "{{ slug }}",
]
MIDDLEWARE = [
    # /health and /ready answer before the host check: Docker and Kubernetes probe by IP.
    "{{ slug }}.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
{%- if cookiecutter.use_postgres %}
    "django.contrib.sessions.middleware.SessionMiddleware",
{%- endif %}
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
{%- if cookiecutter.use_postgres %}
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
{%- endif %}
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "{{ slug }}.urls"
WSGI_APPLICATION = "{{ slug }}.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
{%- if cookiecutter.use_postgres %}
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
{%- endif %}
            ],
        },
    },
]
{%- if cookiecutter.use_postgres %}

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": env.postgres_host,
        "PORT": env.postgres_port,
        "USER": env.postgres_user,
        "PASSWORD": env.postgres_password,
        "NAME": env.postgres_db,
        # Persistent connections, checked before reuse: a database restart costs one retry.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 5},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
{%- else %}

DATABASES: dict[str, dict] = {}
{%- endif %}
{%- if cookiecutter.use_celery %}

# Celery reads CELERY_* settings (celery_app.py: config_from_object(..., namespace="CELERY")).
CELERY_BROKER_URL = env.redis_url
CELERY_RESULT_BACKEND = env.redis_url
{%- endif %}

# Static files: collected into the image at build time, served by WhiteNoise with
# compressed, content-hashed names (the root filesystem is read-only at run time).
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Behind the TLS edge: its X-Forwarded-Proto (which wsgi.py keeps from TRUSTED_PROXIES only,
# removing it from anyone else), a redirect of plain HTTP, secure cookies, HSTS.
# The probes stay on plain HTTP inside the network.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.production
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.production
# Start low and raise once HTTPS works everywhere (a year: 31536000); see the README.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "60" if env.production else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

USE_TZ = True
TIME_ZONE = "UTC"
# Every line in LOG_FORMAT (json in production), each with its request's ID.
LOGGING = dict_config(env.log_format, env.log_level)
