"""Every promise the READMEs make holds for every combination it applies to.

A promise is a named check over the resolved configuration of a rendered project (see
tests/promises/). Each (promise, combination) pair is one test, named after both; the xdist
group keeps a combination on one worker, so it is rendered and resolved once.
"""

from __future__ import annotations

import pytest

from .combos import ALL_COMBOS
from .kubernetes import distinct_manifest_combos
from .promises import PROMISES, project
from .promises.readme import README, readme_block, table

PARAMS = [
    pytest.param(promise, combo, id=f"{promise.name}-{combo.id}", marks=pytest.mark.xdist_group(combo.id))
    for combo in [*ALL_COMBOS, *distinct_manifest_combos()]
    for promise in PROMISES.values()
    if promise.applies(combo) and promise.applies.kubernetes == combo.use_kubernetes
]


@pytest.mark.parametrize(("promise", "combo"), PARAMS)
def test_promise_holds(render, promise, combo):
    promise.check(project(render(combo), combo))


def test_readme_lists_every_promise_and_the_test_that_proves_it():
    assert readme_block(README.read_text()) == table(), "README.md's promise table is stale: python -m tests.promises"
