"""The Celery app's settings, read from celery_app.py with `ast` (Celery is not installed here)."""

from __future__ import annotations

import ast

from .project import Project, call_keywords
from .registry import CELERY, promise


def conf_literals(project: Project) -> dict[str, object]:
    """The literal keyword arguments of `app.conf.update(...)` in celery_app.py."""
    literals = {}
    for name, value in call_keywords(project.module("celery_app"), "app.conf.update").items():
        try:
            literals[name] = ast.literal_eval(value)
        except ValueError:
            continue
    return literals


def assert_setting(project: Project, name: str, expected: object) -> None:
    actual = conf_literals(project).get(name, "<not set>")
    assert actual == expected, f"celery_app.py: {name}={actual!r}, expected {expected!r}"


@promise(applies=CELERY)
def acks_late(project: Project):
    """A task is acknowledged after it ran (`task_acks_late`): a worker that dies does not lose it."""
    assert_setting(project, "task_acks_late", True)


@promise(applies=CELERY)
def requeues_tasks_of_a_lost_worker(project: Project):
    """`task_reject_on_worker_lost`: a task whose worker process was killed goes back to the queue."""
    assert_setting(project, "task_reject_on_worker_lost", True)


@promise(applies=CELERY)
def prefetches_one_task(project: Project):
    """`worker_prefetch_multiplier=1`: a busy worker does not hoard tasks another could run."""
    assert_setting(project, "worker_prefetch_multiplier", 1)


@promise(applies=CELERY)
def accepts_json_only(project: Project):
    """Tasks and results travel as JSON only: no pickle from the broker."""
    literals = conf_literals(project)
    found = {key: literals.get(key) for key in ("task_serializer", "result_serializer", "accept_content")}
    assert found == {"task_serializer": "json", "result_serializer": "json", "accept_content": ["json"]}, found
