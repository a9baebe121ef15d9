"""Validate the answers before cookiecutter writes any file.

Each check is a small function that returns an error message or None. On the
first error the hook prints one clear line and exits 1; cookiecutter then
removes the (still empty) project directory, so nothing is left on disk.
The hook needs no network, docker or git, and is safe to run again.
"""

from __future__ import annotations

import json
import keyword
import re
import sys

# Rendered by cookiecutter; `tojson` escapes quotes, so any answer stays a valid literal.
# Single quotes on purpose: the JSON is full of double quotes.
ANSWERS_JSON = r'{{ cookiecutter | tojson }}'  # fmt: skip

SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13", "3.14")
FRAMEWORKS = ("fastapi", "flask", "django")
VARIANTS = ("slim", "alpine")
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Names the rendered package must not take: they would shadow an import it makes.
RESERVED_SLUGS = frozenset(
    {
        "app", "celery", "config", "django", "fastapi", "flask", "gunicorn",
        "psycopg", "pytest", "redis", "starlette", "test", "tests", "uvicorn",
    }
)  # fmt: skip
BOOLEAN_ANSWERS = ("use_postgres", "use_redis", "use_celery")


def check_slug(slug: str) -> str | None:
    if not SLUG_PATTERN.match(slug):
        return (
            f"project_slug {slug!r} is not a valid package name: use 1-40 lowercase "
            "letters, digits and underscores, starting with a letter (e.g. my_service)"
        )
    if keyword.iskeyword(slug) or slug in RESERVED_SLUGS or slug in sys.stdlib_module_names:
        return f"project_slug {slug!r} would shadow a Python module; choose another name"
    return None


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> str | None:
    if value not in allowed:
        return f"{name} {value!r} is not supported; choose one of: {', '.join(allowed)}"
    return None


def check_booleans(answers: dict) -> str | None:
    for name in BOOLEAN_ANSWERS:
        if not isinstance(answers.get(name), bool):
            return f"{name} must be true or false, got {answers.get(name)!r}"
    return None


def check_port(port: str) -> str | None:
    if not str(port).isdigit() or not 1024 <= int(port) <= 65535:
        return (
            f"http_port {port!r} must be a number from 1024 to 65535 "
            "(the container runs without root, so it cannot bind lower ports)"
        )
    return None


def check_email(email: str) -> str | None:
    if not re.fullmatch(r"[^@\s\"']+@[^@\s\"']+", email):
        return f"author_email {email!r} is not an e-mail address"
    return None


def check_text(name: str, value: str) -> str | None:
    if not value.strip() or any(ch in value for ch in '"\\\n\r`$'):
        return f"{name} {value!r} must be non-empty and contain no quotes, backslashes, $ or backticks"
    return None


def validate(answers: dict) -> list[str]:
    """Return every problem with the answers, in question order."""
    checks = [
        check_text("project_name", answers["project_name"]),
        check_slug(answers["project_slug"]),
        check_text("description", answers["description"]),
        check_text("author_name", answers["author_name"]),
        check_email(answers["author_email"]),
        check_choice("framework", answers["framework"], FRAMEWORKS),
        check_choice("python_version", answers["python_version"], SUPPORTED_PYTHONS),
        check_choice("base_image_variant", answers["base_image_variant"], VARIANTS),
        check_booleans(answers),
        check_port(answers["http_port"]),
    ]
    return [error for error in checks if error]


def main() -> int:
    errors = validate(json.loads(ANSWERS_JSON))
    if errors:
        print(f"ERROR: {errors[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
