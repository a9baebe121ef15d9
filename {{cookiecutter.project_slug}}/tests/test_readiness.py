"""/ready stays cheap and bounded: one deadline for all checks, run concurrently; one run
serves concurrent callers; the answer is cached; a hung check is not started twice."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from {{ cookiecutter.project_slug }} import checks
from {{ cookiecutter.project_slug }}.config import load_settings


@pytest.fixture
def settings():
    return load_settings({"READINESS_TIMEOUT": "0.5"})


class Counting:
    """A check that counts its runs, sleeps, then answers `result`."""

    def __init__(self, sleep: float = 0.0, result: str | None = None, gate: threading.Event | None = None):
        self.runs, self.sleep, self.result, self.gate = 0, sleep, result, gate

    def __call__(self, settings) -> str | None:
        self.runs += 1
        time.sleep(self.sleep)
        if self.gate:
            self.gate.wait(10)
        return self.result


def test_checks_run_concurrently_under_one_deadline(settings, monkeypatch):
    monkeypatch.setattr(checks, "CHECKS", {"a": Counting(0.3), "b": Counting(0.3), "c": Counting(0.3)})
    started = time.monotonic()
    status, body = checks.readiness(settings)
    elapsed = time.monotonic() - started
    assert (status, body["status"]) == (200, "ready")
    assert elapsed < 0.5, f"three 0.3 s checks took {elapsed:.2f} s: they ran one after another"


def test_a_hung_check_is_reported_down_at_the_deadline_and_not_started_again(settings, monkeypatch):
    gate = threading.Event()
    hung = Counting(gate=gate)
    monkeypatch.setattr(checks, "CHECKS", {"hung": hung, "fine": Counting()})
    try:
        started = time.monotonic()
        status, body = checks.readiness(settings)
        assert time.monotonic() - started < 0.5 + 0.3, "the deadline was not kept"
        assert status == 503 and body["failed"] == ["hung"]
        assert body["checks"] == {"hung": "no answer within 0.5s", "fine": "ok"}
        checks.forget()
        assert checks.readiness(settings)[0] == 503
        assert hung.runs == 1, "a check still running was started again"
    finally:
        gate.set()


def test_concurrent_callers_share_one_run(settings, monkeypatch):
    check = Counting(0.2)
    monkeypatch.setattr(checks, "CHECKS", {"slow": check})
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: checks.readiness(settings)[0], range(20)))
    assert answers == [200] * 20
    assert check.runs == 1, f"20 concurrent calls ran the check {check.runs} times"


def test_the_answer_is_cached_for_a_moment_then_checked_again(settings, monkeypatch):
    check = Counting()
    monkeypatch.setattr(checks, "CHECKS", {"dep": check})
    for _ in range(5):
        checks.readiness(settings)
    assert check.runs == 1
    assert 0 < checks.CACHE_SECONDS <= 5
    time.sleep(checks.CACHE_SECONDS + 0.05)
    checks.readiness(settings)
    assert check.runs == 2


def test_a_caller_arriving_during_a_run_gets_the_previous_answer_without_waiting(settings, monkeypatch):
    gate = threading.Event()
    monkeypatch.setattr(checks, "CHECKS", {"dep": Counting()})
    assert checks.readiness(settings)[0] == 200
    monkeypatch.setattr(checks, "CHECKS", {"dep": Counting(gate=gate)})
    time.sleep(checks.CACHE_SECONDS + 0.05)
    try:
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(checks.readiness, settings)  # starts a run that hangs
            time.sleep(0.1)
            started = time.monotonic()
            assert checks.readiness(settings)[0] == 200, "not the previous answer"
            assert time.monotonic() - started < 0.1, "the second caller waited for the run"
            assert first.result()[0] == 503
    finally:
        gate.set()


def test_a_check_that_raises_is_reported_down_by_its_exception(settings, monkeypatch):
    def broken(settings):
        raise RuntimeError("boom")

    monkeypatch.setattr(checks, "CHECKS", {"broken": broken})
    status, body = checks.readiness(settings)
    assert (status, body["checks"]) == (503, {"broken": "RuntimeError"})
