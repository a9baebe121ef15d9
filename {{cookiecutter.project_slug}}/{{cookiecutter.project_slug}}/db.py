"""The database: a SQLAlchemy 2 engine on psycopg 3, sessions, and the example model.

Migrations live in migrations/ (Alembic). After changing a model, write the migration:
`uv run alembic revision --autogenerate -m "what changed"`, review it, commit it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import URL, DateTime, String, create_engine, func
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from .config import Settings, settings


def database_url(config: Settings = settings) -> URL:
    """Built from its parts, so any character in the password works."""
    return URL.create(
        "postgresql+psycopg",
        username=config.postgres_user,
        password=config.postgres_password,
        host=config.postgres_host,
        port=config.postgres_port,
        database=config.postgres_db,
    )


# Connections are opened on first use; pre-ping replaces those a database restart closed.
engine = create_engine(database_url(), pool_pre_ping=True, pool_size=5, max_overflow=5)
SessionFactory = sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back when it raises."""
    with SessionFactory() as session, session.begin():
        yield session


class Base(DeclarativeBase):
    pass


class Item(Base):
    """The example model: created by POST /items{% if cookiecutter.use_celery %}, processed by a Celery task{% endif %}."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="new", server_default="new")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "status": self.status}
