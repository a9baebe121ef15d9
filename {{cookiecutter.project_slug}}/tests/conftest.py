"""Test set-up: a `get` fixture that calls the app in-process and returns (status, JSON body).

Unit runs point every dependency at a closed port, so readiness must report it
down. Set INTEGRATION=1 where the real services run (CI service containers).
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
            "DATABASE_URL": "postgresql://app:app@127.0.0.1:1/app",
{%- endif %}
{%- if cookiecutter.use_redis or cookiecutter.use_celery %}
            "REDIS_URL": "redis://127.0.0.1:1/0",
{%- endif %}
            "READINESS_TIMEOUT": "1",
        }
    )
{%- if cookiecutter.framework == "django" %}
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.project_slug }}.settings")
{%- endif %}


@pytest.fixture
def get() -> Callable[[str], tuple[int, dict]]:
{%- if cookiecutter.framework == "fastapi" %}
    from fastapi.testclient import TestClient

    from {{ cookiecutter.project_slug }}.main import app

    client = TestClient(app)
{%- elif cookiecutter.framework == "flask" %}
    from {{ cookiecutter.project_slug }}.app import app

    client = app.test_client()
{%- else %}
    import django
    from django.test import Client

    django.setup()
    client = Client()
{%- endif %}

    def _get(path: str) -> tuple[int, dict]:
        response = client.get(path)
{%- if cookiecutter.framework == "flask" %}
        return response.status_code, response.get_json()
{%- else %}
        return response.status_code, response.json()
{%- endif %}

    return _get
