"""Validate the answers before cookiecutter writes any file.

Each check is a small function that returns an error message or None. On the
first error the hook prints one clear line and exits 1; cookiecutter then
removes the (still empty) project directory, so nothing is left on disk.
The hook needs no network, docker or git, and is safe to run again.

What is refused is what no escaping can make safe: see README.md, "Questions".
Free text that passes is escaped where it lands by the template's Jinja filters
(template_extension.py).
"""

from __future__ import annotations

import json
import keyword
import re
import sys
import unicodedata

# Rendered by cookiecutter; `tojson` escapes quotes, so any answer stays a valid literal.
# Single quotes: the JSON holds double quotes, so the formatter must leave these lines alone.
ANSWERS_JSON = r'{{ cookiecutter | tojson }}'  # fmt: skip
# The answers of the user's config file as cookiecutter read them (null when unknown): it
# drops a bad one with a warning and renders the default, so the answers above cannot show it.
CONFIG_ANSWERS_JSON = r'{{ config_file_answers() | tojson }}'  # fmt: skip
# hooks/reserved_names.json: module names the service's package must not shadow.
RESERVED_NAMES_JSON = r'{{ reserved_names() | tojson }}'  # fmt: skip

CHOICES = {
    "framework": ("fastapi", "flask", "django"),
    "python_version": ("3.11", "3.12", "3.13", "3.14"),
    "base_image_variant": ("slim", "alpine"),
}
BOOLEAN_ANSWERS = ("use_postgres", "use_redis", "use_celery", "use_kubernetes")
# What cookiecutter accepts for a yes/no answer given as text (cookiecutter.prompt.YesNoPrompt).
YES_NO = ("1", "true", "t", "yes", "y", "on", "0", "false", "f", "no", "n", "off")

SLUG_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Names the project itself takes, or that Python imports by itself; the standard library and
# every installed distribution's modules come from hooks/reserved_names.json.
TEMPLATE_NAMES = {
    "tests": "the project's tests package",
    "manage": "Django's manage.py",
    "migrations": "the project's Alembic migrations folder",
    "staticfiles": "the folder Django collects static files into",
    "sitecustomize": "a module Python imports at start-up",
    "usercustomize": "a module Python imports at start-up",
}
PORT_PATTERN = re.compile(r"[1-9][0-9]{3,4}")  # ASCII digits only, no leading zero
# The WHATWG "valid e-mail address" (what browsers accept): ASCII, no quotes or backslashes.
EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
# Characters no one-line answer may hold: control characters (tab and newline too), lone
# surrogates (they cannot be written as UTF-8) and Unicode line and paragraph separators.
UNPRINTABLE = {"Cc": "a control character", "Cs": "a lone surrogate", "Zl": "a line break", "Zp": "a line break"}


def shown(value: object, limit: int = 60) -> str:
    """An answer as the error message quotes it: repr, so invisible characters show; shortened."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[: limit - 3]) + "..."
    return repr(value)


def check_text(name: str, value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{name} must be non-empty text, got {shown(value)}"
    for ch in value:
        kind = UNPRINTABLE.get(unicodedata.category(ch))
        if kind:
            return f"{name} {shown(value)} contains {kind} (U+{ord(ch):04X}): answer with one line of text"
    return None


def shadowed_module(slug: str, python_version: str, reserved: dict) -> str | None:
    """What a package named `slug` would shadow, or None."""
    if slug in TEMPLATE_NAMES:
        return TEMPLATE_NAMES[slug]
    stdlib = reserved["stdlib"].get(python_version) if isinstance(python_version, str) else None
    # An unsupported version is reported on its own; meanwhile check against every version.
    versions = [python_version] if stdlib else sorted(reserved["stdlib"])
    for version in versions:
        if slug in reserved["stdlib"][version]["names"]:
            return f"the standard library module {slug!r} of Python {version}"
    for distribution, names in reserved["dependencies"].items():
        if slug in names:
            return f"the module {slug!r} the service installs (from {distribution})"
    return None


def check_slug(slug: object, python_version: str, reserved: dict) -> str | None:
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        return (
            f"project_slug {shown(slug)} is not a valid package name: use 1-40 lowercase ASCII "
            "letters, digits and underscores, starting with a letter (e.g. my_service)"
        )
    if keyword.iskeyword(slug):
        return f"project_slug {slug!r} is a Python keyword; choose another name"
    shadowed = shadowed_module(slug, python_version, reserved)
    if shadowed:
        return f"project_slug {slug!r} would shadow {shadowed}; choose another name"
    return None


def check_choice(name: str, value: object, where: str = "") -> str | None:
    allowed = CHOICES[name]
    if value in allowed:
        return None
    hint = f' (quote it: "{value}")' if str(value) in allowed else ""
    return f"{name} {shown(value)}{where} is not supported; choose one of: {', '.join(allowed)}{hint}"


def check_boolean(name: str, value: object) -> str | None:
    if not isinstance(value, bool):
        return f"{name} must be true or false, got {shown(value)}"
    return None


def check_port(port: object) -> str | None:
    text = str(port) if type(port) is int else port
    if not isinstance(text, str) or not PORT_PATTERN.fullmatch(text) or not 1024 <= int(text) <= 65535:
        return (
            f"http_port {shown(port)} must be a number from 1024 to 65535, in ASCII digits without "
            "a leading zero (the container runs without root, so it cannot bind lower ports)"
        )
    return None


def check_email(email: object) -> str | None:
    if not isinstance(email, str) or not EMAIL_PATTERN.fullmatch(email):
        return (
            f"author_email {shown(email)} is not an e-mail address: use name@example.com, in ASCII "
            "(an international domain in its xn-- form)"
        )
    return None


def check_config_answers(config: dict | None) -> list[str]:
    """The config file's answers for this template's choices and yes/no questions.

    Free text and the port need no check here: cookiecutter applies them as given, and the
    rendered answers are checked. Keys this template does not ask about are other templates'.
    """
    config, where = config or {}, " in the config file"
    errors = [check_choice(name, config[name], where) for name in CHOICES if name in config]
    for name in BOOLEAN_ANSWERS:
        value = config.get(name)
        if name in config and not (isinstance(value, bool) or str(value).strip().lower() in YES_NO):
            errors.append(f"{name} {shown(value)}{where} must be true or false")
    return [error for error in errors if error]


def validate(answers: dict, reserved: dict, config: dict | None = None) -> list[str]:
    """Return every problem with the answers, in question order, then the config file's."""
    checks = [
        check_text("project_name", answers.get("project_name")),
        check_slug(answers.get("project_slug"), answers.get("python_version"), reserved),
        check_text("description", answers.get("description")),
        check_text("author_name", answers.get("author_name")),
        check_email(answers.get("author_email")),
        *(check_choice(name, answers.get(name)) for name in CHOICES),
        *(check_boolean(name, answers.get(name)) for name in BOOLEAN_ANSWERS),
        check_port(answers.get("http_port")),
    ]
    return [error for error in checks if error] + check_config_answers(config)


def main() -> int:
    answers = json.loads(ANSWERS_JSON)
    errors = validate(answers, json.loads(RESERVED_NAMES_JSON), json.loads(CONFIG_ANSWERS_JSON))
    if errors:
        print(f"ERROR: {errors[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
