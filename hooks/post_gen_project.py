"""Remove what the unselected options own, then record the answers for cruft.

The template renders every file; MANIFEST says which feature owns which path.
A path is removed when none of the features that own it is enabled. Removing
is idempotent (a missing path is fine).

Every project then gets `.cruft.json`: where the template lives, the version tag
it was rendered from and the answers, so `cruft check` and `cruft update` work
for a project rendered by plain cookiecutter too (`cruft create` overwrites the
file with its own, equivalent record). The file is rewritten whole each time.

Last, `uv lock` writes uv.lock, which the image installs with `--locked`, when uv
is installed and a package index answers. When not, the render still succeeds:
one line says what to run, and no partial lock is left. cruft's own renders
(`cruft update`, `cruft diff`, `cruft check`: their context carries `_commit`)
skip it, so an update neither waits on the network nor fights the project's
lock; and SERVICE_TEMPLATE_LOCK=0 skips it on purpose (the template's tests).

The hook writes only inside the project, needs no network, docker or git (it
uses uv and the network when they are there), and is safe to run again, as
cruft does in its temporary renders on every update.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

# Rendered by cookiecutter; `tojson` escapes quotes, so any answer stays a valid literal.
# Single quotes: the JSON holds double quotes, so the formatter must leave this line alone.
ANSWERS_JSON = r'{{ cookiecutter | tojson }}'  # fmt: skip

CRUFT_FILE = ".cruft.json"
LOCK_FILE = "uv.lock"
LOCK_SWITCH = "SERVICE_TEMPLATE_LOCK"  # "0": render without locking
LOCK_TIMEOUT = 300  # seconds; a resolver that hangs must not hang the render

# cookiecutter's built-in abbreviations (cookiecutter.config.BUILTIN_ABBREVIATIONS):
# cruft clones plain git locations only, so `gh:org/repo` is recorded as the URL it stands for.
ABBREVIATIONS = {
    "gh": "https://github.com/{0}.git",
    "gl": "https://gitlab.com/{0}.git",
    "bb": "https://bitbucket.org/{0}",
}

# feature -> paths it owns, relative to the project root. "{slug}" is the package.
MANIFEST: dict[str, tuple[str, ...]] = {
    "fastapi": ("{slug}/main.py", "{slug}/log_config.json"),
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


def should_lock(context: dict, environ: dict) -> bool:
    """Lock on a first render; not in cruft's renders (they carry `_commit`), nor when switched off."""
    return "_commit" not in context and environ.get(LOCK_SWITCH, "1") != "0"


def lock(root: Path, environ: dict, timeout: float = LOCK_TIMEOUT) -> str | None:
    """Run `uv lock` in root. None when uv.lock was written, else one line saying what to run.

    A failed or timed-out attempt leaves the project as it was: a uv.lock that was not there
    before is removed, so no partial lock survives.
    """
    target = root / LOCK_FILE
    existed = target.exists()
    reason = None
    uv = shutil.which("uv", path=environ.get("PATH"))
    if uv is None:
        reason = "uv is not installed"
    else:
        try:
            proc = subprocess.run(
                [uv, "lock"], cwd=root, env=environ, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            reason = f"`uv lock` took more than {timeout:.0f} s"
        else:
            if proc.returncode != 0:
                errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
                reason = errors[0].removeprefix("error:").strip() if errors else f"`uv lock` exited {proc.returncode}"
    if reason is None and target.is_file():
        return None
    if not existed:
        target.unlink(missing_ok=True)
    reason = reason or "`uv lock` wrote no uv.lock"
    return f"uv.lock not written ({reason}): run `uv lock` in {root.name} before building the image."


def main() -> int:
    context = json.loads(ANSWERS_JSON)
    root = Path.cwd()
    remove_paths(root, paths_to_remove(context))
    write_cruft_state(root, context)
    if should_lock(context, dict(os.environ)):
        hint = lock(root, dict(os.environ))
        if hint:
            print(hint, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
