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


@promise(applies=GUNICORN)
def gunicorn_has_no_control_socket(project: Project):
    """gunicorn's control socket is disabled: it would be written under $HOME, on the read-only root."""
    disabled = project.literals("gunicorn_conf").get("control_socket_disable")
    assert disabled is True, f"gunicorn_conf.py: control_socket_disable={disabled!r}"


SECRET_MINIMUMS = {"SECRET_KEY": 50, "POSTGRES_PASSWORD": 16, "REDIS_PASSWORD": 16}


@promise()
def production_refuses_short_secrets(project: Project):
    """Production demands long secrets: SECRET_KEY 50 characters (as Django's deploy check), passwords 16."""
    minimums = project.literals("config").get("SECRET_MIN_LENGTH")
    expected = {
        name: length
        for name, length in SECRET_MINIMUMS.items()
        if (name == "SECRET_KEY" and project.combo.framework != "fastapi")
        or (name == "POSTGRES_PASSWORD" and project.combo.use_postgres)
        or (name == "REDIS_PASSWORD" and project.combo.redis)
    }
    assert isinstance(minimums, dict), f"config.py: SECRET_MIN_LENGTH={minimums!r}"
    short = {name: minimums.get(name) for name, length in expected.items() if (minimums.get(name) or 0) < length}
    assert not short, f"config.py accepts short secrets in production: {short}"
