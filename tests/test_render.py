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

from .combos import Combo, base_image
from .conftest import ALL
from .tools import (
    assert_compose_valid,
    assert_hadolint_clean,
    assert_ok,
    assert_ruff_clean,
    required_variables,
    run,
    tool,
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
    dockerfile = (project / "Dockerfile").read_text()
    # One literal, patch-pinned FROM names the base (Dependabot parses no variable); every
    # other stage starts from a stage.
    froms = re.findall(r"^FROM (\S+) AS (\w+)$", dockerfile, re.M)
    static = [("builder", "static")] if combo.framework == "django" else []
    assert froms == [(base_image(combo), "base"), ("base", "builder"), ("builder", "dev"), *static, ("base", "runtime")]
    assert not re.search(r"^ARG ", dockerfile.split("\nFROM", 1)[0], re.M), "no ARG may feed the base image"


@pytest.mark.parametrize("combo", ALL)
def test_python_passes_ruff_check_and_format(render, combo: Combo):
    assert_ruff_clean(render(combo))


@pytest.mark.parametrize("combo", ALL)
def test_dockerfile_passes_hadolint(render, combo: Combo):
    assert_hadolint_clean(render(combo))


@pytest.mark.parametrize("combo", ALL)
def test_compose_files_are_valid_for_compose_v2(render, combo: Combo):
    assert_compose_valid(render(combo))


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


@pytest.mark.parametrize("combo", ALL)
def test_env_example_documents_exactly_the_variables_in_use(render, combo: Combo):
    project = render(combo)
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (project / ".env.example").read_text(), re.M))
    compose = "".join((project / name).read_text() for name in COMPOSE_FILES)
    used_by_compose = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose))
    assert used_by_compose <= documented, f"undocumented: {sorted(used_by_compose - documented)}"
    code = "".join(p.read_text() for p in (project / combo.slug).glob("*.py"))
    used_by_app = set(re.findall(r"""(?:get|environ|read)\((?:\s*env,)?\s*["']([A-Z][A-Z0-9_]*)["']""", code))
    assert used_by_app - {"DJANGO_SETTINGS_MODULE"} <= documented, sorted(used_by_app - documented)
    unused = documented - used_by_compose - used_by_app
    assert not unused, f".env.example documents variables nothing reads: {sorted(unused)}"


def production_requirements(combo: Combo) -> list[str]:
    """What production cannot run without: named hosts, and each secret the answers bring."""
    return [
        "ALLOWED_HOSTS",
        *(["SECRET_KEY"] if combo.framework != "fastapi" else []),
        *(["POSTGRES_PASSWORD"] if combo.use_postgres else []),
    ]


@pytest.mark.parametrize("combo", ALL)
def test_production_compose_fails_fast_naming_each_missing_requirement(render, combo: Combo, tmp_path):
    project = render(combo)
    empty = tmp_path / "empty.env"
    empty.write_text("")
    required = production_requirements(combo)
    assert required_variables(project) == sorted(required)
    args = [tool("docker-compose"), "-f", "compose.prod.yaml", "--env-file", str(empty), "config", "--quiet"]
    given = {name: "a-strong-enough-value-" + "x" * 40 for name in required}
    assert_ok(run(args, project, given), "compose.prod.yaml config with every requirement set")
    for name in required:
        proc = run(args, project, {**given, name: ""})
        assert proc.returncode != 0, f"compose ran without {name}"
        assert f"{name} is required (see .env.example)" in proc.stderr, proc.stderr


@pytest.mark.parametrize("combo", ALL)
def test_env_example_holds_no_secret_that_production_accepts(render, combo: Combo):
    example = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (render(combo) / ".env.example").read_text(), re.M))
    for name in production_requirements(combo):
        if name != "ALLOWED_HOSTS":
            assert example[name] == "", f"{name} has a value in .env.example"
