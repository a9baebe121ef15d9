"""No task is lost to a fault, on the production stack (Django, PostgreSQL, Redis, Celery):
a worker SIGKILLed mid-task (as the OOM killer does), a worker stopped during a task longer
than its grace, Redis restarted or SIGKILLed under traffic, Redis gone for the health checks.

The image gets one extra task for the test, `faults.record`, which appends "started", sleeps,
then appends "done" to a Redis list: how often a task started and whether it finished can be
read from outside. The stack runs with short, consistent limits (POLICY) so the bounds stay small;
compose.prod.yaml's defaults keep the same relations (tests/promises/compose.py).
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest

from ..combos import Combo
from .conftest import TAG_PREFIX, Built, docker, health_status, wait_for
from .stacks import Stack

pytestmark = pytest.mark.docker

COMBO = Combo("django", "3.13", use_postgres=True, use_redis=True, use_celery=True)
# Consistent as config.py demands: visibility >= limit + 30; soft shutdown well inside the grace.
POLICY = {"CELERY_TASK_TIME_LIMIT": "12", "CELERY_VISIBILITY_TIMEOUT": "42", "CELERY_SOFT_SHUTDOWN_TIMEOUT": "3"}
STOP_GRACE = 8
RECORD_TASK = """

import time as _time

from redis import Redis as _Redis


@app.task(name="faults.record")
def record(key: str, seconds: float) -> str:
    client = _Redis.from_url(app.conf.broker_url)
    client.rpush(key, "started")
    _time.sleep(seconds)
    client.rpush(key, "done")
    return "done"
"""


@pytest.fixture(scope="module")
def stack(build, tmp_path_factory):
    """The production stack of COMBO, built with the recording task, up with POLICY."""
    plain = build(COMBO)
    project = Path(shutil.copytree(plain.project, tmp_path_factory.mktemp("faults") / COMBO.slug))
    with (project / COMBO.slug / "tasks.py").open("a") as tasks:
        tasks.write(RECORD_TASK)
    tag = f"{TAG_PREFIX}/{COMBO.slug}-faults:latest"
    proc = docker("build", "--progress=plain", "-t", tag, ".", cwd=project, timeout=900)
    s = Stack(Built(COMBO, project, tag, proc.stderr), "compose.prod.yaml")
    s.env.update(POLICY)
    s.up()
    yield s
    s.compose("down", "--volumes", "--timeout", "5", check=False)
    docker("image", "rm", "-f", tag, check=False)


def send(stack: Stack, key: str, seconds: float, count: int = 1) -> None:
    """Queue `count` recording tasks from the web container, as the app would."""
    code = (
        f"from {COMBO.slug}.celery_app import app\n"
        f"for i in range({count}):\n"
        f"    app.send_task('faults.record', args=[{key!r} + (str(i) if {count} > 1 else ''), {seconds}])\n"
    )
    shell = ["python", "manage.py", "shell", "--verbosity", "0", "-c", code]
    stack.compose("exec", "-T", "web", *shell, timeout=90)


def redis_cli(stack: Stack, *command: str) -> list[str]:
    """A redis-cli command in the Redis container (it authenticates from its environment)."""
    proc = stack.compose("exec", "-T", "redis", "redis-cli", "--no-auth-warning", *command, check=False)
    return proc.stdout.split() if proc.returncode == 0 else []


def events(stack: Stack, key: str) -> list[str]:
    """What the task recorded under `key`."""
    return redis_cli(stack, "LRANGE", key, "0", "-1")


def queued_and_unacked(stack: Stack) -> tuple[int, int]:
    """(messages waiting in Celery's queue, messages a worker took and has not acknowledged)."""
    return int(redis_cli(stack, "LLEN", "celery")[0]), int(redis_cli(stack, "HLEN", "unacked")[0])


def sigkill_from_outside(stack: Stack, service: str) -> None:
    """SIGKILL the service's main process as the kernel's OOM killer would: Docker restarts it."""
    pid = stack.inspect(service, ".State.Pid")
    assert pid, f"{service} is not running"
    os.kill(pid, signal.SIGKILL)


def key() -> str:
    return f"fault-{uuid.uuid4().hex[:8]}"


def test_a_task_whose_worker_is_sigkilled_runs_again_and_completes_within_two_minutes(stack):
    k = key()
    send(stack, k, 5)
    assert wait_for(lambda: events(stack, k) == ["started"], 30), "the task never started"
    killed = time.monotonic()
    sigkill_from_outside(stack, "worker")
    assert queued_and_unacked(stack) == (0, 1), "the killed worker's task should wait, unacknowledged, in Redis"
    assert wait_for(lambda: events(stack, k)[-1:] == ["done"], 120, 1), f"not run again: {events(stack, k)}"
    elapsed = time.monotonic() - killed
    assert events(stack, k) == ["started", "started", "done"], events(stack, k)
    assert stack.inspect("worker", ".RestartCount") >= 1, "Docker did not restart the killed worker"
    visibility = POLICY["CELERY_VISIBILITY_TIMEOUT"]
    print(f"re-run completed {elapsed:.0f} s after the SIGKILL (visibility timeout {visibility} s)")


def test_a_task_longer_than_the_stop_grace_is_requeued_and_completes_after_the_worker_starts(stack):
    assert wait_for(lambda: health_status(stack.container("worker")) == "healthy", 60), "worker not healthy"
    k = key()
    task_seconds = STOP_GRACE + 1
    send(stack, k, task_seconds)
    assert wait_for(lambda: events(stack, k) == ["started"], 30), "the task never started"
    stack.compose("stop", "--timeout", str(STOP_GRACE), "worker", timeout=60)
    state = stack.state("worker")
    assert events(stack, k) == ["started"], "the task finished within the grace: make it longer"
    assert state["ExitCode"] != 128 + signal.SIGKILL, f"the worker outlived its grace and was SIGKILLed: {state}"
    # Back in the queue at once, not left unacknowledged until the visibility timeout.
    assert queued_and_unacked(stack) == (1, 0), "the soft shutdown did not re-queue the task"
    started = time.monotonic()
    stack.compose("start", "worker")
    assert wait_for(lambda: events(stack, k).count("started") == 2, 60, 0.5), events(stack, k)
    print(f"re-queued task started again {time.monotonic() - started:.1f} s after the worker started")
    assert wait_for(lambda: events(stack, k)[-1:] == ["done"], task_seconds + 30, 1), events(stack, k)


def test_tasks_sent_while_redis_restarts_all_run(stack):
    k = key()
    sender = threading.Thread(target=send, args=(stack, k + "-during-", 0, 5))
    send(stack, k + "-before-", 0, 5)
    restart = threading.Thread(target=stack.compose, args=("restart", "redis"), kwargs={"timeout": 60})
    restart.start()
    time.sleep(0.5)
    sender.start()
    restart.join()
    sender.join()
    names = [f"{k}-{when}-{i}" for when in ("before", "during") for i in range(5)]
    done = wait_for(lambda: all(events(stack, name) == ["started", "done"] for name in names), 90, 1)
    assert done, {name: events(stack, name) for name in names}


def test_tasks_queued_before_redis_is_sigkilled_all_run(stack):
    k = key()
    stack.compose("stop", "worker", timeout=90)
    send(stack, k + "-queued-", 0, 5)
    restarts = stack.inspect("redis", ".RestartCount")
    sigkill_from_outside(stack, "redis")
    back = wait_for(
        lambda: (
            stack.inspect("redis", ".RestartCount") > restarts and health_status(stack.container("redis")) == "healthy"
        ),
        60,
    )
    assert back, "Redis did not come back"
    stack.compose("start", "worker")
    names = [f"{k}-queued-{i}" for i in range(5)]
    done = wait_for(lambda: all(events(stack, name) == ["started", "done"] for name in names), 90, 1)
    assert done, {name: events(stack, name) for name in names}


def test_worker_and_beat_turn_unhealthy_within_45_s_of_redis_stopping_and_recover(stack):
    for service in ("worker", "beat"):
        assert wait_for(lambda s=service: health_status(stack.container(s)) == "healthy", 60), service
    stack.compose("stop", "redis", timeout=60)
    stopped = time.monotonic()
    unhealthy_after = {}
    while len(unhealthy_after) < 2 and time.monotonic() - stopped < 60:
        for service in ("worker", "beat"):
            if service not in unhealthy_after and health_status(stack.container(service)) == "unhealthy":
                unhealthy_after[service] = time.monotonic() - stopped
        time.sleep(0.5)
    stack.compose("start", "redis")
    assert set(unhealthy_after) == {"worker", "beat"}, f"still healthy 60 s after Redis stopped: {unhealthy_after}"
    assert max(unhealthy_after.values()) <= 45, unhealthy_after
    print(f"unhealthy after {unhealthy_after} s")
    for service in ("worker", "beat"):
        assert wait_for(lambda s=service: health_status(stack.container(s)) == "healthy", 90, 1), (
            f"{service} stays down"
        )
