"""Hypothesis budgets, and the strategies for the answers people type.

The static suite runs the "ci" profile: a fixed seed (derandomize) and a small, fixed number of
examples per test, `examples()` (8) for each test that renders and lints a whole project, a
multiple of it for the cheap filter checks. Maintainers run the "thorough" profile by hand
(200 examples per rendering test, a random seed, failures kept in .hypothesis/):

    HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest -n 2 \
        tests/test_answers_property.py tests/test_template_extension.py
"""

from __future__ import annotations

import os
import unicodedata

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
# No "explain" phase: it re-runs a failing example many times, each a whole render.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]
COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "phases": PHASES}
settings.register_profile("ci", max_examples=8, derandomize=True, database=None, print_blob=True, **COMMON)
settings.register_profile("thorough", max_examples=200, **COMMON)
settings.load_profile(PROFILE)


def examples(factor: int = 1) -> settings:
    """The profile's settings with `factor` times its examples."""
    return settings(max_examples=settings.default.max_examples * factor)


# Pieces people type, and pieces that broke a render once.
TRICKY = [
    '"', "'", "\\", "`", "$HOME", "${BASE_IMAGE}", "$", "{{", "}}", "{%", "%}", "{#", "#}", "{app}",
    "# ", "1. ", "- ", "* ", "> ", "```", "<!--", "<b>", "&amp;", "|", "~~", "_", "[x](y)", "=", "---",
    "syntax=docker/dockerfile:1", "escape=`", " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1b",
    "\x00", "\x7f", "\x85", "\u2028", "\u200b", "\ufeff", "\u202e", "\xa0", "\u3000", "ü", "東京",
    "\u2013", "\u0430", "\U0001f600", "\uff18", "\\u00e9", "\\n", "x" * 120, "word " * 30,
]  # fmt: skip
FORBIDDEN_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}


def free_text() -> st.SearchStrategy[str]:
    """Any text, half of it free of what is refused, so that most examples render."""
    printable = st.characters(exclude_categories=sorted(FORBIDDEN_CATEGORIES))
    pieces = st.one_of(st.sampled_from(TRICKY), st.text(max_size=6))
    tame_pieces = st.one_of(
        st.sampled_from([p for p in TRICKY if acceptable_text(p.strip() or "x")]), st.text(printable, max_size=6)
    )
    return st.one_of(
        st.lists(tame_pieces, min_size=1, max_size=12).map("".join),
        st.text(printable, min_size=1, max_size=200),
        st.lists(pieces, max_size=12).map("".join),
        st.text(max_size=200),
    )


def acceptable_text(value: str) -> bool:
    """README's rule: one line of text; only control characters, line breaks and blanks refused."""
    return bool(value.strip()) and not any(unicodedata.category(ch) in FORBIDDEN_CATEGORIES for ch in value)
