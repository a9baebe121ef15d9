"""Alembic's environment: the database from the service's settings, the models' metadata.

- `uv run alembic upgrade head`: apply every migration (compose's `migrate` service does)
- `uv run alembic upgrade head --sql`: print the SQL instead, without a database
- `uv run alembic revision --autogenerate -m "..."`: write a migration for a model change
- `uv run alembic check`: fail when the models and the migrations differ
"""

from __future__ import annotations

from alembic import context

from {{ cookiecutter.project_slug }}.db import Base, database_url, engine

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit the SQL (`--sql`) without connecting."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
