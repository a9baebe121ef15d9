"""Remove what the unselected options own, then record the answers for cruft.

The template renders every file; MANIFEST says which feature owns which path.
A path is removed when none of the features that own it is enabled. Removing
is idempotent (a missing path is fine).

Every project then gets `.cruft.json`: where the template lives, the version tag
it was rendered from and the answers, so `cruft check` and `cruft update` work
for a project rendered by plain cookiecutter too (`cruft create` overwrites the
file with its own, equivalent record). The file is rewritten whole each time.

The hook writes only inside the project, needs no network, docker or git, and
is safe to run again, as cruft does in its temporary renders on every update.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

# Rendered by cookiecutter; `tojson` escapes quotes, so any answer stays a valid literal.
# Single quotes: the JSON holds double quotes, so the formatter must leave this line alone.
ANSWERS_JSON = r'{{ cookiecutter | tojson }}'  # fmt: skip

CRUFT_FILE = ".cruft.json"

# cookiecutter's built-in abbreviations (cookiecutter.config.BUILTIN_ABBREVIATIONS):
# cruft clones plain git locations only, so `gh:org/repo` is recorded as the URL it stands for.
ABBREVIATIONS = {
    "gh": "https://github.com/{0}.git",
    "gl": "https://gitlab.com/{0}.git",
    "bb": "https://bitbucket.org/{0}",
}

# feature -> paths it owns, relative to the project root. "{slug}" is the package.
MANIFEST: dict[str, tuple[str, ...]] = {
    "fastapi": ("{slug}/main.py",),
    "flask": ("{slug}/app.py",),
    "django": (
        "manage.py",
        "{slug}/middleware.py",
        "{slug}/settings.py",
        "{slug}/urls.py",
        "{slug}/views.py",
        "{slug}/wsgi.py",
    ),
    "gunicorn": ("{slug}/gunicorn_conf.py",),
    "celery": ("{slug}/celery_app.py", "{slug}/tasks.py", "tests/test_tasks.py"),
    # The example model and its migrations: Django's ORM, or SQLAlchemy with Alembic.
    "django_orm": ("{slug}/models.py", "{slug}/admin.py", "{slug}/migrations"),
    "sqlalchemy": ("{slug}/db.py", "migrations"),
    "postgres": ("tests/test_items.py",),
    # Kubernetes manifests: a Kustomize base and its overlays, with a part per service.
    "kubernetes": ("deploy",),
    "kubernetes_postgres": ("deploy/kubernetes/base/migrate.yaml", "deploy/kubernetes/overlays/local/postgres.yaml"),
    "kubernetes_redis": ("deploy/kubernetes/overlays/local/redis.yaml",),
    "kubernetes_celery": (
        "deploy/kubernetes/base/worker.yaml",
        "deploy/kubernetes/base/beat.yaml",
        "deploy/kubernetes/components",
    ),
}


def enabled_features(answers: dict) -> set[str]:
    """The features an answer set turns on. Celery brings Redis as its broker."""
    features = {answers["framework"]}
    if answers["framework"] in ("flask", "django"):
        features.add("gunicorn")
    if answers["use_postgres"]:
        features.add("postgres")
        features.add("django_orm" if answers["framework"] == "django" else "sqlalchemy")
    if answers["use_redis"] or answers["use_celery"]:
        features.add("redis")
    if answers["use_celery"]:
        features.add("celery")
    if answers.get("use_kubernetes"):
        features |= {"kubernetes"} | {f"kubernetes_{name}" for name in features & {"postgres", "redis", "celery"}}
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


def template_location(template: str) -> str:
    """The template as the user named it, in a form git clones.

    A cookiecutter abbreviation is expanded, and cookiecutter's `git+` hint dropped.
    """
    prefix, colon, rest = template.partition(":")
    if colon and prefix in ABBREVIATIONS:
        return ABBREVIATIONS[prefix].format(rest)
    return template.removeprefix("git+")


def cruft_state(context: dict) -> dict:
    """cruft's record of a project: template, version tag (git accepts it as the commit), answers.

    Only the answers are kept: cruft drops `_`-prefixed keys when it renders again,
    so private settings such as `_pins` always come from the template version used.
    """
    return {
        "template": template_location(context["_template"]),
        "commit": "v" + context["_template_version"],
        "checkout": None,
        "context": {"cookiecutter": {k: v for k, v in context.items() if not k.startswith("_")}},
        "directory": None,
    }


def write_cruft_state(root: Path, context: dict) -> None:
    # Laid out as cruft writes it: two-space indent, UTF-8, a final newline.
    text = json.dumps(cruft_state(context), ensure_ascii=False, indent=2, separators=(",", ": "))
    (root / CRUFT_FILE).write_text(text + "\n", encoding="utf-8")


def main() -> int:
    context = json.loads(ANSWERS_JSON)
    root = Path.cwd()
    remove_paths(root, paths_to_remove(context))
    write_cruft_state(root, context)
    return 0


if __name__ == "__main__":
    sys.exit(main())
