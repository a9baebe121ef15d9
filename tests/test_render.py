"""Every valid combination renders a clean project that every linter accepts."""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from yamllint import linter
from yamllint.config import YamlLintConfig

from hooks.post_gen_project import MANIFEST, enabled_features

from . import promises
from .combos import Combo
from .conftest import ALL
from .tools import (
    assert_hadolint_clean,
    assert_ruff_clean,
)

JINJA_LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|%\}|\{#|#\}")
COMPOSE_FILES = ("compose.yaml", "compose.prod.yaml")
CI_YAML_FILES = (".github/workflows/ci.yml", ".github/dependabot.yml", ".pre-commit-config.yaml")


def project_files(project: Path) -> list[Path]:
    return sorted(p for p in project.rglob("*") if p.is_file())


@cache
def compose_schema() -> dict:
    schema = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    return json.loads(schema.read_text())


@pytest.mark.parametrize("combo", ALL)
def test_renders_without_jinja_leftovers(render, combo: Combo):
    project = render(combo)
    leftovers = [
        f"{path.relative_to(project)}:{n}: {line.strip()}"
        for path in project_files(project)
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if JINJA_LEFTOVER.search(line)
    ]
    assert not leftovers, "\n".join(leftovers)
    assert not list(project.rglob("*{{*")), "a path name still holds Jinja"


@pytest.mark.parametrize("combo", ALL)
def test_keeps_exactly_the_files_its_features_own(render, combo: Combo):
    project = render(combo)
    enabled = enabled_features({**combo.extra_context(), "project_slug": combo.slug})
    for feature, paths in MANIFEST.items():
        for path in paths:
            exists = (project / path.format(slug=combo.slug)).exists()
            owned_by_enabled = any(path in MANIFEST[f] for f in enabled if f in MANIFEST)
            assert exists == owned_by_enabled, f"{path} ({feature}) exists={exists}"


@pytest.mark.parametrize("combo", ALL)
def test_python_version_is_wired_through(render, combo: Combo):
    project = render(combo)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={combo.python_version}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + combo.python_version.replace(".", "")
    # The Dockerfile's FROM chain: the promise dockerfile.base_image_pinned.


@pytest.mark.parametrize("combo", ALL)
def test_python_passes_ruff_check_and_format(render, combo: Combo):
    assert_ruff_clean(render(combo))


@pytest.mark.parametrize("combo", ALL)
def test_dockerfile_passes_hadolint(render, combo: Combo):
    assert_hadolint_clean(render(combo))


@pytest.mark.parametrize("combo", ALL)
def test_compose_files_are_valid_for_compose_v2(render, combo: Combo):
    # The promises' resolved views: `docker compose config` of each file, run once per render.
    views = promises.project(render(combo), combo)
    assert views.dev["services"], "compose.yaml config"
    assert views.prod["services"], "compose.prod.yaml config"


@pytest.mark.parametrize("combo", ALL)
def test_compose_files_match_the_compose_spec_schema(render, combo: Combo):
    project = render(combo)
    for name in COMPOSE_FILES:
        document = yaml.safe_load((project / name).read_text())
        jsonschema.validate(document, compose_schema())


@pytest.mark.parametrize("combo", ALL)
def test_yaml_passes_yamllint_with_the_project_config(render, combo: Combo):
    project = render(combo)
    config = YamlLintConfig(file=str(project / ".yamllint.yaml"))
    yaml_files = [p for p in project_files(project) if p.suffix in (".yaml", ".yml")]
    linted = {str(path.relative_to(project)) for path in yaml_files}
    assert {*COMPOSE_FILES, *CI_YAML_FILES} <= linted, "a YAML file escaped yamllint"
    problems = [
        f"{path.relative_to(project)}:{problem.line}: {problem.desc}"
        for path in yaml_files
        for problem in linter.run(path.read_text(), config, str(path))
    ]
    assert not problems, "\n".join(problems)
