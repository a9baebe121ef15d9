"""The registry: every promise is a small named check over a rendered project.

A promise is a function `check(project: Project) -> None` that raises AssertionError with a
message saying what broke. `@promise(applies=...)` registers it under `<module>.<function>`,
for example `compose.prod_app_read_only_root`; its docstring's first line is what the README's
promise table says it proves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..combos import Combo
    from .project import Project


@dataclass(frozen=True)
class When:
    """Which combinations a promise applies to, with a label for the README's table."""

    label: str
    test: Callable[[Combo], bool]
    # Kubernetes promises run on the renders with use_kubernetes on (one per manifest set), the
    # others on the 192 renders with it off.
    kubernetes: bool = False

    def __call__(self, combo: Combo) -> bool:
        return self.test(combo)


ALWAYS = When("every combination", lambda c: True)
POSTGRES = When("with PostgreSQL", lambda c: c.use_postgres)
REDIS = When("with Redis (or Celery)", lambda c: c.redis)
DATA = When("with PostgreSQL or Redis", lambda c: c.use_postgres or c.redis)
CELERY = When("with Celery", lambda c: c.use_celery)
GUNICORN = When("Flask and Django (gunicorn)", lambda c: c.framework in ("flask", "django"))
FASTAPI = When("FastAPI", lambda c: c.framework == "fastapi")
K8S = When("with Kubernetes", lambda c: c.use_kubernetes, kubernetes=True)
K8S_POSTGRES = When("with Kubernetes and PostgreSQL", lambda c: c.use_kubernetes and c.use_postgres, kubernetes=True)
K8S_CELERY = When("with Kubernetes and Celery", lambda c: c.use_kubernetes and c.use_celery, kubernetes=True)


@dataclass(frozen=True)
class Promise:
    name: str
    check: Callable[[Project], None]
    applies: When

    @property
    def summary(self) -> str:
        return (self.check.__doc__ or "").strip().splitlines()[0]


PROMISES: dict[str, Promise] = {}


def promise(applies: When = ALWAYS):
    """Register the decorated check as `<module>.<function>`; the docstring is required."""

    def register(check: Callable[[Project], None]) -> Callable[[Project], None]:
        name = f"{check.__module__.rsplit('.', 1)[-1]}.{check.__name__}"
        assert check.__doc__, f"promise {name} needs a docstring: the README's table shows its first line"
        assert name not in PROMISES, f"promise {name} is registered twice"
        PROMISES[name] = Promise(name, check, applies)
        return check

    return register
