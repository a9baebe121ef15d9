"""The hooks as plain Python: validation rules and the pruning manifest."""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import pytest

from hooks import post_gen_project as post
from hooks import pre_gen_project as pre

from .combos import COOKIECUTTER_JSON, TEMPLATE_DIR, Combo
from .tools import assert_ok, imported_modules, isolated_env, lock_env, run, tool, tree, tree_differences

SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output", "system", "execv", "execvp"}

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
    "use_kubernetes": False,
    "http_port": "8000",
}


RESERVED = json.loads((TEMPLATE_DIR / "hooks" / "reserved_names.json").read_text())


def test_valid_answers_pass_validation():
    assert pre.validate(VALID, RESERVED) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("project_name", 'Say "hi" to O\'Brien \\ $HOME ${BASE_IMAGE} `id` {{ x }} {% raw %}'),
        ("project_name", "Zürich \u2013 Straße ✓ 東京 \U0001f600"),
        ("description", "A description long enough to be wrapped where it lands. " * 5),
        ("author_name", "Ünïcödé & Co. <team>"),
        ("author_email", "o'brien+tag@example.com"),
        ("author_email", "$HOME@example.com"),
        ("author_email", "me@localhost"),
        ("http_port", "1024"),
        ("http_port", "65535"),
        ("http_port", 8080),
        ("project_slug", "a" * 40),
    ],
)
def test_unusual_but_safe_answers_are_accepted(field, value):
    assert pre.validate({**VALID, field: value}, RESERVED) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("project_slug", "Billing API", "not a valid package name"),
        ("project_slug", "billing-api", "not a valid package name"),
        ("project_slug", "1billing", "not a valid package name"),
        ("project_slug", "a" * 41, "not a valid package name"),
        ("project_slug", "../evil", "not a valid package name"),
        ("project_slug", "billing_api\n", "not a valid package name"),
        ("project_slug", "café", "not a valid package name"),
        ("project_slug", "class", "is a Python keyword"),
        ("project_slug", "json", "would shadow the standard library module 'json' of Python 3.13"),
        ("project_slug", "celery", "would shadow the module 'celery' the service installs (from celery)"),
        ("project_slug", "pydantic", "would shadow the module 'pydantic' the service installs (from pydantic)"),
        ("project_slug", "kombu", "would shadow the module 'kombu' the service installs (from kombu)"),
        ("project_slug", "werkzeug", "would shadow the module 'werkzeug' the service installs (from werkzeug)"),
        ("project_slug", "dateutil", "the service installs (from python-dateutil)"),
        ("project_slug", "tests", "would shadow the project's tests package"),
        ("project_slug", "sitecustomize", "would shadow a module Python imports at start-up"),
        ("framework", "bottle", "framework 'bottle' is not supported"),
        ("python_version", "3.9", "python_version '3.9' is not supported"),
        ("base_image_variant", "distroless", "base_image_variant 'distroless' is not supported"),
        ("use_postgres", "maybe", "use_postgres must be true or false"),
        ("http_port", "80", "from 1024 to 65535"),
        ("http_port", "65536", "from 1024 to 65535"),
        ("http_port", "http", "from 1024 to 65535"),
        ("http_port", "08000", "without a leading zero"),
        ("http_port", "\uff18\uff10\uff18\uff10", "in ASCII digits"),
        ("http_port", "١٢٣٤", "in ASCII digits"),
        ("http_port", "1²³⁴", "in ASCII digits"),
        ("http_port", "8000\n", "from 1024 to 65535"),
        ("http_port", True, "from 1024 to 65535"),
        ("author_email", "nobody", "not an e-mail address"),
        ("author_email", "me\\@example.com", "not an e-mail address"),
        ("author_email", "me@example.com\\", "not an e-mail address"),
        ("author_email", '"quoted"@example.com', "not an e-mail address"),
        ("author_email", "me@例え.jp", "in ASCII"),
        ("project_name", "Line one\nLine two", "contains a control character (U+000A)"),
        ("description", "   ", "must be non-empty text"),
        ("description", "Bills\x0bthings", "contains a control character (U+000B)"),
        ("description", "Bills\x0cthings", "contains a control character (U+000C)"),
        ("description", "\x1b[31mred", "contains a control character (U+001B)"),
        ("description", "one\u2028two", "contains a line break (U+2028)"),
        ("author_name", "\udcff", "contains a lone surrogate (U+DCFF)"),
        ("author_name", 42, "must be non-empty text, got 42"),
    ],
)
def test_each_bad_answer_is_reported_with_a_clear_message(field, value, message):
    errors = pre.validate({**VALID, field: value}, RESERVED)
    assert len(errors) == 1
    assert message in errors[0]
    assert errors[0].startswith(field + " ")
    assert "\n" not in errors[0], "the error must stay one line"


@pytest.mark.parametrize(
    ("slug", "python_version", "refused"),
    [
        ("compression", "3.14", True),  # new in 3.14
        ("compression", "3.13", False),
        ("annotationlib", "3.14", True),
        ("imghdr", "3.12", True),  # removed in 3.13
        ("imghdr", "3.13", False),
        ("distutils", "3.11", True),  # removed in 3.12
        ("distutils", "3.12", False),
    ],
)
def test_slug_is_checked_against_the_standard_library_of_the_python_answered(slug, python_version, refused):
    errors = pre.validate({**VALID, "project_slug": slug, "python_version": python_version}, RESERVED)
    assert bool(errors) == refused, errors
    if refused:
        assert f"standard library module {slug!r} of Python {python_version}" in errors[0]


def test_every_name_the_template_installs_is_refused_as_a_slug():
    names = {name for names in RESERVED["dependencies"].values() for name in names}
    assert {"pydantic", "starlette", "kombu", "werkzeug", "jinja2", "django", "pytest"} <= names
    slugs = [name for name in names if pre.SLUG_PATTERN.fullmatch(name)]
    accepted = [slug for slug in slugs if not pre.validate({**VALID, "project_slug": slug}, RESERVED)]
    assert accepted == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"python_version": "3.9"}, "python_version '3.9' in the config file is not supported"),
        ({"python_version": 3.12}, "python_version 3.12 in the config file is not supported; choose one of"),
        ({"framework": "bottle"}, "framework 'bottle' in the config file is not supported"),
        ({"base_image_variant": ["slim"]}, "base_image_variant ['slim'] in the config file is not supported"),
        ({"use_postgres": "maybe"}, "use_postgres 'maybe' in the config file must be true or false"),
        ({"use_celery": 2}, "use_celery 2 in the config file must be true or false"),
    ],
)
def test_a_config_file_answer_cookiecutter_would_drop_is_refused(config, message):
    errors = pre.validate(VALID, RESERVED, {"author_name": "Team", **config})
    assert len(errors) == 1 and errors[0].startswith(message), errors


def test_an_unquoted_version_in_a_config_file_is_told_to_be_quoted():
    (error,) = pre.validate(VALID, RESERVED, {"python_version": 3.12})
    assert error.endswith('(quote it: "3.12")')


@pytest.mark.parametrize(
    "config",
    [None, {}, {"use_postgres": "yes"}, {"use_redis": " Off "}, {"use_celery": True}, {"python_version": "3.12"}],
)
def test_config_file_answers_cookiecutter_applies_pass(config):
    # Keys other templates ask about (a user's ~/.cookiecutterrc serves them all) pass too.
    assert pre.validate(VALID, RESERVED, {**(config or {}), "full_name": "x", "license": "MIT"}) == []


def test_the_hook_offers_exactly_the_choices_of_cookiecutter_json():
    questions = {k: v for k, v in COOKIECUTTER_JSON.items() if not k.startswith("_")}
    assert {k: sorted(v) for k, v in pre.CHOICES.items()} == {
        k: sorted(v) for k, v in questions.items() if isinstance(v, list)
    }
    assert set(pre.BOOLEAN_ANSWERS) == {k for k, v in questions.items() if isinstance(v, bool)}


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


# What the hooks may import: nothing that opens a connection; only the post-generation hook starts
# a program, and only `uv lock` (next test).
HOOK_IMPORTS_ALLOWED = {"__future__", "json", "keyword", "pathlib", "re", "shutil", "sys", "unicodedata"}
HOOK_PROGRAMS = {"pre_gen_project.py": set(), "post_gen_project.py": {"os", "subprocess"}}


@pytest.mark.parametrize("hook", ["pre_gen_project.py", "post_gen_project.py"])
def test_hooks_import_nothing_that_reaches_the_network_or_runs_programs(hook):
    imported = imported_modules(TEMPLATE_DIR / "hooks" / hook)
    assert imported, "found no imports: the check is not reading the hook"
    allowed = HOOK_IMPORTS_ALLOWED | HOOK_PROGRAMS[hook]
    assert imported <= allowed, sorted(imported - allowed)


def test_the_only_program_the_post_generation_hook_starts_is_uv_lock():
    tree_ = ast.parse((TEMPLATE_DIR / "hooks" / "post_gen_project.py").read_text())
    calls = [
        node
        for node in ast.walk(tree_)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SUBPROCESS_CALLS
    ]
    assert [ast.unparse(call.args[0]) for call in calls] == ["[uv, 'lock']"]


# ---- locking: uv.lock from the first render, one line when it cannot be written ----

LOCK_HINT = re.compile(r"^uv\.lock not written \(.+\): run `uv lock` in \S+ before building the image\.$")


def locked_project(tmp_path: Path) -> Path:
    """A minimal uv project needing one small package from the index."""
    project = tmp_path / "svc"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "0"\nrequires-python = ">=3.11"\ndependencies = ["idna==3.10"]\n'
        "[tool.uv]\npackage = false\n"
    )
    return project


def offline_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This venv's uv and Python, an empty uv cache, and whatever shuts the index off."""
    return {**os.environ, **lock_env("3.11"), "UV_CACHE_DIR": str(tmp_path / "uv-cache"), **extra}


def test_locking_runs_on_a_first_render_only():
    assert post.should_lock({**VALID}, {})
    assert post.should_lock({**VALID}, {"SERVICE_TEMPLATE_LOCK": "1"})
    assert not post.should_lock({**VALID}, {"SERVICE_TEMPLATE_LOCK": "0"})
    # cruft's renders for update/diff/check carry the commit: no network, no lock to fight the project's.
    assert not post.should_lock({**VALID, "_commit": "abc123"}, {})


@pytest.mark.parametrize(
    "shut_off",
    [
        {"UV_OFFLINE": "1"},
        {"UV_INDEX_URL": "http://127.0.0.1:9/simple", "UV_HTTP_RETRIES": "0"},
        {"PATH": "/nonexistent"},
    ],
    ids=["offline", "index-on-a-closed-port", "no-uv"],
)
def test_lock_without_an_index_gives_one_line_and_leaves_no_lock(tmp_path, shut_off):
    project = locked_project(tmp_path)
    hint = post.lock(project, offline_env(tmp_path, **shut_off), timeout=120)
    assert hint and LOCK_HINT.match(hint), hint
    assert "\n" not in hint
    assert not (project / "uv.lock").exists()


def test_a_failed_lock_keeps_the_lock_that_was_there(tmp_path):
    project = locked_project(tmp_path)
    (project / "uv.lock").write_text("version = 1\n")
    assert post.lock(project, offline_env(tmp_path, UV_OFFLINE="1"), timeout=120)
    assert (project / "uv.lock").read_text() == "version = 1\n"


def test_render_without_an_index_succeeds_with_one_line_and_no_lock(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    env = {
        **isolated_env(tmp_path / "home"),
        **lock_env("3.13"),
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "UV_INDEX_URL": "http://127.0.0.1:9/simple",
        "UV_HTTP_RETRIES": "0",
    }
    args = [tool("cookiecutter"), "--no-input", str(TEMPLATE_DIR), "-o", str(out)]
    proc = run(args, out, env, timeout=300)
    assert_ok(proc, "cookiecutter with no package index")
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and LOCK_HINT.match(lines[0]), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not (out / "my_service" / "uv.lock").exists()


def test_render_writes_a_current_lock_the_image_can_install(render_locked):
    project = render_locked(Combo())
    assert (project / "uv.lock").is_file(), "the post-generation hook wrote no uv.lock"
    check = run([tool("uv"), "lock", "--check"], project, lock_env(Combo().python_version), timeout=300)
    assert_ok(check, "uv lock --check on the rendered lock")
    assert "fastapi" in (project / "uv.lock").read_text()


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
