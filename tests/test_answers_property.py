"""Every free-text or numeric answer either is refused before any file exists, with one error
line, or renders a project that passes every check and holds the answer exactly as given.

Values come from Hypothesis (unicode, control characters, quotes, `$`, backslashes, Jinja
delimiters, Markdown, long strings, odd digits), with the answers that once broke a render as
explicit examples. Each example is rendered in-process from a replay file (answers verbatim, as
typed at the prompt), then ruff check and format, hadolint, both compose configs, the TOML,
YAML and Markdown parsers and an import of the package run on it, and every answer is read back
from where it landed. Budgets and strategies: tests/strategies.py.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import event, example, given
from hypothesis import strategies as st

from .answers import assert_renders_clean, default_answers, render_answers
from .combos import FRAMEWORKS, PYTHONS, VARIANTS
from .strategies import acceptable_text, examples, free_text


def setups() -> st.SearchStrategy[dict]:
    """The rest of the answers: any framework, Python, base image and services."""
    return st.fixed_dictionaries(
        {
            "framework": st.sampled_from(FRAMEWORKS),
            "python_version": st.sampled_from(PYTHONS),
            "base_image_variant": st.sampled_from(VARIANTS),
            "use_postgres": st.booleans(),
            "use_redis": st.booleans(),
            "use_celery": st.booleans(),
        }
    )


FASTAPI = {"framework": "fastapi", "python_version": "3.13", "base_image_variant": "slim"}
FASTAPI |= {"use_postgres": False, "use_redis": False, "use_celery": False}
DJANGO_ALL = {**FASTAPI, "framework": "django", "use_postgres": True, "use_celery": True}


def clean_or_refused(field: str, value: object, setup: dict) -> bool:
    """Render with one answer changed; True when it rendered clean, False when refused cleanly."""
    answers = {**default_answers(), **setup, field: value}
    with tempfile.TemporaryDirectory(prefix="answers-") as workdir:
        outcome = render_answers(answers, Path(workdir))
        event("refused" if outcome.project is None else "rendered")
        if outcome.project is None:
            assert outcome.leftovers == [], "a refused answer left files behind"
            assert outcome.stderr == outcome.errors and len(outcome.errors) == 1, outcome.stderr
            assert outcome.errors[0].startswith(f"ERROR: {field} "), outcome.errors
            return False
        assert_renders_clean(outcome.project, answers)
        return True


@examples()
@given(value=free_text(), setup=setups())
@example(value="A long FastAPI service name that goes past the rendered line length", setup=FASTAPI)
@example(value="Zürich \u2013 Straße API ✓ 東京", setup=FASTAPI)
@example(value='Say "hi" to O\'Brien \\ {{ cookiecutter.project_slug }} $HOME', setup=FASTAPI)
@example(value="syntax=docker/dockerfile:1", setup=FASTAPI)  # once the Dockerfile's first line
@example(value="Line one\nLine two", setup=FASTAPI)
def test_project_name_renders_clean_or_is_refused(value, setup):
    assert clean_or_refused("project_name", value, setup) == acceptable_text(value)


@examples()
@given(value=free_text(), setup=setups())
@example(value="A small service that does one thing well, in a sentence long enough to wrap. " * 2, setup=FASTAPI)
@example(value="Bills \x0b things", setup=FASTAPI)
@example(value="Bills \x0c things", setup=FASTAPI)
@example(value="\x1b[31mred\x1b[0m", setup=FASTAPI)
@example(value='``` <!-- # 1. - $HOME ${BASE_IMAGE} \\ "quoted" {% raw %}', setup=DJANGO_ALL)
@example(value="x" * 300, setup=FASTAPI)
def test_description_renders_clean_or_is_refused(value, setup):
    assert clean_or_refused("description", value, setup) == acceptable_text(value)


@examples()
@given(value=free_text(), setup=setups())
@example(value='O\'Brien \\ "Team" $HOME `id`', setup=FASTAPI)
def test_author_name_renders_clean_or_is_refused(value, setup):
    assert clean_or_refused("author_name", value, setup) == acceptable_text(value)


def emails() -> st.SearchStrategy[str]:
    local = st.one_of(st.from_regex(r"[a-z0-9.+_-]{1,20}", fullmatch=True), free_text())
    domain = st.one_of(st.from_regex(r"[a-z0-9]{1,10}(\.[a-z]{2,6}){1,2}", fullmatch=True), free_text())
    return st.one_of(st.emails(), st.builds("{}@{}".format, local, domain), free_text())


@examples()
@given(value=emails(), setup=setups())
@example(value="me\\@example.com", setup=FASTAPI)
@example(value="me@example.com\\", setup=FASTAPI)
@example(value="${BASE_IMAGE}@example.com", setup=FASTAPI)
@example(value="$HOME@example.com", setup=FASTAPI)
@example(value="o'brien+`x`{y}@example.com", setup=FASTAPI)
@example(value='"quoted"@example.com', setup=FASTAPI)
def test_author_email_renders_clean_or_is_refused(value, setup):
    clean_or_refused("author_email", value, setup)


def ports() -> st.SearchStrategy[object]:
    digits = st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=6)
    return st.one_of(st.integers(0, 70000), st.integers(0, 70000).map(str), digits, free_text())


def acceptable_port(value: object) -> bool:
    text = str(value) if type(value) is int else value
    return bool(re.fullmatch(r"[1-9][0-9]{3,4}", text)) and 1024 <= int(text) <= 65535


@examples()
@given(value=ports(), setup=setups())
@example(value="08000", setup=FASTAPI)
@example(value="\uff18\uff10\uff18\uff10", setup=FASTAPI)
@example(value="١٢٣٤", setup=FASTAPI)
@example(value="1²³⁴", setup=FASTAPI)
@example(value="8080\n", setup=FASTAPI)
@example(value=8080, setup=DJANGO_ALL)
@example(value="65535", setup=DJANGO_ALL)
def test_http_port_renders_clean_or_is_refused(value, setup):
    assert clean_or_refused("http_port", value, setup) == acceptable_port(value)


def slugs() -> st.SearchStrategy[str]:
    valid_looking = st.from_regex(r"[a-z][a-z0-9_]{0,44}", fullmatch=True)
    reserved = st.sampled_from(["pydantic", "kombu", "werkzeug", "json", "tests", "compression", "class"])
    return st.one_of(valid_looking, reserved, free_text()).filter(is_folder_name)


def is_folder_name(slug: str) -> bool:
    """cookiecutter makes the project folder from the slug before any hook runs: a slug that is
    no folder name (empty, dots only, a "/" or NUL, over 255 bytes) fails there, in cookiecutter."""
    return bool(slug.strip(".")) and not {"/", "\x00"} & set(slug) and len(slug.encode("utf-8", "replace")) <= 255


@examples()
@given(value=slugs(), setup=setups())
@example(value="pydantic", setup=FASTAPI)
@example(value="kombu", setup=DJANGO_ALL)
@example(value="werkzeug", setup={**FASTAPI, "framework": "flask"})
@example(value="compression", setup={**FASTAPI, "python_version": "3.14"})
@example(value="my_service\n", setup=FASTAPI)
def test_project_slug_renders_clean_or_is_refused(value, setup):
    clean_or_refused("project_slug", value, setup)
