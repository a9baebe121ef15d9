"""The production server's settings: gunicorn_conf.py, read with `ast`."""

from __future__ import annotations

from .project import Project, seconds
from .registry import GUNICORN, promise

DOCKER_DEFAULT_STOP_GRACE = 10.0


@promise(applies=GUNICORN)
def gunicorn_drains_within_the_stop_grace(project: Project):
    """gunicorn's graceful_timeout ends before Docker's stop grace (web's stop_grace_period, default 10 s)."""
    graceful = project.literals("gunicorn_conf").get("graceful_timeout")
    web = project.prod["services"]["web"]
    grace = seconds(web.get("stop_grace_period")) or DOCKER_DEFAULT_STOP_GRACE
    assert isinstance(graceful, int | float), f"gunicorn_conf.py sets no literal graceful_timeout: {graceful!r}"
    assert graceful < grace, f"graceful_timeout {graceful}s >= the stop grace {grace}s: SIGKILL cuts requests"


@promise(applies=GUNICORN)
def gunicorn_writes_nothing_to_the_root_filesystem(project: Project):
    """gunicorn keeps its worker heartbeat files in /dev/shm: the root filesystem is read-only."""
    tmp_dir = project.literals("gunicorn_conf").get("worker_tmp_dir")
    assert tmp_dir == "/dev/shm", f"gunicorn_conf.py: worker_tmp_dir={tmp_dir!r}"
