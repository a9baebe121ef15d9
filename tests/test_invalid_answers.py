"""Bad answers fail in the pre-generation hook with one clear line and leave nothing behind.

Through the real command line, as a user meets them: the hook's `ERROR:` line on stderr and
cookiecutter's own short "Hook script failed" on stdout, no traceback. Answers from a config
file (cookiecutter, cruft, pytest-cookies) and from a replay file are held to the same rules.
"""

from __future__ import annotations

import json
import sys

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException
from pytest_cookies.plugin import Cookies

from .combos import TEMPLATE_DIR
from .tools import run, tool

COOKIECUTTER_SHORT_LINE = "Hook script failed (exit status: 1)"


def cookiecutter(output_dir, *args: str, env=None):
    command = [sys.executable, "-m", "cookiecutter", str(TEMPLATE_DIR), "-o", str(output_dir)]
    return run([*command, *args], cwd=output_dir, env=env)


def hook_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("ERROR:")]


def assert_refused_in_one_line(proc, message: str) -> None:
    """Exactly the hook's line and cookiecutter's short line: no traceback, no other error."""
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    errors = hook_errors(proc.stderr)
    assert len(errors) == 1 and errors[0].startswith(message), proc.stderr
    assert proc.stdout.strip() == COOKIECUTTER_SHORT_LINE, proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (["project_slug=My Service"], "ERROR: project_slug 'My Service' is not a valid package name"),
        (["project_name=json"], "ERROR: project_slug 'json' would shadow the standard library module 'json'"),
        (["project_slug=pydantic"], "ERROR: project_slug 'pydantic' would shadow the module 'pydantic'"),
        (["project_slug=compression", "python_version=3.14"], "ERROR: project_slug 'compression' would shadow"),
        (["project_slug=../escape"], "ERROR: project_slug '../escape' is not a valid package name"),
        (["http_port=80"], "ERROR: http_port '80' must be a number from 1024 to 65535"),
        (["http_port=08000"], "ERROR: http_port '08000' must be a number"),
        (["http_port=\uff18\uff10\uff18\uff10"], "ERROR: http_port '\uff18\uff10\uff18\uff10' must be a number"),
        (["http_port=\u0661\u0662\u0663\u0664"], "ERROR: http_port '\u0661\u0662\u0663\u0664' must be a number"),
        (["http_port=1\xb2\xb3\u2074"], "ERROR: http_port '1\xb2\xb3\u2074' must be a number"),
        (["author_email=nobody"], "ERROR: author_email 'nobody' is not an e-mail address"),
        (["author_email=me\\@example.com"], "ERROR: author_email 'me\\\\@example.com' is not an e-mail address"),
        (["author_email=me@example.com\\"], "ERROR: author_email 'me@example.com\\\\' is not an e-mail address"),
        (["description=Bills\x0bthings"], "ERROR: description 'Bills\\x0bthings' contains a control character"),
        (["description=Bills\x0cthings"], "ERROR: description 'Bills\\x0cthings' contains a control character"),
        (["description=\x1b[1mBills"], "ERROR: description '\\x1b[1mBills' contains a control character"),
        (["project_name=Two\nlines"], "ERROR: project_name 'Two\\nlines' contains a control character"),
    ],
)
def test_bad_answer_fails_before_any_file_is_written(tmp_path, answers, message):
    out = tmp_path / "out"
    out.mkdir()
    assert_refused_in_one_line(cookiecutter(out, "--no-input", *answers), message)
    assert list(out.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("python_version=3.9", "3.9 provided for choice variable python_version"),
        ("framework=bottle", "bottle provided for choice variable framework"),
        ("base_image_variant=scratch", "scratch provided for choice variable base_image_variant"),
    ],
)
def test_unknown_choice_on_the_command_line_is_refused_by_cookiecutter_before_any_file(tmp_path, answer, message):
    # cookiecutter checks these while reading the command line, before any template code runs:
    # its error (with its traceback) is out of the hook's reach.
    proc = cookiecutter(tmp_path, "--no-input", answer)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert list(tmp_path.iterdir()) == []


def default_context(**answers) -> dict:
    """A cookiecutter user config file holding `answers` as defaults."""
    return {"default_context": {"author_name": "Team Payments", **answers}}


BAD_CONFIG_ANSWERS = [
    ({"python_version": "3.9"}, "ERROR: python_version '3.9' in the config file is not supported"),
    ({"python_version": 3.12}, "ERROR: python_version 3.12 in the config file is not supported"),
    ({"framework": "bottle"}, "ERROR: framework 'bottle' in the config file is not supported"),
    ({"use_postgres": "maybe"}, "ERROR: use_postgres 'maybe' in the config file must be true or false"),
]


@pytest.mark.parametrize(("answers", "message"), BAD_CONFIG_ANSWERS)
def test_config_file_answer_cookiecutter_would_drop_is_refused(tmp_path, env, answers, message):
    config = tmp_path / "team.yaml"
    config.write_text(yaml.safe_dump(default_context(**answers)))
    out = tmp_path / "out"
    out.mkdir()
    proc = cookiecutter(out, "--no-input", "--config-file", str(config), env=env)
    # cookiecutter itself only warns ("Invalid default received"), then renders its default.
    assert "Invalid default received" in proc.stderr
    assert_refused_in_one_line(proc, message)
    assert list(out.iterdir()) == []


def test_config_file_is_checked_when_cookiecutter_reads_it_from_the_environment(tmp_path, env):
    config = tmp_path / "team.yaml"
    config.write_text(yaml.safe_dump(default_context(framework="bottle")))
    out = tmp_path / "out"
    out.mkdir()
    proc = cookiecutter(out, "--no-input", env={**env, "COOKIECUTTER_CONFIG": str(config)})
    assert_refused_in_one_line(proc, "ERROR: framework 'bottle' in the config file is not supported")


@pytest.mark.filterwarnings("ignore:Invalid default received")  # cookiecutter's own, in-process
@pytest.mark.parametrize(("answers", "message"), BAD_CONFIG_ANSWERS[:2])
def test_config_file_answer_is_refused_through_pytest_cookies(tmp_path, answers, message, capfd):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({**default_context(**answers), "replay_dir": str(tmp_path / "replay")}))
    bakes = tmp_path / "bakes"
    bakes.mkdir()
    result = Cookies(str(TEMPLATE_DIR), lambda name: bakes / name, config).bake()
    assert result.exit_code == -1 and isinstance(result.exception, FailedHookException)
    (error,) = hook_errors(capfd.readouterr().err)
    assert error.startswith(message)
    # cookiecutter made the bake's output folder with the project folder; the project is gone.
    assert [p.relative_to(bakes).as_posix() for p in bakes.rglob("*")] == ["bake00"]


def test_config_file_answer_is_refused_by_cruft_create(template_repo, tmp_path, env):
    config = tmp_path / "team.yaml"
    config.write_text(yaml.safe_dump(default_context(python_version="3.9")))
    out = tmp_path / "out"
    out.mkdir()
    args = [tool("cruft"), "create", str(template_repo.path), "--no-input", "--output-dir", str(out)]
    proc = run([*args, "--config-file", str(config)], out, env, inherit_env=False)
    assert proc.returncode != 0
    # cruft does not catch the hook's failure: its own traceback follows the hook's line.
    (error,) = hook_errors(proc.stderr)
    assert error.startswith("ERROR: python_version '3.9' in the config file is not supported"), proc.stderr
    assert list(out.iterdir()) == []


def replay_file(tmp_path, **answers) -> str:
    """A replay file as cookiecutter writes it, with some answers changed."""
    context = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    replayed = {k: (v[0] if isinstance(v, list) and not k.startswith("_") else v) for k, v in context.items()}
    replayed.update(project_slug="replayed", _template=str(TEMPLATE_DIR), **answers)
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": replayed}))
    return str(replay)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"python_version": "3.9"}, "ERROR: python_version '3.9' is not supported"),
        ({"use_postgres": "maybe"}, "ERROR: use_postgres must be true or false, got 'maybe'"),
        ({"http_port": 80}, "ERROR: http_port 80 must be a number from 1024 to 65535"),
        ({"description": "two\nlines"}, "ERROR: description 'two\\nlines' contains a control character"),
    ],
)
def test_replayed_bad_answer_is_caught_by_the_hook(tmp_path, answers, message):
    # A replay file skips cookiecutter's own checks: the pre-generation hook still refuses.
    out = tmp_path / "out"
    out.mkdir()
    proc = cookiecutter(out, "--replay-file", replay_file(tmp_path, **answers))
    assert_refused_in_one_line(proc, message)
    assert list(out.iterdir()) == []


def test_defaults_render_and_celery_without_redis_renders_redis_too(tmp_path):
    proc = cookiecutter(tmp_path, "--no-input", "framework=django", "use_celery=true", "use_redis=false")
    assert proc.returncode == 0, proc.stderr
    project = tmp_path / "my_service"
    compose = (project / "compose.yaml").read_text()
    assert "  redis:\n" in compose and "  worker:\n" in compose
    assert (project / "my_service" / "celery_app.py").exists()


def test_the_slug_suggested_from_any_name_is_a_package_name(tmp_path):
    proc = cookiecutter(tmp_path, "--no-input", "project_name=TCP/IP Gateway f\xfcr Z\xfcrich")
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["tcp_ip_gateway_fur_zurich"]


def test_verbose_still_shows_why_generation_stopped_without_a_traceback(tmp_path):
    proc = cookiecutter(tmp_path, "--no-input", "--verbose", "http_port=80")
    assert proc.returncode == 1
    assert "Stopping generation because pre_gen_project hook script didn't exit successfully" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
