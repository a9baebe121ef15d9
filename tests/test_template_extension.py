"""The template's Jinja extension on its own: each filter gives back exactly the value it was
given, in a form its file's parser and linters accept; the hook globals; the quiet log filter.

Cheap checks, so Hypothesis runs many more examples here than in test_answers_property.py.
"""

from __future__ import annotations

import ast
import logging
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from hypothesis import example, given
from hypothesis import strategies as st

import template_extension as ext

from .answers import docker_word, markdown_blocks, words
from .combos import Combo
from .strategies import acceptable_text, examples, free_text
from .tools import assert_ok, assert_ruff_clean, imported_modules, run, tool

one_line_text = free_text().filter(acceptable_text)


@examples(25)
@given(value=st.text())
@example(value='\\ " \x00 \x1f \x7f \n\t\b\f\r \x85 \u2028 \ufeff \U0001f600')
def test_toml_string_reads_back_as_the_value(value):
    assert tomllib.loads(f"v = {ext.toml_string(value)}\n")["v"] == value


@examples(25)
@given(value=one_line_text)
@example(value="a\\")
@example(value='\\"')
@example(value="$HOME ${BASE_IMAGE} \\$")
def test_dockerfile_string_is_one_word_docker_reads_back_unexpanded(value):
    word = ext.dockerfile_string(value)
    assert docker_word(word) == value
    assert "$" not in word.replace("\\$", ""), "an unescaped $ would expand at build time"


@examples(3)
@given(value=one_line_text)
@example(value="ends with a backslash \\")
@example(value='a backslash before a quote \\"')
def test_dockerfile_label_passes_hadolint(value):
    with tempfile.TemporaryDirectory(prefix="answers-") as tmp:
        dockerfile = Path(tmp) / "Dockerfile"
        dockerfile.write_text(f'FROM scratch\nLABEL a={ext.dockerfile_string(value)} \\\n      b="c"\n')
        assert_ok(run([tool("hadolint"), "--no-color", str(dockerfile)], Path(tmp)), "hadolint")


def python_module(docstring: str, title: str) -> str:
    """The shape of the rendered package: a module docstring, then a call with a title keyword."""
    return f'{docstring}\n\nfrom fastapi import FastAPI\n\napp = FastAPI(\n    title={title},\n    version="1",\n)\n'


@examples(4)
@given(value=one_line_text)
@example(value="x" * 300)
@example(value="word " * 60)
@example(value="He said \"hi\" and 'bye' \\ {app} \u2013 \u0430 \uff18 \U0001f600")
@example(value="a" * 99)  # the literal just fits at the title's column; one more and it wraps
@example(value="a" * 100)
def test_python_literals_read_back_and_pass_ruff(value, ruff_project):
    source = python_module(ext.python_docstring(value), ext.python_string(value, indent=4, column=10))
    (ruff_project / "module.py").write_text(source)
    assert_ruff_clean(ruff_project)
    tree = ast.parse(source)
    assert words(ast.get_docstring(tree, clean=False)) == words(value)
    (title,) = [node.value for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg == "title"]
    assert ast.literal_eval(title) == value
    assert source.isascii()


@pytest.fixture(scope="module")
def ruff_project(render, tmp_path_factory) -> Path:
    """A folder with the rendered project's ruff settings, for checking snippets."""
    folder = tmp_path_factory.mktemp("ruff-snippets")
    (folder / "pyproject.toml").write_text((render(Combo()) / "pyproject.toml").read_text())
    return folder


@examples(25)
@given(value=one_line_text)
@example(value="```")
@example(value="<!-- hidden")
@example(value="1. first - second + third = fourth > quote")
@example(value="# not a heading #")
@example(value="\\ `code` *em* _em_ [link](x) &amp; ~~del~~ | $x$ ![img](y)")
def test_markdown_text_shows_the_value_and_no_markup(value):
    heading = f"# {ext.markdown_text(value)}\n"
    assert markdown_blocks(heading) == [("h1", value.strip())]
    blocks = markdown_blocks(f"# Title\n\n{ext.markdown_text(value, width=20)}\n\nNext.\n")
    assert [kind for kind, _ in blocks] == ["h1", "p", "p"] and blocks[2] == ("p", "Next.")
    assert words(blocks[1][1]) == words(value)


def test_filters_wrap_at_the_rendered_projects_line_length(render):
    pyproject = tomllib.loads((render(Combo()) / "pyproject.toml").read_text())
    assert pyproject["tool"]["ruff"]["line-length"] == ext.LINE_LENGTH


def test_config_file_answers_are_unknown_outside_a_cookiecutter_call():
    assert ext.config_file_answers() is None


def test_reserved_names_are_the_committed_file():
    names = ext.reserved_names()
    assert set(names) >= {"stdlib", "dependencies"} and "json" in names["stdlib"]["3.13"]["names"]


def logged_error(error: Exception) -> logging.LogRecord:
    """The record `logger.exception()` makes while `error` is being handled, as cookiecutter logs it."""
    try:
        raise error
    except type(error):
        return logging.LogRecord("cookiecutter.hooks", logging.ERROR, __file__, 1, "Stopping", None, sys.exc_info())


def test_a_failed_hook_is_logged_at_debug_level_without_traceback():
    record = logged_error(FailedHookException("Hook script failed (exit status: 1)"))
    assert ext.QuietHookFailure().filter(record)
    assert (record.levelno, record.levelname, record.exc_info) == (logging.DEBUG, "DEBUG", None)


def test_other_errors_keep_their_level_and_traceback():
    record = logged_error(ValueError("something else"))
    assert ext.QuietHookFailure().filter(record)
    assert record.levelno == logging.ERROR and record.exc_info is not None


def test_the_log_filter_is_installed_once():
    ext.quiet_hook_failures()
    ext.quiet_hook_failures()
    installed = [f for f in logging.getLogger("cookiecutter.hooks").filters if isinstance(f, ext.QuietHookFailure)]
    assert len(installed) == 1


# What the extension may import: it runs inside cookiecutter's process at every render.
EXTENSION_IMPORTS_ALLOWED = {"__future__", "json", "logging", "re", "sys", "textwrap", "pathlib", "typing"}
EXTENSION_IMPORTS_ALLOWED |= {"jinja2.ext", "cookiecutter.config"}


def test_the_extension_imports_nothing_that_reaches_the_network_or_runs_programs():
    imported = imported_modules(Path(ext.__file__))
    assert imported and imported <= EXTENSION_IMPORTS_ALLOWED, sorted(imported - EXTENSION_IMPORTS_ALLOWED)
