"""Every mutation in tests/mutations.py is caught by the promises it names; the runner itself
reports an edit that survives, and the list cannot rot silently."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from .combos import TEMPLATE_DIR, Combo
from .mutation_runner import Verdict, combos_for, run_mutation
from .mutations import DJANGO, FASTAPI, MUTATIONS, Mutation, edit
from .promises import PROMISES, Promise, When

STATIC = [pytest.param(m, id=m.id) for m in MUTATIONS if not m.docker]


@pytest.fixture(scope="session")
def bake(render, cookies_session):
    """bake(template, combo): the session's render of the real template (None), or a fresh one of a copy."""

    def _bake(template: Path | None, combo: Combo) -> Path:
        if template is None:
            return render(combo)
        result = cookies_session.bake(extra_context=combo.extra_context(), template=str(template))
        assert result.exit_code == 0, f"{combo.id} from {template}: {result.exception}"
        return Path(result.project_path)

    return _bake


@pytest.mark.parametrize("mutation", STATIC)
def test_mutation_is_caught(bake, tmp_path, mutation: Mutation):
    verdict = run_mutation(mutation, bake, tmp_path)
    assert verdict.killed, verdict.describe()


def test_mutation_list_is_well_formed():
    ids = [m.id for m in MUTATIONS]
    assert len(ids) == len(set(ids)), "mutation ids must be unique"
    for m in MUTATIONS:
        assert bool(m.promises) != bool(m.docker), f"{m.id}: name promises or a docker test, not both"
        assert set(m.promises) <= set(PROMISES), f"{m.id}: unknown promises {set(m.promises) - set(PROMISES)}"
        assert m.breaks and "\n" not in m.breaks, f"{m.id}: say in one line what it breaks"
        # Applied to the real template: the text is still there, exactly where the entry says.
        assert edit((TEMPLATE_DIR / m.template_path).read_text(), m) != (TEMPLATE_DIR / m.template_path).read_text()
        if m.promises:
            combos_for(m)


def test_every_promise_is_proven_able_to_fail():
    caught_by = {name for m in MUTATIONS for name in m.promises}
    untested = sorted(set(PROMISES) - caught_by)
    assert not untested, f"promises no mutation shows failing (add one to tests/mutations.py): {untested}"


# ---- the runner's own tests ----

HARMLESS = Mutation(
    "harmless-comment",
    "compose.prod.yaml",
    "# Production: self-contained",
    "# Production (an edit that breaks nothing): self-contained",
    breaks="nothing",
    caught_by=("compose.prod_app_read_only_root", "compose.prod_restart_unless_stopped"),
)


def test_runner_reports_a_harmless_edit_as_surviving(bake, tmp_path):
    verdict = run_mutation(HARMLESS, bake, tmp_path)
    assert not verdict.killed
    assert verdict.survived == [FASTAPI.id] and not verdict.caught and not verdict.problems
    assert "SURVIVED" in verdict.describe()


def test_runner_stops_when_the_text_is_gone():
    gone = replace(HARMLESS, find="# a line the template does not have")
    with pytest.raises(AssertionError, match="no longer contains"):
        edit((TEMPLATE_DIR / gone.template_path).read_text(), gone)
    ambiguous = replace(HARMLESS, find="cap_drop")
    with pytest.raises(AssertionError, match="set `occurrence`"):
        edit((TEMPLATE_DIR / ambiguous.template_path).read_text(), ambiguous)


def test_runner_does_not_count_a_promise_that_already_fails(bake, tmp_path):
    def always_fails(project):
        """Fails on every render."""
        raise AssertionError("broken before any mutation")

    promises = {**PROMISES, "test.always_fails": Promise("test.always_fails", always_fails, When("all", bool))}
    breaking = next(m for m in MUTATIONS if m.id == "prod-read-only-removed")
    verdict: Verdict = run_mutation(replace(breaking, caught_by="test.always_fails"), bake, tmp_path, promises)
    assert not verdict.killed
    assert any("already fails on the real render" in p for p in verdict.problems), verdict.describe()


def test_runner_reports_an_edit_the_render_never_reaches(bake, tmp_path):
    django_only = next(m for m in MUTATIONS if m.id == "prod-secret-key-default")
    assert django_only.combos == (DJANGO,)
    verdict = run_mutation(replace(django_only, combos=(FASTAPI,)), bake, tmp_path)
    assert not verdict.killed
    assert verdict.problems == [f"the edit does not change the render of {FASTAPI.id}: name `combos` it reaches"]
