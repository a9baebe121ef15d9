"""Services rendered from the template can be checked and updated with cruft when it changes.

Everything runs offline against a local git repository of the template (see template_repo.py):
services are rendered at the current version by `cruft create` or by plain `cookiecutter`,
committed in their own git repository, then updated to the next release.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .combos import PINS, TEMPLATE_DIR
from .template_repo import (
    CREATORS,
    CURRENT_VERSION,
    NEW_DOCKERFILE_LINE,
    NEW_FILE,
    NEW_UV_PIN,
    OLD_DOCKERFILE_LINE,
    TemplateRepo,
    commit_all,
    commit_project,
    cruft,
    git,
    render,
)
from .tools import assert_ok, tree, tree_differences

ANSWERS = {
    "project_name": "Billing API",
    "framework": "django",
    "python_version": "3.13",
    "use_postgres": True,
    "use_celery": True,
    "use_kubernetes": False,
}
README_ADDITION = "\n## On call\n\nPage the billing team.\n"
OWN_FILE = "billing_api/invoices.py"
CONFLICT_MARKER = re.compile(r"^(<<<<<<<|>>>>>>>) ", re.MULTILINE)


def make_local_edits(project: Path, env: dict[str, str]) -> None:
    """What a team does to its service: edits the README, adds code; all committed."""
    with (project / "README.md").open("a") as readme:
        readme.write(README_ADDITION)
    (project / OWN_FILE).write_text('"""Invoices."""\n')
    commit_all(project, env, "Our own changes")


def left_for_a_human(project: Path) -> list[str]:
    """Files cruft could not merge: with git's conflict markers, or `*.rej` rejected hunks."""
    marked = [
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if ".git" not in path.parts and path.is_file() and CONFLICT_MARKER.search(path.read_text())
    ]
    rejected = [path.relative_to(project).as_posix() for path in project.rglob("*.rej")]
    return sorted(marked + rejected)


def recorded(project: Path) -> dict:
    return json.loads((project / ".cruft.json").read_text())


@pytest.mark.parametrize("creator", CREATORS)
def test_check_reports_a_service_at_the_newest_version_up_to_date(creator, template_repo: TemplateRepo, env, tmp_path):
    project = render(creator, template_repo, tmp_path / "out", ANSWERS, env)
    commit_project(project, env)
    proc = cruft(["check", "--not-strict"], project, env)
    assert_ok(proc, "cruft check --not-strict")
    assert "up to date" in proc.stdout
    if creator == "cookiecutter":
        # Why the READMEs say --not-strict: the strict check wants the commit id itself.
        assert cruft(["check"], project, env).returncode == 1


@pytest.mark.parametrize("creator", CREATORS)
def test_update_brings_the_release_and_keeps_local_edits(creator, template_repo: TemplateRepo, env, tmp_path):
    project = render(creator, template_repo, tmp_path / "old", ANSWERS, env, checkout=template_repo.old_tag)
    commit_project(project, env)
    make_local_edits(project, env)
    readme_before = (project / "README.md").read_text()

    check = cruft(["check", "--not-strict"], project, env)
    assert check.returncode == 1 and "out of date" in check.stdout, check.stdout + check.stderr

    assert_ok(cruft(["update", "--skip-apply-ask"], project, env), "cruft update")

    assert left_for_a_human(project) == []
    dockerfile = (project / "Dockerfile").read_text()
    assert f"FROM ghcr.io/astral-sh/uv:{NEW_UV_PIN} AS uv\n" in dockerfile
    assert NEW_DOCKERFILE_LINE in dockerfile and OLD_DOCKERFILE_LINE not in dockerfile
    assert (project / NEW_FILE).read_text().startswith("# Billing API runbook\n")
    assert (project / "README.md").read_text() == readme_before
    assert (project / OWN_FILE).exists()
    # Beyond the local edits, the service is now exactly a fresh render of the new release:
    # cruft re-ran the hooks in its own renders, so no pruned file came back.
    fresh = render("cruft", template_repo, tmp_path / "fresh", ANSWERS, env)
    skip = (".git", ".cruft.json", "README.md", Path(OWN_FILE).name)
    assert tree_differences(tree(project, skip), tree(fresh, skip)) == []

    state = recorded(project)
    assert state["commit"] == template_repo.commit_of(template_repo.new_tag)
    assert {key: state["context"]["cookiecutter"][key] for key in ANSWERS} == ANSWERS
    assert_ok(cruft(["check"], project, env), "strict cruft check after the update")


def test_update_takes_new_pin_defaults_although_the_record_holds_the_old_ones(
    template_repo: TemplateRepo, env, tmp_path
):
    project = render("cruft", template_repo, tmp_path / "out", ANSWERS, env, checkout=template_repo.old_tag)
    commit_project(project, env)
    old_uv = recorded(project)["context"]["cookiecutter"]["_pins"]["uv"]
    assert old_uv != NEW_UV_PIN
    assert f"FROM ghcr.io/astral-sh/uv:{old_uv} AS uv\n" in (project / "Dockerfile").read_text()

    assert_ok(cruft(["update", "--skip-apply-ask"], project, env), "cruft update")

    assert f"FROM ghcr.io/astral-sh/uv:{NEW_UV_PIN} AS uv\n" in (project / "Dockerfile").read_text()
    assert recorded(project)["context"]["cookiecutter"]["_pins"]["uv"] == NEW_UV_PIN


def test_update_leaves_a_file_the_service_deleted_deleted(template_repo: TemplateRepo, env, tmp_path):
    project = render("cruft", template_repo, tmp_path / "out", ANSWERS, env, checkout=template_repo.old_tag)
    commit_project(project, env)
    git(["rm", "--quiet", "Dockerfile"], project, env)
    commit_all(project, env, "We build our image elsewhere")

    assert_ok(cruft(["update", "--skip-apply-ask"], project, env), "cruft update")

    assert not (project / "Dockerfile").exists(), "the release's Dockerfile edit brought it back"
    assert left_for_a_human(project) == []
    assert (project / NEW_FILE).exists()


def test_conflicting_local_edit_is_reported_not_dropped(template_repo: TemplateRepo, env, tmp_path):
    project = render("cruft", template_repo, tmp_path / "out", ANSWERS, env, checkout=template_repo.old_tag)
    commit_project(project, env)
    ours = "HEALTHCHECK --interval=60s "
    dockerfile = project / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace(OLD_DOCKERFILE_LINE, ours))
    commit_all(project, env, "Check health less often")

    proc = cruft(["update", "--skip-apply-ask"], project, env)

    # cruft exits 0 on a conflict: the conflict shows as markers or a .rej file, never silently.
    assert_ok(proc, "cruft update")
    conflicted = left_for_a_human(project)
    assert conflicted in (["Dockerfile"], ["Dockerfile.rej"]), conflicted
    text = dockerfile.read_text()
    assert ours in text, "the local edit was dropped"
    assert f"FROM ghcr.io/astral-sh/uv:{NEW_UV_PIN} AS uv\n" in text, "the rest of the release was not applied"
    assert (project / NEW_FILE).exists()
    if conflicted == ["Dockerfile"]:
        assert NEW_DOCKERFILE_LINE in text
        assert "Dockerfile" in git(["diff", "--name-only", "--diff-filter=U"], project, env).split()


@pytest.mark.parametrize("creator", CREATORS)
def test_changing_one_answer_equals_a_fresh_render_with_it(creator, template_repo: TemplateRepo, env, tmp_path):
    project = render(creator, template_repo, tmp_path / "before", ANSWERS, env)
    commit_project(project, env)

    variables = json.dumps({"python_version": "3.12"})
    proc = cruft(["update", "--skip-apply-ask", "--variables-to-update", variables], project, env)
    assert_ok(proc, "cruft update --variables-to-update")

    fresh = render("cruft", template_repo, tmp_path / "fresh", {**ANSWERS, "python_version": "3.12"}, env)
    # Nothing is excluded but git's own folder: even .cruft.json matches `cruft create`'s
    # record byte for byte (same template location, commit and answers).
    assert tree_differences(tree(project), tree(fresh)) == []
    assert f"FROM python:{PINS['python']['3.12']}-slim-" in (project / "Dockerfile").read_text()


def test_changelog_has_a_section_for_the_template_version():
    changelog = (TEMPLATE_DIR / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", changelog, re.MULTILINE)
    assert versions, "CHANGELOG.md has no version sections"
    assert versions[0] == CURRENT_VERSION, f"newest CHANGELOG version {versions[0]} != _template_version"
