{%- set slug = cookiecutter.project_slug -%}
{%- set django = cookiecutter.framework == "django" -%}
{%- set sqlalchemy = cookiecutter.use_postgres and not django -%}
{%- if django -%}
"""The Celery application: Redis is the broker and the result backend.

Wired the way Django expects: the settings module, every CELERY_* setting from it, and
tasks discovered in the installed apps. Celery's Django fix-up sets Django up in the
worker and closes stale database connections around each task.
"""

from __future__ import annotations

import os
{%- else -%}
"""The Celery application: Redis is the broker and the result backend."""

from __future__ import annotations
{% endif %}
from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler
{%- if sqlalchemy %}
from celery.signals import worker_process_init
{%- endif %}
{%- if not django %}

from .config import settings
{%- endif %}

# Beat has no ping: it touches this file on every tick, and its health check reads the age.
BEAT_HEARTBEAT_FILE = Path("/tmp/celerybeat-heartbeat")  # noqa: S108 - the container's private tmpfs
BEAT_MAX_LOOP_INTERVAL = 15
BEAT_HEARTBEAT_MAX_AGE = 4 * BEAT_MAX_LOOP_INTERVAL
{%- if django %}

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ slug }}.settings")
app = Celery("{{ slug }}")
# Broker and result backend come from settings.py (CELERY_BROKER_URL, ...).
app.config_from_object("django.conf:settings", namespace="CELERY")
{%- else %}

app = Celery(
    "{{ slug }}",
    broker=settings.redis_url,
    backend=settings.redis_url,
)
{%- endif %}
# The reliability policy: a task is acknowledged only once it has run, and re-queued if its
# worker dies; each worker process takes one task at a time.
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
            "task": "{{ slug }}.tasks.heartbeat",
            "schedule": 60.0,
        },
    },
    timezone="UTC",
)
{%- if django %}
app.autodiscover_tasks()
{%- else %}
app.autodiscover_tasks(["{{ slug }}"])
{%- endif %}
{%- if sqlalchemy %}


@worker_process_init.connect
def open_fresh_connections(**_) -> None:
    """Each worker process opens its own database connections, never its parent's."""
    from .db import engine

    engine.dispose(close=False)
{%- endif %}


class HeartbeatScheduler(PersistentScheduler):
    """The default scheduler, plus a heartbeat file the beat health check can read."""

    def tick(self, *args, **kwargs):
        BEAT_HEARTBEAT_FILE.touch()
        return super().tick(*args, **kwargs)
