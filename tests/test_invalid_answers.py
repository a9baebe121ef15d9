"""Bad answers fail in the pre-generation hook with one clear line and leave nothing behind."""

from __future__ import annotations

import json
import sys

import pytest

from .combos import TEMPLATE_DIR
from .tools import run


def cookiecutter(output_dir, *answers: str):
    args = [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE_DIR), "-o", str(output_dir)]
    return run([*args, *answers], cwd=output_dir)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (["project_slug=My Service"], "ERROR: project_slug 'My Service' is not a valid package name"),
        (["project_name=json"], "ERROR: project_slug 'json' would shadow a Python module"),
        (["http_port=80"], "ERROR: http_port '80' must be a number from 1024 to 65535"),
        (["author_email=nobody"], "ERROR: author_email 'nobody' is not an e-mail address"),
        (["project_slug=../escape"], "ERROR: project_slug '../escape' is not a valid package name"),
    ],
)
def test_bad_answer_fails_before_any_file_is_written(tmp_path, answers, message):
    out = tmp_path / "out"
    out.mkdir()
    proc = cookiecutter(out, *answers)
    assert proc.returncode != 0
    error_lines = [line for line in proc.stderr.splitlines() if line.startswith("ERROR:")]
    assert error_lines == [error_lines[0]] and error_lines[0].startswith(message), proc.stderr
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
def test_unknown_choice_is_refused_by_cookiecutter_before_any_file(tmp_path, answer, message):
    proc = cookiecutter(tmp_path, answer)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_replayed_unknown_choice_is_caught_by_the_hook(tmp_path):
    # A replay file skips cookiecutter's own choice check: the pre-generation hook still refuses.
    context = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    answers = {k: (v[0] if isinstance(v, list) else v) for k, v in context.items() if not k.startswith("_")}
    answers.update(project_slug="replayed", python_version="3.9", _template=str(TEMPLATE_DIR))
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": answers}))
    out = tmp_path / "out"
    out.mkdir()
    replay_args = ["--replay-file", str(replay), str(TEMPLATE_DIR), "-o", str(out)]
    proc = run([sys.executable, "-m", "cookiecutter", *replay_args], cwd=tmp_path)
    assert proc.returncode != 0
    assert "ERROR: python_version '3.9' is not supported" in proc.stderr
    assert list(out.iterdir()) == []


def test_defaults_render_and_celery_without_redis_renders_redis_too(tmp_path):
    proc = cookiecutter(tmp_path, "framework=django", "use_celery=true", "use_redis=false")
    assert proc.returncode == 0, proc.stderr
    project = tmp_path / "my_service"
    compose = (project / "compose.yaml").read_text()
    assert "  redis:\n" in compose and "  worker:\n" in compose
    assert (project / "my_service" / "celery_app.py").exists()
