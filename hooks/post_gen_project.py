"""Remove what the unselected options own, driven by one declarative manifest.

The template renders every file; MANIFEST says which feature owns which path.
A path is removed when none of the features that own it is enabled. Removing
is idempotent (a missing path is fine), so the hook is safe to run twice, and
it needs no network, docker or git.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

# Rendered by cookiecutter; `tojson` escapes quotes, so any answer stays a valid literal.
# Single quotes on purpose: the JSON is full of double quotes.
ANSWERS_JSON = r'{{ cookiecutter | tojson }}'  # fmt: skip

# feature -> paths it owns, relative to the project root. "{slug}" is the package.
MANIFEST: dict[str, tuple[str, ...]] = {
    "fastapi": ("{slug}/main.py",),
    "flask": ("{slug}/app.py",),
    "django": (
        "manage.py",
        "{slug}/settings.py",
        "{slug}/urls.py",
        "{slug}/views.py",
        "{slug}/wsgi.py",
    ),
    "gunicorn": ("{slug}/gunicorn_conf.py",),
    "celery": ("{slug}/celery_app.py", "{slug}/tasks.py", "tests/test_tasks.py"),
}


def enabled_features(answers: dict) -> set[str]:
    """The features an answer set turns on. Celery brings Redis as its broker."""
    features = {answers["framework"]}
    if answers["framework"] in ("flask", "django"):
        features.add("gunicorn")
    if answers["use_postgres"]:
        features.add("postgres")
    if answers["use_redis"] or answers["use_celery"]:
        features.add("redis")
    if answers["use_celery"]:
        features.add("celery")
    return features


def paths_to_remove(answers: dict, manifest: dict = MANIFEST) -> list[str]:
    """Paths owned only by disabled features, sorted, with the slug filled in."""
    enabled = enabled_features(answers)
    keep = {path for feature in enabled for path in manifest.get(feature, ())}
    owned = {path for paths in manifest.values() for path in paths}
    slug = answers["project_slug"]
    return sorted(path.format(slug=slug) for path in owned - keep)


def remove_paths(root: Path, relative_paths: list[str]) -> None:
    for relative in relative_paths:
        path = root / relative
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def main() -> int:
    answers = json.loads(ANSWERS_JSON)
    remove_paths(Path.cwd(), paths_to_remove(answers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
