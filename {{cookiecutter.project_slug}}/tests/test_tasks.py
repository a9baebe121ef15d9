"""The example Celery tasks run, and the reliability policy holds; the worker itself is
exercised by the docker tests."""

import os
import time

import pytest

from {{ cookiecutter.project_slug }} import healthcheck
from {{ cookiecutter.project_slug }}.celery_app import BrokerHeartbeat, app, touch_if_broker_answers
from {{ cookiecutter.project_slug }}.tasks import add, heartbeat


def test_add_task_returns_the_sum():
    assert add.apply(args=(2, 3)).get(timeout=5) == 5


def test_heartbeat_task_reports_ok():
    assert heartbeat.apply().get(timeout=5) == "ok"


def test_a_task_is_acknowledged_only_after_it_ran_and_requeued_if_its_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_a_killed_workers_task_returns_after_the_visibility_timeout_not_before_the_time_limit():
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert app.conf.task_time_limit + 30 <= visibility <= 3600
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_a_stopping_worker_gives_running_tasks_a_soft_shutdown_then_requeues_them():
    assert 0 < app.conf.worker_soft_shutdown_timeout < 60
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is True


def test_the_worker_runs_the_broker_heartbeat_step():
    assert BrokerHeartbeat in app.steps["worker"]


def test_no_heartbeat_while_the_broker_does_not_answer(tmp_path, monkeypatch):
    monkeypatch.setitem(healthcheck.HEARTBEAT_FILES, "worker", tmp_path / "worker")
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")  # nothing listens there
    assert touch_if_broker_answers("worker") is False
    assert not (tmp_path / "worker").exists()


@pytest.mark.parametrize("role", ["worker", "beat"])
def test_a_role_is_healthy_only_while_its_heartbeat_is_fresh(role, tmp_path, monkeypatch):
    path = tmp_path / role
    monkeypatch.setitem(healthcheck.HEARTBEAT_FILES, role, path)
    assert healthcheck.main([role]) == 1, "no heartbeat yet"
    path.touch()
    assert healthcheck.main([role]) == 0
    stale = time.time() - healthcheck.HEARTBEAT_MAX_AGE - 1
    os.utime(path, (stale, stale))
    assert healthcheck.main([role]) == 1
