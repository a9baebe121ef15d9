"""Free text in the image labels: Docker reads back exactly the answers, and expands nothing.

The rendered Dockerfile's LABEL instruction is built on `scratch` (nothing to pull), and the
labels Docker records are compared with the answers and with the tests' own reading of a
Dockerfile word (tests/answers.py), which the static tests rely on for every other value.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest

from ..answers import default_answers, dockerfile_labels, render_answers
from .conftest import docker

pytestmark = pytest.mark.docker

ANSWERS = [
    {
        "project_name": 'Say "hi" $HOME ${BASE_IMAGE} \\',
        "description": 'back\\slash \\"quoted\\" $PATH `id` \\$x ends with \\',
        "author_name": "O'Brien \\\\ Co.",
        "author_email": "$HOME@example.com",
    },
    {
        "project_name": "Z\xfcrich \u2013 \u6771\u4eac \U0001f600",
        "description": "{{ x }} {% raw %} # 1. <b>&amp;</b> " * 4,
        "author_name": "\\",
        "author_email": "o'brien+`x`{y}|~@example.com",
    },
]


def label_instruction(dockerfile: str) -> str:
    """The LABEL instruction of the answers (title, ...) with its continuation lines; the other
    one holds the build arguments VERSION and REVISION."""
    (instruction,) = [i for i in re.findall(r"^LABEL (?:.*\\\n)*.*$", dockerfile, re.M) if ".image.title=" in i]
    return instruction


@pytest.mark.parametrize("answers", ANSWERS, ids=["quotes-dollars-backslashes", "unicode-jinja-markup"])
def test_image_labels_hold_the_answers_exactly(engine, tmp_path, answers):
    outcome = render_answers({**default_answers(), **answers}, tmp_path / "render")
    assert outcome.project, outcome.stderr
    dockerfile = (outcome.project / "Dockerfile").read_text()
    context = tmp_path / "context"
    context.mkdir()
    instruction = label_instruction(dockerfile)
    (context / "Dockerfile").write_text(f"FROM scratch\n{instruction}\n")
    tag = f"answers-labels:{uuid.uuid4().hex[:12]}"
    docker("build", "--quiet", "--tag", tag, str(context))
    try:
        labels = json.loads(docker("image", "inspect", "--format", "{{json .Config.Labels}}", tag).stdout)
    finally:
        docker("image", "rm", "--force", tag, check=False)

    assert labels["org.opencontainers.image.title"] == answers["project_name"]
    assert labels["org.opencontainers.image.description"] == answers["description"]
    assert labels["org.opencontainers.image.authors"] == f"{answers['author_name']} <{answers['author_email']}>"
    read_by_the_tests = dockerfile_labels(instruction)
    assert {key: labels[key] for key in read_by_the_tests} == read_by_the_tests
