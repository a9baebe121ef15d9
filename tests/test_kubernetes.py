"""The Kubernetes manifests (use_kubernetes=true): rendered, validated and scanned.

The manifests depend on four answers only (framework, PostgreSQL, Redis, Celery: see
`manifest_key`), besides the names; the first test proves it on the templates, so the costly
checks run once per distinct manifest set (18) instead of once per combination (192): each
overlay built by `kubectl kustomize`, every object validated by `kubernetes-validate --strict`
against two Kubernetes versions, and one `checkov` scan of them all. The promises on the same
output are in tests/promises/k8s.py.
"""

from __future__ import annotations

import json
import re

import pytest

from .combos import TEMPLATE_DIR
from .conftest import combo_params
from .kubernetes import KUBERNETES_VERSIONS, OVERLAYS, distinct_manifest_combos, documents, kustomize_overlay
from .test_rendered_ci import WORKFLOW, actionlint, load, step_runs, step_using
from .tools import assert_ok, run, tool

DEPLOY_TEMPLATES = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "deploy"
# What the manifest templates may read: the names, the port, the pins and the key's answers.
KEY_ANSWERS = {"framework", "use_postgres", "use_redis", "use_celery"}
NAME_ANSWERS = {"project_slug", "http_port", "_pins"}
REDIS_EXPRESSION = "cookiecutter.use_redis or cookiecutter.use_celery"
DISTINCT = combo_params(distinct_manifest_combos())


def test_manifests_depend_only_on_the_answers_of_the_manifest_key():
    read = set()
    for path in DEPLOY_TEMPLATES.rglob("*"):
        if path.is_file():
            text = path.read_text()
            read |= set(re.findall(r"cookiecutter\.(\w+)", text))
            # Redis is keyed as "Redis or Celery": use_redis must never be read alone.
            assert text.count("cookiecutter.use_redis") == text.count(REDIS_EXPRESSION), path
    assert read <= KEY_ANSWERS | NAME_ANSWERS, f"the manifests read {sorted(read - KEY_ANSWERS - NAME_ANSWERS)}"
    assert len(DISTINCT) == 18, [p.id for p in DISTINCT]


@pytest.fixture(scope="module")
def manifests(render, tmp_path_factory):
    """Every overlay of every distinct manifest set, built once, as files named after both."""
    folder = tmp_path_factory.mktemp("manifests")
    for param in DISTINCT:
        [combo] = param.values
        for overlay in OVERLAYS:
            (folder / f"{combo.id}-{overlay}.yaml").write_text(kustomize_overlay(render(combo), overlay))
    return folder


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_validates_strictly_against_the_kubernetes_version(manifests, version):
    files = sorted(str(p) for p in manifests.glob("*.yaml"))
    assert len(files) == 2 * len(DISTINCT)
    proc = run([tool("kubernetes-validate"), "--strict", "--quiet", "-k", version, *files], manifests, timeout=300)
    assert_ok(proc, f"kubernetes-validate --strict -k {version}")
    objects = sum(len(documents((manifests / f).read_text())) for f in files)
    assert objects > 10 * len(files), f"only {objects} objects validated"


def test_checkov_reports_no_failed_check_and_every_skip_is_justified(manifests):
    args = [tool("checkov"), "--framework", "kubernetes", "--skip-download", "--output", "json"]
    proc = run([*args, "--directory", str(manifests)], manifests, timeout=600)
    report = json.loads(proc.stdout)
    results = report["results"]
    failed = [f"{check['check_id']} {check['resource']} ({check['file_path']})" for check in results["failed_checks"]]
    assert not failed and proc.returncode == 0, "checkov failed:\n" + "\n".join(failed)
    assert report["summary"]["passed"] > 500, report["summary"]
    assert results["skipped_checks"], "no skip seen: the annotations no longer reach checkov"
    for check in results["skipped_checks"]:
        reason = (check.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason.split()) >= 5, f"{check['check_id']} on {check['resource']} is skipped without a reason"


@pytest.mark.parametrize("combo", DISTINCT)
def test_workflow_applies_the_local_overlay_to_kind_and_passes_actionlint(render, combo):
    project = render(combo)
    actionlint(project)
    job = load(project / WORKFLOW)["jobs"]["kubernetes"]
    script = "\n".join(step_runs(job))
    assert step_using(job, "helm/kind-action")["with"]["cluster_name"] == "ci"
    for command in ("kind load docker-image", 'kubectl apply -k "$OVERLAY"', "rollout status", "/ready"):
        assert command in script, f"the kubernetes job does not run {command}"
    assert job["env"]["OVERLAY"] == "deploy/kubernetes/overlays/local"
    assert ("job/migrate" in script) == combo.use_postgres


@pytest.mark.parametrize("combo", DISTINCT)
def test_only_the_files_of_the_answered_services_are_rendered(render, combo):
    deploy = render(combo) / "deploy" / "kubernetes"
    files = {p.relative_to(deploy).as_posix() for p in deploy.rglob("*") if p.is_file()}
    expected = {
        "base/migrate.yaml": combo.use_postgres,
        "base/worker.yaml": combo.use_celery,
        "base/beat.yaml": combo.use_celery,
        "components/worker-autoscaler/kustomization.yaml": combo.use_celery,
        "overlays/local/postgres.yaml": combo.use_postgres,
        "overlays/local/redis.yaml": combo.redis,
    }
    for path, wanted in expected.items():
        assert (path in files) == wanted, f"{path}: {'missing' if wanted else 'rendered for nothing'}"
    # secrets.env is git-ignored in each overlay; its example lists exactly the Secret's names.
    for overlay in OVERLAYS:
        assert (deploy / "overlays" / overlay / ".gitignore").read_text().split() == ["secrets.env"]
