"""Rendering is repeatable: the same answers give the same bytes, from any folder, replayed or
taken from a team's defaults file. cruft's updates rely on this: it diffs two fresh renders
against the service, so a render that varied (a timestamp, a random secret, a machine path)
would show up as a change, or a conflict, in every service on every update."""

from __future__ import annotations

import json

import pytest
import yaml

from .combos import COOKIECUTTER_JSON, FRAMEWORKS, TEMPLATE_DIR, Combo
from .template_repo import CREATORS
from .tools import assert_ok, run, tool, tree, tree_differences

TEAM_DEFAULTS = TEMPLATE_DIR / "docs" / "team-defaults.yaml"


def every_service(framework: str) -> Combo:
    return Combo(framework, use_postgres=True, use_redis=True, use_celery=True)


def cookiecutter(args: list[str], cwd, env):
    proc = run([tool("cookiecutter"), *args], cwd, env, inherit_env=False)
    assert_ok(proc, "cookiecutter " + " ".join(args))
    return proc


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_same_answers_render_byte_identical_trees(cookies, framework):
    answers = every_service(framework).extra_context()
    first, second = (cookies.bake(extra_context=answers) for _ in range(2))
    assert first.exit_code == 0 and second.exit_code == 0, (first.exception, second.exception)
    assert first.project_path != second.project_path
    # Whole trees: every path, its bytes and its mode (manage.py stays executable).
    assert tree_differences(tree(first.project_path), tree(second.project_path)) == []


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_rendered_files_name_no_folder_of_the_rendering_machine(render, framework, tmp_path_factory):
    project = render(every_service(framework))
    machine_paths = [str(project.parent), str(tmp_path_factory.getbasetemp()), str(TEMPLATE_DIR)]
    state = json.loads((project / ".cruft.json").read_text())
    # The one place a path may appear: the template was named by its path, so that is where it lives.
    assert state.pop("template") == str(TEMPLATE_DIR)
    texts = {".cruft.json": json.dumps(state)}
    texts |= {
        path.relative_to(project).as_posix(): path.read_text()
        for path in project.rglob("*")
        if path.is_file() and path.name != ".cruft.json"
    }
    leaks = [f"{name}: {machine}" for name, text in texts.items() for machine in machine_paths if machine in text]
    assert leaks == []


def test_replay_file_renders_the_same_service_again(tmp_path, env):
    answers = ["project_name=Billing API", "framework=flask", "use_redis=true", "http_port=8080"]
    cookiecutter(["--no-input", str(TEMPLATE_DIR), "-o", str(tmp_path / "first"), *answers], tmp_path, env)
    (replay_file,) = (tmp_path / "home" / ".cookiecutter_replay").glob("*.json")

    cookiecutter(["--replay-file", str(replay_file), str(TEMPLATE_DIR), "-o", str(tmp_path / "again")], tmp_path, env)

    first, again = tmp_path / "first" / "billing_api", tmp_path / "again" / "billing_api"
    assert (first / "billing_api" / "app.py").exists(), "the first render ignored its answers"
    assert tree_differences(tree(first), tree(again)) == []


@pytest.mark.parametrize("creator", CREATORS)
def test_team_defaults_file_answers_the_questions(creator, template_repo, tmp_path, env):
    defaults = yaml.safe_load(TEAM_DEFAULTS.read_text())["default_context"]
    changed = {key for key, value in defaults.items() if value != COOKIECUTTER_JSON[key]}
    assert changed, "the example sets nothing that differs from cookiecutter.json's defaults"
    out = tmp_path / "out"
    out.mkdir()
    config = ["--config-file", str(TEAM_DEFAULTS)]
    if creator == "cruft":
        args = [tool("cruft"), "create", str(template_repo.path), "--no-input", "--output-dir", str(out)]
    else:
        args = [tool("cookiecutter"), "--no-input", str(TEMPLATE_DIR), "--output-dir", str(out)]
    assert_ok(run([*args, *config], out, env, inherit_env=False), f"{creator} with the team defaults")

    (project,) = out.iterdir()
    answers = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert {key: answers[key] for key in defaults} == defaults
    pyproject = (project / "pyproject.toml").read_text()
    assert f'requires-python = ">={defaults["python_version"]}"' in pyproject


def test_plain_cookiecutter_records_answers_and_version_for_cruft(tmp_path, env):
    cookiecutter(["--no-input", str(TEMPLATE_DIR), "-o", str(tmp_path), "framework=flask"], tmp_path, env)
    state = json.loads((tmp_path / "my_service" / ".cruft.json").read_text())
    assert state["template"] == str(TEMPLATE_DIR)
    assert state["commit"] == "v" + COOKIECUTTER_JSON["_template_version"]
    answers = state["context"]["cookiecutter"]
    public = [key for key in COOKIECUTTER_JSON if not key.startswith("_")]
    assert sorted(answers) == sorted(public)
    assert answers["framework"] == "flask" and answers["project_slug"] == "my_service"
