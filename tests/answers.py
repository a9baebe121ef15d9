"""Render the template with chosen answers, taken verbatim as a replay file gives them, and check
that each free-text answer comes out of the project exactly as it went in.

A replayed or typed answer reaches the templates unchanged; one given on the command line or in
a config file is first rendered by cookiecutter as a Jinja template. Replaying is how the tests
hand any string (Jinja delimiters included) to the hooks and the templates.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import re
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from cookiecutter.exceptions import FailedHookException
from cookiecutter.generate import generate_context
from cookiecutter.main import cookiecutter
from cookiecutter.prompt import prompt_for_config
from markdown_it import MarkdownIt

from .combos import TEMPLATE_DIR
from .tools import assert_compose_valid, assert_hadolint_clean, assert_ok, assert_ruff_clean, run


@cache
def default_answers() -> dict:
    """Every answer as `--no-input` gives it, private settings included: what a replay file holds."""
    context = generate_context(context_file=str(TEMPLATE_DIR / "cookiecutter.json"))
    return dict(prompt_for_config(context, no_input=True))


@contextmanager
def stderr_of_subprocesses() -> Iterator[list[str]]:
    """Collect what child processes (the hooks) write to file descriptor 2."""
    lines: list[str] = []
    with tempfile.TemporaryFile() as captured:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines.extend(captured.read().decode("utf-8", "replace").splitlines())


@dataclass
class Outcome:
    project: Path | None  # None: the pre-generation hook refused the answers
    stderr: list[str]
    leftovers: list[str]  # what the output folder holds after a refusal (must be nothing)

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr if line.startswith("ERROR:")]


def render_answers(answers: dict, workdir: Path) -> Outcome:
    """Render in-process from a replay file holding `answers` over the defaults."""
    out = workdir / "out"
    out.mkdir(parents=True)
    config = workdir / "config.yaml"  # keeps cookiecutter off ~/.cookiecutterrc and ~/.cookiecutter_replay
    config.write_text(json.dumps({"replay_dir": str(workdir / "replay"), "cookiecutters_dir": str(workdir / "cc")}))
    replay = workdir / "answers.json"
    replay.write_text(json.dumps({"cookiecutter": {**default_answers(), **answers}}))
    with stderr_of_subprocesses() as stderr:
        try:
            project = Path(
                cookiecutter(str(TEMPLATE_DIR), replay=str(replay), output_dir=str(out), config_file=str(config))
            )
        except FailedHookException:
            project = None
    return Outcome(project, stderr, [] if project else sorted(p.name for p in out.iterdir()))


# ---- Each answer, read back from where it landed -----------------------------------------


def words(text: str) -> str:
    """Text with every run of whitespace as one space: what wrapping may change."""
    return " ".join(text.split())


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """(block type, its text) for each heading and paragraph of a Markdown document."""
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    blocks = []
    for opening, inline in itertools.pairwise(tokens):
        if opening.type in ("heading_open", "paragraph_open") and inline.type == "inline":
            parts = [" " if child.type == "softbreak" else child.content for child in inline.children or []]
            blocks.append((opening.tag, "".join(parts)))
    return blocks


# A LABEL value: double-quoted runs (`\"`, `\$`, `\\` escaped) and escaped characters outside quotes.
DOCKER_WORD = re.compile(r'((?:"(?:[^"\\]|\\.)*"|\\.)+)')
DOCKER_ESCAPE = re.compile(r'"((?:[^"\\]|\\.)*)"|\\(.)')


def docker_word(word: str) -> str:
    """A Dockerfile word as Docker's lexer reads it (in quotes, `\\` escapes only `"`, `$`, `\\`)."""

    def segment(match: re.Match) -> str:
        if match.group(1) is None:
            return match.group(2)
        return re.sub(r'\\([\\"$])', r"\1", match.group(1))

    return DOCKER_ESCAPE.sub(segment, word)


def dockerfile_labels(dockerfile: str) -> dict[str, str]:
    """The LABEL values of the OCI keys, read as Docker reads them."""
    pairs = re.findall(r"(org\.opencontainers\.image\.\w+)=" + DOCKER_WORD.pattern, dockerfile)
    return {key: docker_word(word) for key, word in pairs}


def fastapi_title(main_py: str) -> str:
    (title,) = [
        node.value for node in ast.walk(ast.parse(main_py)) if isinstance(node, ast.keyword) and node.arg == "title"
    ]
    return ast.literal_eval(title)


IMPORT_PROBE = """
import importlib, json, pathlib, sys
package = importlib.import_module(sys.argv[1])
health = importlib.import_module(sys.argv[1] + ".healthcheck")
has_conf = pathlib.Path(sys.argv[1], "gunicorn_conf.py").exists()
conf = has_conf and importlib.import_module(sys.argv[1] + ".gunicorn_conf")
print(json.dumps([package.__doc__, health.PORT, conf.bind if conf else None]))
"""


def import_package(project: Path, slug: str) -> tuple[str, int, str | None]:
    """Import the package and its standard-library-only modules: (docstring, PORT, gunicorn bind)."""
    proc = run([sys.executable, "-c", IMPORT_PROBE, slug], project)
    assert_ok(proc, f"import {slug}")
    return tuple(json.loads(proc.stdout))


def assert_answers_read_back(project: Path, answers: dict) -> None:
    """Every free-text and numeric answer is found, unchanged, wherever it landed."""
    slug, name, description = answers["project_slug"], answers["project_name"], answers["description"]
    author, email, port = answers["author_name"], answers["author_email"], str(answers["http_port"])

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert (pyproject["name"], pyproject["description"]) == (slug, description)
    assert pyproject["authors"] == [{"name": author, "email": email}]

    labels = dockerfile_labels((project / "Dockerfile").read_text())
    assert labels["org.opencontainers.image.title"] == name
    assert labels["org.opencontainers.image.description"] == description
    assert labels["org.opencontainers.image.authors"] == f"{author} <{email}>"

    heading, paragraph = markdown_blocks((project / "README.md").read_text())[:2]
    assert heading == ("h1", name.strip())
    assert paragraph[0] == "p" and words(paragraph[1]) == words(description)

    docstring, health_port, bind = import_package(project, slug)
    assert words(docstring) == words(description)
    assert health_port == int(port)
    assert bind in (None, f"0.0.0.0:{port}")
    main_py = project / slug / "main.py"
    if main_py.exists():
        assert fastapi_title(main_py.read_text()) == name

    for path in project.rglob("*.y*ml"):
        yaml.safe_load(path.read_text())


def assert_renders_clean(project: Path, answers: dict) -> None:
    assert_ruff_clean(project)
    assert_hadolint_clean(project)
    assert_compose_valid(project)
    assert_answers_read_back(project, answers)
