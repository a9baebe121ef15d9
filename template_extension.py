"""The template's Jinja extension: free text made safe where it lands, and what the hooks need.

cookiecutter loads it through `_extensions` in cookiecutter.json, in its own process (the
template folder is on sys.path while it renders; cruft does the same). It adds:

- filters that write an answer as a TOML string, a Dockerfile string, a Python string literal
  or docstring, or Markdown text, escaped so the value survives exactly, wrapped where a long
  value would break the rendered project's line length;
- globals for the pre-generation hook: the answers of the user's config file as cookiecutter
  read them (it drops a bad one with a warning, so the hook could not see it otherwise), and
  the module names a service's package must not shadow (hooks/reserved_names.json);
- a log filter that keeps cookiecutter from printing its own traceback after a hook fails:
  the hook has already said what is wrong, in one line.

Nothing here reaches the network, runs a program or writes a file.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

from jinja2.ext import Extension

# The rendered project's ruff line length (its pyproject.toml); a test keeps the two equal.
LINE_LENGTH = 110
INDENT = 4
RESERVED_NAMES_FILE = Path(__file__).resolve().parent / "hooks" / "reserved_names.json"
# Read once, on import: cruft renders two template versions in one process, and the folder
# this module came from may be gone by the second.
RESERVED_NAMES: dict[str, Any] = json.loads(RESERVED_NAMES_FILE.read_text(encoding="utf-8"))


# ---- TOML --------------------------------------------------------------------------------

TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(value: object) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""

    def escape(ch: str) -> str:
        if ch in TOML_ESCAPES:
            return TOML_ESCAPES[ch]
        if ch < " " or ch == "\x7f":
            return f"\\u{ord(ch):04x}"
        return ch

    return '"' + "".join(map(escape, str(value))) + '"'


# ---- Dockerfile --------------------------------------------------------------------------


DOCKERFILE_ESCAPES = {'"': '\\"', "$": "\\$", "\\": '"\\\\"'}


def dockerfile_string(value: object) -> str:
    r"""A Dockerfile word (as in LABEL) that Docker reads back as the value, expanding nothing.

    Double-quoted, with `"` and `$` escaped. A backslash goes outside the quotes, escaped there:
    `a\b` becomes `"a"\\"b"`. Inside the quotes Docker would read `\\` as one backslash too, but
    hadolint takes a quote after it as escaped and rejects the file.
    """
    return '"' + "".join(DOCKERFILE_ESCAPES.get(ch, ch) for ch in str(value)) + '"'


# ---- Python ------------------------------------------------------------------------------


def python_quote(text: str) -> str:
    """The quote ruff's formatter keeps: double, unless that needs more escapes than single."""
    return "'" if text.count('"') > text.count("'") else '"'


def python_escape(ch: str, quote: str) -> str:
    """One character as Python source, ASCII only: ruff flags look-alike Unicode in strings."""
    if ch in ("\\", quote):
        return "\\" + ch
    if " " <= ch <= "~":
        return ch
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def python_literal(text: str) -> str:
    quote = python_quote(text)
    return quote + "".join(python_escape(ch, quote) for ch in text) + quote


def split_for_width(text: str, width: int, quote: str) -> list[str]:
    """Cut text into pieces whose escaped form fits in width, after a space where there is one."""
    pieces: list[str] = []
    start, used, last_space = 0, 0, -1
    for i, ch in enumerate(text):
        size = len(python_escape(ch, quote))
        if used + size > width and i > start:
            cut = last_space + 1 if last_space >= start else i
            pieces.append(text[start:cut])
            start, last_space = cut, -1
            used = sum(len(python_escape(c, quote)) for c in text[start:i])
        used += size
        if ch == " ":
            last_space = i
    pieces.append(text[start:])
    return pieces


def python_string(value: object, indent: int = 0, column: int = 0) -> str:
    """A Python string literal for a value placed at `column` of a line indented by `indent`.

    When it does not fit the line (with a trailing comma or bracket), it becomes implicitly
    concatenated pieces in parentheses, one per line, which is what ruff's formatter keeps.
    """
    text = str(value)
    literal = python_literal(text)
    if column + len(literal) + 1 <= LINE_LENGTH:
        return literal
    inner = " " * (indent + INDENT)
    # Measured with the quote of the whole text; each piece may need fewer escapes with its own.
    pieces = split_for_width(text, LINE_LENGTH - len(inner) - 2, python_quote(text))
    body = "\n".join(inner + python_literal(piece) for piece in pieces)
    return "(\n" + body + "\n" + " " * indent + ")"


def python_docstring(value: object) -> str:
    """A module docstring: escaped like a string literal, wrapped to the line length."""
    text = "".join(python_escape(ch, '"') for ch in str(value).strip())
    # A word longer than a line stays whole: ruff's line-length check lets a one-word line be.
    lines = textwrap.wrap(text, width=LINE_LENGTH - 3, break_long_words=False, break_on_hyphens=False)
    return '"""' + "\n".join(lines) + '"""'


# ---- Markdown ----------------------------------------------------------------------------

# Characters with an inline meaning in CommonMark or GitHub's Markdown (emphasis, code, links,
# HTML and entities, strikethrough, tables, math, closing # of a heading).
MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>&~|$#])")
# What makes a block when it starts a line: a list item, a setext underline, a quote.
MARKDOWN_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")


def markdown_text(value: object, width: int | None = None) -> str:
    """Text that Markdown shows as written, never as markup; wrapped at `width` when given."""
    text = MARKDOWN_INLINE.sub(r"\\\1", str(value).strip())
    lines = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) if width else [text]
    return "\n".join(MARKDOWN_LINE_START.sub(lambda m: escape_line_start(m.group(1)), line) for line in lines)


def escape_line_start(marker: str) -> str:
    # "1." stays "1." in the text: the escaped full stop after the digits ends the list marker.
    return marker + "\\" if marker[0].isdigit() else "\\" + marker


# ---- What the pre-generation hook is given -----------------------------------------------


def config_file_answers() -> dict[str, Any] | None:
    """The answers of the user's config file, as the cookiecutter or cruft call rendering now read them.

    cookiecutter applies them as defaults and drops a bad one with a warning, so the rendered
    answers no longer show it; the hook checks these instead. They are found up the call stack:
    the config cookiecutter.main.cookiecutter() loaded (`config_dict`), or the config file cruft's
    create() was given (cruft reads it the same way). A replayed render takes no defaults from
    the config file: nothing to check. None when called from anywhere else.
    """
    frame = sys._getframe(1)
    while frame is not None:
        module, name = frame.f_globals.get("__name__"), frame.f_code.co_name
        if (module, name) == ("cookiecutter.main", "cookiecutter"):
            if frame.f_locals.get("replay"):
                return {}
            config = frame.f_locals.get("config_dict") or {}
            return dict(config["default_context"]) if "default_context" in config else None
        if (module, name) == ("cruft._commands.create", "create"):
            from cookiecutter.config import get_user_config

            config_file = frame.f_locals.get("config_file")
            config = get_user_config(
                config_file=str(config_file) if config_file else None,
                default_config=bool(frame.f_locals.get("default_config")),
            )
            return dict(config["default_context"])
        frame = frame.f_back
    return None


def reserved_names() -> dict[str, Any]:
    return RESERVED_NAMES


# ---- cookiecutter's output when a hook fails ---------------------------------------------


class QuietHookFailure(logging.Filter):
    """Demote cookiecutter's "hook script didn't exit successfully" record to DEBUG, without traceback.

    The traceback is cookiecutter's own call stack, which says nothing the hook's message and
    cookiecutter's closing "Hook script failed (exit status: 1)" do not. `--verbose` and
    `--debug-file` still show the record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if type(error).__name__ == "FailedHookException":
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def quiet_hook_failures() -> None:
    logger = logging.getLogger("cookiecutter.hooks")
    if not any(isinstance(f, QuietHookFailure) for f in logger.filters):
        logger.addFilter(QuietHookFailure())


class TemplateExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.filters.update(
            toml_string=toml_string,
            dockerfile_string=dockerfile_string,
            python_string=python_string,
            python_docstring=python_docstring,
            markdown_text=markdown_text,
        )
        environment.globals.update(config_file_answers=config_file_answers, reserved_names=reserved_names)
        quiet_hook_failures()
