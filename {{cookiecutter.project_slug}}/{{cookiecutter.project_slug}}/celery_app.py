"""The Celery application: Redis is the broker and the result backend."""

from __future__ import annotations

from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler

from .config import settings

# Beat has no ping: it touches this file on every tick, and its health check reads the age.
BEAT_HEARTBEAT_FILE = Path("/tmp/celerybeat-heartbeat")  # noqa: S108 - the container's private tmpfs
BEAT_MAX_LOOP_INTERVAL = 15
BEAT_HEARTBEAT_MAX_AGE = 4 * BEAT_MAX_LOOP_INTERVAL

app = Celery(
    "{{ cookiecutter.project_slug }}",
    broker=settings.redis_url,
    backend=settings.redis_url,
)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=3600,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    beat_max_loop_interval=BEAT_MAX_LOOP_INTERVAL,
    beat_schedule={
        "heartbeat-every-minute": {
            "task": "{{ cookiecutter.project_slug }}.tasks.heartbeat",
            "schedule": 60.0,
        },
    },
    timezone="UTC",
)
app.autodiscover_tasks(["{{ cookiecutter.project_slug }}"])


class HeartbeatScheduler(PersistentScheduler):
    """The default scheduler, plus a heartbeat file the beat health check can read."""

    def tick(self, *args, **kwargs):
        BEAT_HEARTBEAT_FILE.touch()
        return super().tick(*args, **kwargs)
