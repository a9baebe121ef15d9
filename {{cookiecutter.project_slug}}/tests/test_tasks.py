"""The example Celery task runs; the worker itself is exercised by the docker tests."""

from {{ cookiecutter.project_slug }}.tasks import add, heartbeat


def test_add_task_returns_the_sum():
    assert add.apply(args=(2, 3)).get(timeout=5) == 5


def test_heartbeat_task_reports_ok():
    assert heartbeat.apply().get(timeout=5) == "ok"
