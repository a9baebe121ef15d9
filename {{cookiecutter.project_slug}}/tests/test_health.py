"""The operational contract: /health never depends on anything, /ready names what is down."""

from __future__ import annotations
{%- if cookiecutter.use_postgres or cookiecutter.use_redis or cookiecutter.use_celery %}

import pytest

from {{ cookiecutter.project_slug }} import checks

from .conftest import INTEGRATION, integration
{%- else %}

from {{ cookiecutter.project_slug }} import checks

from .conftest import integration
{%- endif %}


def test_health_answers_ok_without_any_dependency(get):
    assert get("/health") == (200, {"status": "ok"})


def test_ready_is_200_when_every_check_passes(get, monkeypatch):
    monkeypatch.setattr(checks, "CHECKS", dict.fromkeys(checks.CHECKS, lambda settings: None))
    status, body = get("/ready")
    assert status == 200
    assert body == {"status": "ready", "checks": dict.fromkeys(checks.CHECKS, "ok")}
{%- if cookiecutter.use_postgres or cookiecutter.use_redis or cookiecutter.use_celery %}


@pytest.mark.skipif(INTEGRATION, reason="the services are up in integration runs")
def test_ready_is_503_naming_every_unreachable_dependency(get):
    status, body = get("/ready")
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["failed"] == sorted(checks.CHECKS)
    assert all(result != "ok" for result in body["checks"].values())


@pytest.mark.parametrize("down", sorted(checks.CHECKS))
def test_ready_names_only_the_dependency_that_is_down(get, monkeypatch, down):
    healthy = dict.fromkeys(checks.CHECKS, lambda settings: None)
    monkeypatch.setattr(checks, "CHECKS", {**healthy, down: lambda settings: "ConnectionRefused"})
    status, body = get("/ready")
    assert status == 503
    assert body["failed"] == [down]
    assert body["checks"][down] == "ConnectionRefused"
{%- endif %}


@integration
def test_ready_is_200_against_the_real_services(get):
    status, body = get("/ready")
    assert (status, body["status"]) == (200, "ready"), body
