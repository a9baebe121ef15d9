"""The development and production compose files bring every service up healthy, and /ready
follows PostgreSQL and Redis going down and coming back without restarting the app."""

from __future__ import annotations

import pytest

from ..conftest import combo_params
from .conftest import wait_for
from .stacks import Stack
from .test_image import IMAGE_COMBOS

pytestmark = pytest.mark.docker

COMPOSE_COMBOS = [c for c in IMAGE_COMBOS if c.use_postgres or c.redis]


@pytest.fixture(params=["compose.yaml", "compose.prod.yaml"])
def stack(request, build):
    def _up(combo) -> Stack:
        s = Stack(build(combo), request.param)
        request.addfinalizer(lambda: s.compose("down", "--volumes", "--timeout", "5", check=False))
        # --build for the dev file (its own target); production runs the image already built.
        s.up(*(["--build"] if request.param == "compose.yaml" else []))
        return s

    return _up


@pytest.mark.parametrize("combo", combo_params(COMPOSE_COMBOS))
def test_stack_is_healthy_and_ready_follows_its_dependencies(stack, combo):
    s = stack(combo)
    services = s.compose("config", "--services").stdout.split()
    for service in set(services) - {"migrate"}:
        assert s.state(service).get("Health", {}).get("Status") == "healthy", service
    assert s.get("/ready")[0] == 200

    web_started = s.state("web")["StartedAt"]
    for dependency in [d for d in ("postgres", "redis") if d in services]:
        s.compose("stop", "--timeout", "5", dependency)
        # A bound for a shared, noisy machine; the real figure is in benchmarks/.
        _, body = wait_for(lambda: (r := s.get("/ready"))[0] == 503 and r, 15, 0.1) or (0, {})
        assert body.get("failed") == [dependency], f"/ready did not report {dependency} down: {body}"

        s.compose("start", dependency)
        assert wait_for(lambda: s.get("/ready")[0] == 200, 60, 0.5), f"{dependency} did not come back"
    assert s.state("web")["StartedAt"] == web_started, "the app was restarted"


@pytest.mark.parametrize("combo", combo_params([c for c in COMPOSE_COMBOS if c.use_celery]))
def test_celery_worker_runs_a_task_sent_from_the_app(stack, combo):
    s = stack(combo)
    for service in ("worker", "beat"):
        assert s.state(service)["Health"]["Status"] == "healthy", service
    code = f"from {combo.slug}.tasks import add; print(add.delay(2, 3).get(timeout=30))"
    # Django code runs once Django is set up, as in its own shell.
    django_shell = ["python", "manage.py", "shell", "--verbosity", "0", "-c"]
    shell = django_shell if combo.framework == "django" else ["python", "-c"]
    result = s.compose("exec", "-T", "web", *shell, code, timeout=60)
    assert result.stdout.strip() == "5"
    worker_logs = s.compose("logs", "--no-color", "worker").stdout
    assert f"{combo.slug}.tasks.add" in worker_logs and "succeeded" in worker_logs
