"""Every combination with a database ships a schema that production can apply: Django's
deployment checks pass under production settings and its migrations match its models;
Alembic's migrations render as SQL without a database. (Applying them to a real PostgreSQL,
and `alembic check` there, is in tests/docker/test_production.py.)"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import pytest

from .combos import ALL_COMBOS, PINS, Combo
from .conftest import combo_params
from .tools import assert_ok, run, tool

DJANGO = combo_params([c for c in ALL_COMBOS if c.framework == "django"])
ALEMBIC = combo_params([c for c in ALL_COMBOS if c.framework != "django" and c.use_postgres])
# What the checks import: Django with the app's own imports, SQLAlchemy with Alembic, the driver.
PACKAGES = [
    f"django=={PINS['django']}",
    f"whitenoise=={PINS['whitenoise']}",
    f"psycopg[binary]=={PINS['psycopg']}",
    f"celery[redis]=={PINS['celery']}",
    f"redis=={PINS['redis']}",
    f"sqlalchemy=={PINS['sqlalchemy']}",
    f"alembic=={PINS['alembic']}",
]
# Nothing to connect to: the checks must not need a database.
OFFLINE = {"POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "1", "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "1"}


@pytest.fixture(scope="session")
def app_python(tmp_path_factory) -> str:
    """An interpreter with the pinned Django, SQLAlchemy and Alembic, made once per session."""
    venv = tmp_path_factory.mktemp("app-venv") / "venv"
    assert_ok(run([tool("uv"), "venv", "--python", sys.executable, str(venv)], venv.parent), "uv venv")
    install = [tool("uv"), "pip", "install", "--python", str(venv / "bin" / "python"), *PACKAGES]
    assert_ok(run(install, venv.parent, timeout=600), "uv pip install")
    return str(venv / "bin" / "python")


def checked(project: Path, python: str, args: list[str], env: dict[str, str], what: str) -> str:
    # No bytecode: the render is shared with the other checks.
    proc = run([python, *args], project, {**OFFLINE, **env, "PYTHONDONTWRITEBYTECODE": "1"})
    assert_ok(proc, what)
    return proc.stdout + proc.stderr


@pytest.mark.parametrize("combo", DJANGO)
def test_django_passes_its_deployment_checks_under_production_settings(render, app_python, combo: Combo):
    production = {
        "APP_ENV": "production",
        "ALLOWED_HOSTS": "service.example.com",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
        "REDIS_PASSWORD": secrets.token_urlsafe(24),
    }
    args = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    output = checked(render(combo), app_python, args, production, "manage.py check --deploy")
    assert "System check identified no issues" in output, output


@pytest.mark.parametrize("combo", [p for p in DJANGO if p.values[0].use_postgres])
def test_django_migrations_match_the_models(render, app_python, combo: Combo):
    args = ["manage.py", "makemigrations", "--check", "--dry-run"]
    output = checked(render(combo), app_python, args, {}, "manage.py makemigrations --check")
    assert "No changes detected" in output, output


@pytest.mark.parametrize("combo", ALEMBIC)
def test_alembic_migrations_render_as_sql_without_a_database(render, app_python, combo: Combo):
    args = ["-m", "alembic", "upgrade", "head", "--sql"]
    sql = checked(render(combo), app_python, args, {}, "alembic upgrade head --sql")
    assert "CREATE TABLE items" in sql and "INSERT INTO alembic_version" in sql, sql
