"""The hooks as plain Python: validation rules and the pruning manifest."""

from __future__ import annotations

import ast
import json

import pytest

from hooks import post_gen_project as post
from hooks import pre_gen_project as pre

from .combos import TEMPLATE_DIR
from .tools import assert_ok, isolated_env, run, tool, tree, tree_differences

VALID = {
    "project_name": "Billing API",
    "project_slug": "billing_api",
    "description": "Bills things.",
    "author_name": "Team Billing",
    "author_email": "billing@example.com",
    "framework": "fastapi",
    "python_version": "3.13",
    "base_image_variant": "slim",
    "use_postgres": True,
    "use_redis": False,
    "use_celery": True,
    "http_port": "8000",
}


def test_valid_answers_pass_validation():
    assert pre.validate(VALID) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("project_slug", "Billing API", "not a valid package name"),
        ("project_slug", "billing-api", "not a valid package name"),
        ("project_slug", "1billing", "not a valid package name"),
        ("project_slug", "a" * 41, "not a valid package name"),
        ("project_slug", "../evil", "not a valid package name"),
        ("project_slug", "class", "would shadow"),
        ("project_slug", "json", "would shadow"),
        ("project_slug", "celery", "would shadow"),
        ("framework", "bottle", "framework 'bottle' is not supported"),
        ("python_version", "3.9", "python_version '3.9' is not supported"),
        ("base_image_variant", "distroless", "base_image_variant 'distroless' is not supported"),
        ("use_postgres", "maybe", "use_postgres must be true or false"),
        ("http_port", "80", "from 1024 to 65535"),
        ("http_port", "http", "from 1024 to 65535"),
        ("author_email", "nobody", "not an e-mail address"),
        ("project_name", 'Say "hi"', "contain no quotes"),
        ("description", "   ", "must be non-empty"),
    ],
)
def test_each_bad_answer_is_reported_with_a_clear_message(field, value, message):
    errors = pre.validate({**VALID, field: value})
    assert len(errors) == 1
    assert message in errors[0]
    assert field in errors[0]


def test_celery_brings_redis_as_its_broker():
    features = post.enabled_features({**VALID, "use_redis": False, "use_celery": True})
    assert {"celery", "redis", "postgres", "fastapi"} <= features


@pytest.mark.parametrize(
    ("framework", "kept", "removed"),
    [
        ("fastapi", "{slug}/main.py", "{slug}/gunicorn_conf.py"),
        ("flask", "{slug}/gunicorn_conf.py", "manage.py"),
        ("django", "manage.py", "{slug}/main.py"),
    ],
)
def test_manifest_prunes_what_other_frameworks_own(framework, kept, removed):
    doomed = post.paths_to_remove({**VALID, "framework": framework, "use_celery": False})
    assert kept.format(slug="billing_api") not in doomed
    assert removed.format(slug="billing_api") in doomed
    assert "billing_api/celery_app.py" in doomed


def test_every_manifest_path_exists_in_the_template():
    project = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
    for feature, paths in post.MANIFEST.items():
        for path in paths:
            assert (project / path.format(slug="{{cookiecutter.project_slug}}")).exists(), (feature, path)


def test_pruning_twice_is_safe(tmp_path):
    answers = {**VALID, "framework": "flask", "use_celery": False}
    for path in post.MANIFEST["fastapi"] + post.MANIFEST["celery"]:
        target = tmp_path / path.format(slug="billing_api")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x")
    doomed = post.paths_to_remove(answers)
    post.remove_paths(tmp_path, doomed)
    post.remove_paths(tmp_path, doomed)
    assert not any((tmp_path / p).exists() for p in doomed)


@pytest.mark.parametrize(
    ("named", "recorded"),
    [
        ("gh:acme/cookiecutter-python-service", "https://github.com/acme/cookiecutter-python-service.git"),
        ("gl:acme/templates/python-service", "https://gitlab.com/acme/templates/python-service.git"),
        (
            "https://git.example.com/acme/service-template.git",
            "https://git.example.com/acme/service-template.git",
        ),
        ("git@git.example.com:acme/service-template.git", "git@git.example.com:acme/service-template.git"),
        ("git+file:///srv/templates/python-service", "file:///srv/templates/python-service"),
        ("/srv/templates/python-service", "/srv/templates/python-service"),
    ],
)
def test_cruft_record_names_the_template_in_a_form_git_clones(named, recorded):
    assert post.template_location(named) == recorded


def test_cruft_record_holds_the_answers_and_the_version_tag():
    context = {**VALID, "_template": "gh:acme/tpl", "_template_version": "1.4.0", "_pins": {"uv": "1"}}
    state = post.cruft_state(context)
    assert state["commit"] == "v1.4.0"
    assert state["template"] == "https://github.com/acme/tpl.git"
    assert state["context"] == {"cookiecutter": VALID}


def test_writing_the_cruft_record_again_gives_the_same_bytes(tmp_path):
    context = {**VALID, "_template": "gh:acme/tpl", "_template_version": "1.4.0", "description": "Büros"}
    post.write_cruft_state(tmp_path, context)
    first = (tmp_path / ".cruft.json").read_bytes()
    post.write_cruft_state(tmp_path, context)
    assert (tmp_path / ".cruft.json").read_bytes() == first
    assert json.loads(first)["context"]["cookiecutter"]["description"] == "Büros"


# What the hooks may import: nothing that opens a connection or starts a program.
HOOK_IMPORTS_ALLOWED = {"__future__", "json", "keyword", "pathlib", "re", "shutil", "sys"}


@pytest.mark.parametrize("hook", ["pre_gen_project.py", "post_gen_project.py"])
def test_hooks_import_nothing_that_reaches_the_network_or_runs_programs(hook):
    module = ast.parse((TEMPLATE_DIR / "hooks" / hook).read_text())
    nodes = list(ast.walk(module))
    imported = {alias.name for node in nodes if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in nodes if isinstance(node, ast.ImportFrom) and node.module}
    assert imported, "found no imports: the check is not reading the hook"
    assert imported <= HOOK_IMPORTS_ALLOWED, sorted(imported - HOOK_IMPORTS_ALLOWED)


NOT_TEMPLATE = (".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".venv")


def test_rendering_needs_no_git_or_docker_and_writes_only_the_project(tmp_path):
    empty_path = tmp_path / "empty-path"
    empty_path.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    template_before = tree(TEMPLATE_DIR, exclude=NOT_TEMPLATE)
    # Nothing on PATH: cookiecutter runs the Python hooks with its own interpreter.
    env = {**isolated_env(tmp_path / "home"), "PATH": str(empty_path)}
    args = [tool("cookiecutter"), "--no-input", str(TEMPLATE_DIR), "-o", str(out), "use_celery=true"]
    assert_ok(run(args, out, env, inherit_env=False), "cookiecutter without git or docker on PATH")
    assert [p.name for p in out.iterdir()] == ["my_service"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-path", "home", "out"]
    assert tree_differences(template_before, tree(TEMPLATE_DIR, exclude=NOT_TEMPLATE)) == []
