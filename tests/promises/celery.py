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


def conf_source(project: Project) -> dict[str, str]:
    """Every keyword of `app.conf.update(...)` as source text."""
    return {
        name: ast.unparse(value)
        for name, value in call_keywords(project.module("celery_app"), "app.conf.update").items()
    }


@promise(applies=CELERY)
def policy_comes_from_the_validated_configuration(project: Project):
    """Time limits, visibility timeout and soft shutdown come from config.py, which keeps them consistent."""
    source = conf_source(project)
    expected = {
        "task_time_limit": "config.celery_task_time_limit",
        "broker_transport_options": "{'visibility_timeout': config.celery_visibility_timeout}",
        "worker_soft_shutdown_timeout": "config.celery_soft_shutdown_timeout",
    }
    found = {key: source.get(key) for key in expected}
    assert found == expected, found
    assert "config.celery_task_time_limit" in source.get("task_soft_time_limit", ""), "no soft time limit"
    assert project.literals("config").get("VISIBILITY_MARGIN", 0) >= 30, "config.py: VISIBILITY_MARGIN"


@promise(applies=CELERY)
def broker_loss_cancels_rather_than_duplicates(project: Project):
    """On a lost broker connection the worker cancels long-running tasks: they are re-queued, not run twice."""
    assert_setting(project, "worker_cancel_long_running_tasks_on_connection_loss", True)


@promise(applies=CELERY)
def publishing_waits_out_a_broker_restart(project: Project):
    """A task sent while Redis restarts is retried for at least 10 s instead of failing the request."""
    policy = conf_literals(project).get("task_publish_retry_policy") or {}
    waits = [
        min(policy.get("interval_start", 0) + i * policy.get("interval_step", 0.2), policy.get("interval_max", 0.2))
        for i in range(policy.get("max_retries", 3))
    ]
    assert sum(waits) >= 10, f"publish retries wait {sum(waits)} s in all: {policy}"


@promise(applies=CELERY)
def worker_heartbeat_proves_the_broker_answers(project: Project):
    """The worker's own timer touches its heartbeat file only after the broker answered a PING."""
    text = project.text(f"{project.slug}/celery_app.py")
    assert 'app.steps["worker"].add(BrokerHeartbeat)' in text, "the heartbeat step is not installed"
    assert "client.ping()" in text and text.index("client.ping()") < text.index("HEARTBEAT_FILES[role].touch()")


@promise(applies=CELERY)
def docker_stop_starts_the_soft_shutdown(project: Project):
    """The entrypoint remaps SIGTERM to SIGQUIT for the worker: `docker stop` starts Celery's soft shutdown."""
    text = project.text(f"{project.slug}/entrypoint.py")
    assert 'os.environ.setdefault("REMAP_SIGTERM", "SIGQUIT")' in text, "SIGTERM is a warm shutdown: no re-queue"


@promise(applies=CELERY)
def worker_and_beat_log_in_the_service_format(project: Project):
    """Worker and beat log through the service's formatter: one JSON object per line in production."""
    text = project.text(f"{project.slug}/celery_app.py")
    handler = "@setup_logging.connect\ndef log_like_the_app(**_) -> None:"
    assert handler in text and "logs.configure(config.log_format, config.log_level)" in text, "Celery logs plain text"
