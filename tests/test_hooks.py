"""The hooks as plain Python: validation rules and the pruning manifest."""

from __future__ import annotations

import pytest

from hooks import post_gen_project as post
from hooks import pre_gen_project as pre

from .combos import TEMPLATE_DIR

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
