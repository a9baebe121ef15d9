{%- set slug = cookiecutter.project_slug -%}
{%- set redis = cookiecutter.use_redis or cookiecutter.use_celery -%}
{%- set django = cookiecutter.framework == "django" -%}
"""Test set-up: a `client` that calls the app in-process, and `get`/`post` helpers that
return (status, JSON body).

Unit runs point every dependency at a closed port, so readiness must report it down.
Set INTEGRATION=1 where the real services run (CI's service containers, or `make up`):
the tests marked `integration` run too{% if cookiecutter.use_postgres %}, on a database migrated first{% endif %}.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

INTEGRATION = os.environ.get("INTEGRATION") == "1"
if not INTEGRATION:
    os.environ.update(
        {
{%- if cookiecutter.use_postgres %}
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": "1",
{%- endif %}
{%- if redis %}
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": "1",
{%- endif %}
            "READINESS_TIMEOUT": "1",
        }
    )
{%- if django %}
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ slug }}.settings")

import django  # noqa: E402 - after the environment it reads

django.setup()
{%- endif %}

integration = pytest.mark.skipif(not INTEGRATION, reason="needs the real services: INTEGRATION=1")
{%- if cookiecutter.use_postgres %}


@pytest.fixture(scope="session", autouse=INTEGRATION)
def migrated_database() -> None:
    """The schema the migrations make, as the deploy's migrate step makes it."""
{%- if django %}
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
{%- else %}
    from alembic import command
    from alembic.config import Config

    command.upgrade(Config(toml_file="pyproject.toml"), "head")
{%- endif %}
{%- endif %}


@pytest.fixture(autouse=True)
def fresh_readiness() -> None:
    """Each test's /ready runs its checks anew, not the previous test's cached answer."""
    from {{ slug }} import checks

    checks.forget()


@pytest.fixture
def client():
{%- if cookiecutter.framework == "fastapi" %}
    from fastapi.testclient import TestClient

    from {{ slug }}.main import app

    return TestClient(app)
{%- elif cookiecutter.framework == "flask" %}
    from {{ slug }}.app import app

    return app.test_client()
{%- else %}
    from django.test import Client

    return Client()
{%- endif %}


def body_of(response) -> dict:
{%- if cookiecutter.framework == "flask" %}
    return response.get_json()
{%- else %}
    return response.json()
{%- endif %}


@pytest.fixture
def get(client) -> Callable[..., tuple[int, dict]]:
    def _get(path: str, **kwargs) -> tuple[int, dict]:
        response = client.get(path, **kwargs)
        return response.status_code, body_of(response)

    return _get
{%- if cookiecutter.use_postgres %}


@pytest.fixture
def post(client) -> Callable[..., tuple[int, dict]]:
    def _post(path: str, payload: dict | None = None) -> tuple[int, dict]:
{%- if django %}
        response = client.post(path, payload or {}, content_type="application/json")
{%- else %}
        response = client.post(path, json=payload or {})
{%- endif %}
        return response.status_code, body_of(response)

    return _post
{%- endif %}
