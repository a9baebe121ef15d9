"""A throwaway git repository of this template, and services rendered from it, all offline.

The repository holds the template as it is in this checkout (committed or not), tagged as its
current version, then a typical next release: a new `_pins` default, a new file and an edited
Dockerfile line. Services are rendered by `cruft create` or by plain `cookiecutter`, as teams do.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from .combos import COOKIECUTTER_JSON, TEMPLATE_DIR
from .tools import assert_ok, run, tool

# What cookiecutter and cruft read from the template repository.
TEMPLATE_PARTS = ("cookiecutter.json", "hooks", "template_extension.py", "{{cookiecutter.project_slug}}")
CURRENT_VERSION: str = COOKIECUTTER_JSON["_template_version"]

# The next release, as the tests make it.
NEW_UV_PIN = "0.99.0"
OLD_DOCKERFILE_LINE = "HEALTHCHECK --interval=30s "
NEW_DOCKERFILE_LINE = "HEALTHCHECK --interval=15s "
NEW_FILE = "RUNBOOK.md"
CREATORS = ("cruft", "cookiecutter")


def next_version(version: str) -> str:
    major, minor, _patch = version.split(".")
    return f"{major}.{int(minor) + 1}.0"


def git(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = run(["git", *args], cwd, env, inherit_env=False)
    assert_ok(proc, "git " + " ".join(args))
    return proc.stdout.strip()


def commit_all(repo: Path, env: dict[str, str], message: str) -> None:
    git(["add", "--all"], repo, env)
    git(["commit", "--quiet", "--no-verify", "-m", message], repo, env)


def copy_template(destination: Path) -> None:
    destination.mkdir(parents=True)
    for part in TEMPLATE_PARTS:
        source = TEMPLATE_DIR / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, destination / part)


def make_next_release(template: Path) -> None:
    """What a release typically changes: a pin default, a new file, one Dockerfile line, the version."""
    cookiecutter_json = template / "cookiecutter.json"
    data = json.loads(cookiecutter_json.read_text())
    assert data["_pins"]["uv"] != NEW_UV_PIN
    data["_pins"]["uv"] = NEW_UV_PIN
    data["_template_version"] = next_version(CURRENT_VERSION)
    cookiecutter_json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    project = template / "{{cookiecutter.project_slug}}"
    (project / NEW_FILE).write_text("# {{ cookiecutter.project_name }} runbook\n\nWhat to do when it breaks.\n")
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text()
    assert text.count(OLD_DOCKERFILE_LINE) == 1, "the Dockerfile line this release edits has changed"
    dockerfile.write_text(text.replace(OLD_DOCKERFILE_LINE, NEW_DOCKERFILE_LINE))


@dataclass(frozen=True)
class TemplateRepo:
    path: Path
    old_tag: str
    new_tag: str
    env: dict[str, str]

    def commit_of(self, ref: str) -> str:
        return git(["rev-parse", f"{ref}^{{commit}}"], self.path, self.env)


def build_template_repo(root: Path, env: dict[str, str]) -> TemplateRepo:
    path = root / "cookiecutter-python-service"
    copy_template(path)
    git(["init", "--quiet", "--initial-branch=main"], path, env)
    old_tag = "v" + CURRENT_VERSION
    commit_all(path, env, f"Release {old_tag}")
    git(["tag", old_tag], path, env)
    make_next_release(path)
    new_tag = "v" + next_version(CURRENT_VERSION)
    commit_all(path, env, f"Release {new_tag}")
    git(["tag", new_tag], path, env)
    return TemplateRepo(path, old_tag, new_tag, env)


def render(
    creator: str,
    repo: TemplateRepo,
    output_dir: Path,
    answers: dict,
    env: dict[str, str],
    checkout: str | None = None,
) -> Path:
    """Render a service as a team would: `cruft create`, or plain `cookiecutter`.

    Plain cookiecutter names the template as a git URL when it must check out a tag (as with
    `gh:org/repo --checkout v1.2.0`), else as a local path (as from a clone).
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    if creator == "cruft":
        args = [tool("cruft"), "create", str(repo.path), "--output-dir", str(output_dir), "--no-input"]
        args += ["--extra-context", json.dumps(answers)]
    else:
        template = f"git+file://{repo.path}" if checkout else str(repo.path)
        args = [tool("cookiecutter"), "--no-input", template, "--output-dir", str(output_dir)]
        args += [f"{key}={json.dumps(value) if isinstance(value, bool) else value}" for key, value in answers.items()]
    if checkout:
        args += ["--checkout", checkout]
    assert_ok(run(args, output_dir, env, inherit_env=False), f"{creator} rendering")
    (project,) = output_dir.iterdir()
    return project


def commit_project(project: Path, env: dict[str, str]) -> None:
    """The service as a team keeps it: its own git repository, everything committed."""
    git(["init", "--quiet", "--initial-branch=main"], project, env)
    commit_all(project, env, "Render the service")


def cruft(args: list[str], project: Path, env: dict[str, str]):
    return run([tool("cruft"), *args], project, env, inherit_env=False)
