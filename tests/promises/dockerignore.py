""".dockerignore, judged by the build context of a realistic working tree (see project.planted_files)."""

from __future__ import annotations

from .project import Project
from .registry import promise


def needed(project: Project) -> set[str]:
    """What the Dockerfile copies from the context: the manifest, the lock, the package's sources
    and data (uvicorn's log_config.json), manage.py for Django, Alembic's migrations with SQLAlchemy."""
    package = {p for p in project.user_tree if p.startswith(f"{project.slug}/") and p.endswith((".py", ".json"))}
    django = {"manage.py"} if project.combo.framework == "django" else set()
    alembic = (
        {p for p in project.user_tree if p.startswith("migrations/")}
        if project.combo.use_postgres and project.combo.framework != "django"
        else set()
    )
    return {"pyproject.toml", "uv.lock", *django, *alembic, *package}


@promise()
def context_keeps_everything_else_out(project: Project):
    """The build context holds only what the image needs: no .git, .env*, venv, caches, tests, docs, compose files."""
    extra = sorted(project.context - needed(project))
    assert not extra, f"the build context would carry: {extra}"


@promise()
def context_holds_what_the_build_copies(project: Project):
    """The build context holds pyproject.toml, uv.lock, the package (and manage.py for Django)."""
    missing = sorted(needed(project) - project.context)
    assert not missing, f".dockerignore keeps out what the Dockerfile copies: {missing}"
