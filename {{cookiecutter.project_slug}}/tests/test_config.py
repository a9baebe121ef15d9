{%- set secret_key = cookiecutter.framework != "fastapi" -%}
{%- set redis = cookiecutter.use_redis or cookiecutter.use_celery -%}
{%- set secrets = secret_key or cookiecutter.use_postgres or redis -%}
"""Production refuses to run on development settings: each problem is one line naming the
variable. Secrets may come from files (NAME_FILE). Hosts follow Django's rules."""

from __future__ import annotations

import pytest

from {{ cookiecutter.project_slug }}.config import (
    SECRET_MIN_LENGTH,
{%- if cookiecutter.use_celery %}
    VISIBILITY_MARGIN,
{%- endif %}
    ConfigError,
    host_allowed,
    load_settings,
)


def production_env(**overrides: str) -> dict[str, str]:
    env = {"APP_ENV": "production", "ALLOWED_HOSTS": "api.example.com"}
    env.update({name: "s3cr3t-" + "x" * length for name, length in SECRET_MIN_LENGTH.items()})
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def test_production_starts_with_strong_secrets_and_named_hosts():
    settings = load_settings(production_env())
    assert settings.production and not settings.debug
    assert settings.allowed_hosts == ["api.example.com"]
{%- if cookiecutter.framework == "fastapi" %}
    assert settings.api_docs is False, "the API docs must be off in production by default"
{%- endif %}
{%- if secrets %}


@pytest.mark.parametrize("name", sorted(SECRET_MIN_LENGTH))
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "is required"),
        ("", "is required"),
        ("app", "is a development value"),
        ("short-but-new", "is too short"),
    ],
)
def test_production_refuses_a_missing_short_or_development_secret(name, value, reason):
    with pytest.raises(ConfigError, match=f"^{name} {reason}"):
        load_settings(production_env(**{name: value}))
{%- endif %}
{%- if secret_key %}


def test_production_refuses_the_development_secret_key():
    development_key = "development-only-insecure-key"
    with pytest.raises(ConfigError, match=r"^SECRET_KEY is a development value"):
        load_settings(production_env(SECRET_KEY=development_key))
{%- endif %}


@pytest.mark.parametrize(("hosts", "reason"), [(None, "is required"), ("", "is required"), ("*", "not '")])
def test_production_refuses_unnamed_hosts(hosts, reason):
    with pytest.raises(ConfigError, match=f"^ALLOWED_HOSTS .*{reason}"):
        load_settings(production_env(ALLOWED_HOSTS=hosts))
{%- if secrets %}


@pytest.mark.parametrize("name", sorted(SECRET_MIN_LENGTH))
def test_a_secret_can_come_from_a_file(name, tmp_path):
    secret = tmp_path / name.lower()
    secret.write_text("from-a-file/with@odd:chars%#" + "y" * 40 + "\n")
    settings = load_settings(production_env(**{name: None, f"{name}_FILE": str(secret)}))
    assert getattr(settings, name.lower()) == secret.read_text().strip()


def test_an_unreadable_secret_file_is_named(tmp_path):
    name = sorted(SECRET_MIN_LENGTH)[0]
    with pytest.raises(ConfigError, match=f"^{name}_FILE=.* cannot be read"):
        load_settings(production_env(**{f"{name}_FILE": str(tmp_path / "missing")}))
{%- endif %}


def test_development_needs_no_configuration():
    settings = load_settings({})
    assert settings.debug and settings.allowed_hosts == ["*"]


@pytest.mark.parametrize(
    ("host", "allowed", "ok"),
    [
        ("api.example.com", ["api.example.com"], True),
        ("API.example.com:8443", ["api.example.com"], True),
        ("evil.example.net", ["api.example.com"], False),
        ("a.b.example.com", [".example.com"], True),
        ("example.com", [".example.com"], True),
        ("notexample.com", [".example.com"], False),
        ("anything", ["*"], True),
        ("", ["api.example.com"], False),
    ],
)
def test_hosts_follow_djangos_rules(host, allowed, ok):
    assert host_allowed(host, allowed) is ok
{%- if redis %}


def test_any_redis_password_reaches_the_url_intact():
    import urllib.parse

    password = "p/w@x:y%z#" + "q" * 16
    settings = load_settings(production_env(REDIS_PASSWORD=password))
    parsed = urllib.parse.urlsplit(settings.redis_url)
    assert urllib.parse.unquote(parsed.password) == password
    assert (parsed.hostname, parsed.port) == (settings.redis_host, settings.redis_port)


def test_development_redis_needs_no_password():
    assert "@" not in load_settings({}).redis_url
{%- endif %}
{%- if cookiecutter.use_celery %}


def test_the_visibility_timeout_must_outlast_the_task_time_limit():
    limit = 600
    with pytest.raises(ConfigError, match=r"^CELERY_VISIBILITY_TIMEOUT must be at least"):
        load_settings({"CELERY_TASK_TIME_LIMIT": str(limit), "CELERY_VISIBILITY_TIMEOUT": str(limit)})
    settings = load_settings(
        {"CELERY_TASK_TIME_LIMIT": str(limit), "CELERY_VISIBILITY_TIMEOUT": str(limit + VISIBILITY_MARGIN)}
    )
    assert settings.celery_visibility_timeout == limit + VISIBILITY_MARGIN


def test_the_default_celery_policy_is_consistent():
    settings = load_settings({})
    assert settings.celery_visibility_timeout >= settings.celery_task_time_limit + VISIBILITY_MARGIN
    assert 0 < settings.celery_soft_shutdown_timeout < 60, "below the worker's stop_grace_period"
{%- endif %}
