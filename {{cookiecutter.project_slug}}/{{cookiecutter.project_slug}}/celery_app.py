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
import time

from celery import Celery, bootsteps
from celery.beat import PersistentScheduler
{%- if sqlalchemy %}
from celery.signals import setup_logging, worker_process_init
{%- else %}
from celery.signals import setup_logging
{%- endif %}
from redis import Redis

from . import logs
from .config import settings as config
from .healthcheck import HEARTBEAT_EVERY, HEARTBEAT_FILES

# Liveness without a broker round trip per probe: the worker and beat touch a heartbeat file
# while they reach the broker; their health checks read its age (healthcheck.py).
BROKER_PING_TIMEOUT = 3
{%- if django %}

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ slug }}.settings")
app = Celery("{{ slug }}")
# Broker and result backend come from settings.py (CELERY_BROKER_URL, ...).
app.config_from_object("django.conf:settings", namespace="CELERY")
{%- else %}

app = Celery(
    "{{ slug }}",
    broker=config.redis_url,
    backend=config.redis_url,
)
{%- endif %}
# The reliability policy. A task is acknowledged only once it has run, and each worker process
# takes one at a time. A task a killed worker held goes back to the queue after the visibility
# timeout, which config.py keeps above the hard time limit. On `docker stop` (SIGTERM, remapped
# to SIGQUIT by the entrypoint) running tasks get the soft shutdown timeout to finish, then go
# back to the queue at once; compose's stop_grace_period is longer than that timeout.
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=3600,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_time_limit=config.celery_task_time_limit,
    task_soft_time_limit=int(config.celery_task_time_limit * 0.9),
    broker_transport_options={"visibility_timeout": config.celery_visibility_timeout},
    worker_soft_shutdown_timeout=config.celery_soft_shutdown_timeout,
    worker_cancel_long_running_tasks_on_connection_loss=True,
    # A publish while Redis restarts waits for it (about 15 s) instead of failing the request.
    task_publish_retry_policy={
        "max_retries": 10,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 2,
    },
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,
    worker_hijack_root_logger=False,
    beat_max_loop_interval=HEARTBEAT_EVERY,
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


@setup_logging.connect
def log_like_the_app(**_) -> None:
    """The worker's and beat's lines in the service's format: one JSON object each in production."""
    logs.configure(config.log_format, config.log_level)
{%- if sqlalchemy %}


@worker_process_init.connect
def open_fresh_connections(**_) -> None:
    """Each worker process opens its own database connections, never its parent's."""
    from .db import engine

    engine.dispose(close=False)
{%- endif %}


def touch_if_broker_answers(role: str) -> bool:
    """Touch the role's heartbeat file if the broker answers a PING in time."""
    client = Redis.from_url(
        app.conf.broker_url, socket_timeout=BROKER_PING_TIMEOUT, socket_connect_timeout=BROKER_PING_TIMEOUT
    )
    try:
        client.ping()
    except Exception:  # noqa: BLE001 - any failure: no heartbeat, the health check sees its age
        return False
    finally:
        client.close()
    HEARTBEAT_FILES[role].touch()
    return True


class BrokerHeartbeat(bootsteps.StartStopStep):
    """Runs on the worker consumer's own timer: a stuck consumer stops the heartbeat too."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.entry = None

    def start(self, worker):
        touch_if_broker_answers("worker")
        self.entry = worker.timer.call_repeatedly(HEARTBEAT_EVERY, touch_if_broker_answers, ("worker",))

    def stop(self, worker):
        if self.entry is not None:
            self.entry.cancel()


app.steps["worker"].add(BrokerHeartbeat)


class HeartbeatScheduler(PersistentScheduler):
    """The default scheduler, plus a heartbeat file written while the broker answers."""

    last_heartbeat = 0.0

    def tick(self, *args, **kwargs):
        due = time.monotonic() - self.last_heartbeat >= HEARTBEAT_EVERY
        if due and touch_if_broker_answers("beat"):
            self.last_heartbeat = time.monotonic()
        return super().tick(*args, **kwargs)
