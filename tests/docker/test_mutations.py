"""The mutations only a running engine can catch: each docker test named must fail when run
against the mutated template (and passes on the real one in this same docker run)."""

from __future__ import annotations

import sys
import uuid

import pytest

from ..combos import TEMPLATE_DIR
from ..mutation_runner import mutated_template
from ..mutations import MUTATIONS, Mutation
from ..tools import run

pytestmark = pytest.mark.docker

DOCKER = [pytest.param(m, id=m.id) for m in MUTATIONS if m.docker]


@pytest.mark.parametrize("mutation", DOCKER)
def test_docker_mutation_is_caught(engine, tmp_path, mutation: Mutation):
    template = mutated_template(mutation, tmp_path / "template")
    args = [sys.executable, "-m", "pytest", mutation.docker, "--template", str(template)]
    args += ["-p", "no:cacheprovider", "--basetemp", str(tmp_path / "session"), "-q"]
    # A missing engine must fail, not skip; own image tags, so the outer session's stay intact.
    env = {"REQUIRE_DOCKER": "1", "DOCKER_TEST_TAG_PREFIX": f"cps-mutant-{uuid.uuid4().hex[:8]}"}
    proc = run(args, TEMPLATE_DIR, env, timeout=1200)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
    # Exit code 1: tests ran and failed. 0 is a survivor; 2-5 mean it never ran (bad node id, ...).
    assert proc.returncode == 1 and "1 failed" in summary, f"{mutation.id} survived or did not run: {summary}"
