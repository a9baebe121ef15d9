"""Shared fixtures: every combination is rendered once per test session, then reused."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from .combos import ALL_COMBOS, Combo
from .template_repo import TemplateRepo, build_template_repo
from .tools import isolated_env, lock_env

# The post-generation hook runs `uv lock` (network, seconds per render): the static checks render
# without it, every process they start too. The tests that prove locking, and the docker builds
# (`--locked`), turn it on for their own renders (`render_locked`, tools.lock_env).
os.environ.setdefault("SERVICE_TEMPLATE_LOCK", "0")


@contextmanager
def environment(values: dict[str, str]):
    """os.environ with `values` set, restored afterwards (the hooks inherit it)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _renderer(cookies_session, locked: bool):
    cache: dict[Combo, Path] = {}

    def _render(combo: Combo) -> Path:
        if combo not in cache:
            with environment(lock_env(combo.python_version) if locked else {}):
                result = cookies_session.bake(extra_context=combo.extra_context())
            assert result.exit_code == 0, f"{combo.id}: {result.exception}"
            cache[combo] = Path(result.project_path)
        return cache[combo]

    return _render


@pytest.fixture(scope="session")
def render(cookies_session):
    """render(combo) -> path of that combination's project, baked at most once per session."""
    return _renderer(cookies_session, locked=False)


@pytest.fixture(scope="session")
def render_locked(cookies_session):
    """render_locked(combo) -> that combination rendered with its uv.lock, baked at most once."""
    return _renderer(cookies_session, locked=True)


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory) -> TemplateRepo:
    """A git repository of this template at its current version and at the next (built once)."""
    root = tmp_path_factory.mktemp("template-repo")
    return build_template_repo(root, isolated_env(root / "home"))


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """An isolated environment (own HOME, no global git or cookiecutter config) for one test."""
    return isolated_env(tmp_path / "home")


def combo_params(combos: list[Combo]) -> list:
    """Parametrize by combination; the xdist group keeps one combination on one worker."""
    return [pytest.param(c, id=c.id, marks=pytest.mark.xdist_group(c.id)) for c in combos]


ALL = combo_params(ALL_COMBOS)
