{%- set slug = cookiecutter.project_slug -%}
"""A Host header outside ALLOWED_HOSTS gets 400, as Django's rule has it; the probes
(/health, /ready) answer any host, since Docker and Kubernetes call them by IP address."""

from __future__ import annotations

import pytest

ALLOWED = ["api.example.com"]


@pytest.fixture
def strict_get():
    """GET with a Host header, from the app with ALLOWED_HOSTS = api.example.com."""
{%- if cookiecutter.framework == "fastapi" %}
    from fastapi.testclient import TestClient

    from {{ slug }}.main import AllowedHostsMiddleware, app

    client = TestClient(AllowedHostsMiddleware(app, ALLOWED))
    return lambda path, host: client.get(path, headers={"Host": host}).status_code
{%- elif cookiecutter.framework == "flask" %}
    from dataclasses import replace

    from {{ slug }}.app import create_app
    from {{ slug }}.config import settings

    client = create_app(replace(settings, allowed_hosts=ALLOWED)).test_client()
    return lambda path, host: client.get(path, headers={"Host": host}).status_code
{%- else %}
    from django.test import Client, override_settings

    client = Client()

    def _get(path: str, host: str) -> int:
        with override_settings(ALLOWED_HOSTS=ALLOWED):
            return client.get(path, HTTP_HOST=host).status_code

    return _get
{%- endif %}


def test_a_bogus_host_header_gets_400(strict_get):
    assert strict_get("/no-such-page", "evil.example.net") == 400


def test_an_allowed_host_gets_through(strict_get):
    assert strict_get("/no-such-page", "api.example.com") == 404


@pytest.mark.parametrize("host", ["10.1.2.3:{{ cookiecutter.http_port }}", "127.0.0.1", "evil.example.net"])
def test_liveness_answers_any_host(strict_get, host):
    assert strict_get("/health", host) == 200
