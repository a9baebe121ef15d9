"""Web workers: one per CPU of the container's limit (its cgroup), unless WEB_CONCURRENCY says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from {{ cookiecutter.project_slug }} import entrypoint
from {{ cookiecutter.project_slug }}.config import ConfigError
from {{ cookiecutter.project_slug }}.cpu import cpu_limit, usable_cpus, web_concurrency


def cgroup(root: Path, **files: str) -> Path:
    """A fake /sys/fs/cgroup: cpu_max= for v2's cpu.max, quota= and period= for v1's CFS files."""
    names = {"cpu_max": "cpu.max", "quota": "cpu/cpu.cfs_quota_us", "period": "cpu/cpu.cfs_period_us"}
    for key, content in files.items():
        path = root / names[key]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content + "\n")
    return root


def test_one_worker_for_a_one_cpu_limit(tmp_path):
    assert web_concurrency({}, cgroup(tmp_path, cpu_max="100000 100000")) == 1


def test_a_fractional_limit_rounds_up_within_the_usable_cpus(tmp_path):
    assert cpu_limit(cgroup(tmp_path, cpu_max="150000 100000")) == 1.5
    assert web_concurrency({}, tmp_path) == min(usable_cpus(), 2)


def test_less_than_a_cpu_still_runs_one_worker(tmp_path):
    assert web_concurrency({}, cgroup(tmp_path, cpu_max="25000 100000")) == 1


def test_no_limit_runs_one_worker_per_usable_cpu(tmp_path):
    assert cpu_limit(cgroup(tmp_path, cpu_max="max 100000")) is None
    assert web_concurrency({}, tmp_path) == usable_cpus()


def test_cgroup_v1_quota_counts_too(tmp_path):
    assert web_concurrency({}, cgroup(tmp_path, quota="100000", period="100000")) == 1
    assert cpu_limit(cgroup(tmp_path / "unlimited", quota="-1", period="100000")) is None


def test_web_concurrency_overrides_the_limit(tmp_path):
    assert web_concurrency({"WEB_CONCURRENCY": "3"}, cgroup(tmp_path, cpu_max="100000 100000")) == 3


def test_an_empty_web_concurrency_means_the_limit(tmp_path):
    assert web_concurrency({"WEB_CONCURRENCY": ""}, cgroup(tmp_path, cpu_max="100000 100000")) == 1


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_bad_web_concurrency_is_one_line_naming_it(tmp_path, value):
    with pytest.raises(ConfigError, match="WEB_CONCURRENCY must be a whole number"):
        web_concurrency({"WEB_CONCURRENCY": value}, tmp_path)


def test_the_entrypoint_refuses_a_bad_web_concurrency_before_any_command(monkeypatch, capsys):
    monkeypatch.setenv("WEB_CONCURRENCY", "zero")
    monkeypatch.setattr(os, "execvp", lambda *args: pytest.fail(f"exec'd {args}"))
    assert entrypoint.main(["true"]) == 1
    assert "WEB_CONCURRENCY must be a whole number" in capsys.readouterr().err


def test_the_entrypoint_sets_web_concurrency_for_the_server(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    ran = []
    monkeypatch.setattr(os, "execvp", lambda *args: ran.append(args))
    assert entrypoint.main(["true"]) == 0
    assert ran == [("true", ["true"])]
    assert os.environ["WEB_CONCURRENCY"] == str(web_concurrency({}))
