"""The rendered Makefile: the everyday targets, each of which dry-runs, for every combination.

The covering projects really run `make test` and `make lint` in test_project_suite.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .combos import Combo
from .conftest import ALL
from .tools import assert_ok, run, tool

EVERYDAY_TARGETS = {"help", "up", "down", "logs", "test", "lint", "fmt", "build", "pull", "shell", "lock"}


def phony_targets(project: Path) -> set[str]:
    phony_lines = re.findall(r"^\.PHONY:(.*)$", (project / "Makefile").read_text(), re.M)
    return {target for line in phony_lines for target in line.split()}


@pytest.mark.parametrize("combo", ALL)
def test_makefile_offers_the_everyday_targets_migrate_with_a_database_and_manage_for_django(render, combo: Combo):
    expected = set(EVERYDAY_TARGETS)
    if combo.use_postgres:
        expected.add("migrate")  # only where there is a database to migrate
    if combo.framework == "django":
        expected.add("manage")
    assert phony_targets(render(combo)) == expected


@pytest.mark.parametrize("combo", ALL)
def test_every_make_target_dry_runs_and_help_lists_it(render, combo: Combo):
    project = render(combo)
    make = tool("make")
    targets = phony_targets(project)
    for target in sorted(targets):
        assert_ok(run([make, "--dry-run", target], project), f"make -n {target}")
    listed = run([make], project)
    assert_ok(listed, "make (help)")
    assert set(re.findall(r"^  make (\w+) ", listed.stdout, re.M)) == targets
    readme = (project / "README.md").read_text()
    assert {t for t in targets - {"help"} if f"`make {t}" not in readme} == set(), "README misses a target"
