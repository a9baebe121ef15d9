"""The rendered Kubernetes manifests as a cluster would receive them: `kubectl kustomize` output.

An overlay needs its git-ignored secrets.env; `kustomize_overlay` builds from a copy of
deploy/kubernetes with one written from secrets.env.example (a strong value per name), as a
user deploying it would, and never writes into the render itself.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path

import yaml

from .combos import ALL_COMBOS, Combo
from .tools import assert_ok, run, tool

OVERLAYS = ("production", "local")
DEPLOY_DIR = "deploy/kubernetes"
# Kubernetes versions every object must validate against: the newest kubernetes-validate
# knows, and the minor before it (clusters lag a release behind).
KUBERNETES_VERSIONS = ("1.37.0", "1.36.0")


def manifest_key(combo: Combo) -> tuple:
    """The answers the manifests depend on (besides the names): one manifest set per key."""
    return (combo.framework, combo.use_postgres, combo.redis, combo.use_celery)


K8S_COMBOS: list[Combo] = [
    Combo(c.framework, c.python_version, c.base_image_variant, c.use_postgres, c.use_redis, c.use_celery, True)
    for c in ALL_COMBOS
]


def distinct_manifest_combos() -> list[Combo]:
    """One combination per distinct manifest set: the first of each key, in ALL_COMBOS order."""
    seen: dict[tuple, Combo] = {}
    for combo in K8S_COMBOS:
        seen.setdefault(manifest_key(combo), combo)
    return list(seen.values())


def write_secrets(overlay: Path) -> dict[str, str]:
    """secrets.env from secrets.env.example: a strong value for every name it lists."""
    values = {}
    for line in (overlay / "secrets.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name = line.split("=", 1)[0]
            values[name] = "ci-" + secrets.token_hex(32)
    (overlay / "secrets.env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return values


def kustomize_overlay(project: Path, overlay: str) -> str:
    """`kubectl kustomize` of an overlay of the project, with a secrets.env written in a copy."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(shutil.copytree(project / DEPLOY_DIR, Path(tmp) / "kubernetes"))
        write_secrets(copy / "overlays" / overlay)
        proc = run([tool("kubectl"), "kustomize", str(copy / "overlays" / overlay)], cwd=copy, timeout=60)
    assert_ok(proc, f"kubectl kustomize overlays/{overlay}")
    return proc.stdout


def documents(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def find(docs: list[dict], kind: str, name: str) -> dict | None:
    """The object of that kind whose name is `name` (kustomize's hash suffix ignored)."""
    for doc in docs:
        if doc["kind"] != kind:
            continue
        actual = doc["metadata"]["name"]
        hashed = actual.rsplit("-", 1)[0] if kind in ("ConfigMap", "Secret") else actual
        if name in (actual, hashed):
            return doc
    return None


def pod_spec(obj: dict) -> dict:
    """The pod spec of a Pod, or of the template of a Deployment or Job."""
    return obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]


def containers(obj: dict) -> list[dict]:
    """Every container of a workload, init containers included."""
    spec = pod_spec(obj)
    return [*spec.get("initContainers", []), *spec["containers"]]
