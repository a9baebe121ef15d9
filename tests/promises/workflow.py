"""The rendered CI workflow: what runs on every push, and what publishes the image."""

from __future__ import annotations

import re

import yaml

from .project import Project
from .registry import promise

WORKFLOW = ".github/workflows/ci.yml"
PLATFORMS = {"linux/amd64", "linux/arm64"}
PUBLISH_PERMISSIONS = {"contents": "read", "packages": "write", "id-token": "write"}
REGISTRY = "ghcr.io/${{ github.repository }}"


def workflow(project: Project) -> dict:
    return yaml.safe_load(project.text(WORKFLOW))


def uses(job: dict, action: str) -> list[dict]:
    return [step for step in job.get("steps", []) if step.get("uses", "").split("@")[0] == action]


def runs(job: dict) -> list[str]:
    return [step["run"].strip() for step in job.get("steps", []) if "run" in step]


@promise()
def ci_checks_the_lock_is_current(project: Project):
    """CI fails when uv.lock no longer matches pyproject.toml (`uv lock --check`), before lint and tests."""
    lint = workflow(project)["jobs"]["lint"]
    commands = runs(lint)
    assert "uv lock --check" in commands, f"the lint job runs {commands}"
    assert commands.index("uv lock --check") < commands.index("make lint"), commands


@promise()
def ci_grants_write_only_to_the_publish_job(project: Project):
    """Least privilege: only the publish job may push packages or get an OIDC token; on pushes, after every job.

    The workflow itself reads only; the token is the identity cosign signs with."""
    config = workflow(project)
    assert config["permissions"] == {"contents": "read"}, config["permissions"]
    granted = {name: job["permissions"] for name, job in config["jobs"].items() if "permissions" in job}
    assert granted == {"publish": PUBLISH_PERMISSIONS}, f"jobs with their own permissions: {granted}"
    publish = config["jobs"]["publish"]
    assert publish.get("if") == "github.event_name == 'push'", f"publish runs on {publish.get('if')!r}"
    others = set(config["jobs"]) - {"publish"}
    assert set(publish.get("needs", [])) == others, f"publish needs {publish.get('needs')}, not {sorted(others)}"
    triggers = config[True] if True in config else config["on"]  # YAML 1.1 reads `on` as True
    assert triggers["push"].get("tags") == ["v*"], f"no publishing on version tags: {triggers['push']}"


@promise()
def ci_publishes_a_signed_multi_arch_image_with_attestations(project: Project):
    """Publishing pushes amd64 and arm64 with git's tags and labels, SBOM and provenance, and cosign signs the digest.

    On main and on tags, to GitHub's registry; tags and OCI labels come from metadata-action."""
    publish = workflow(project)["jobs"]["publish"]
    [meta] = uses(publish, "docker/metadata-action")
    assert meta["with"]["images"] == REGISTRY, meta
    assert uses(publish, "docker/setup-qemu-action"), "no QEMU: the arm64 image cannot be built"
    [login] = uses(publish, "docker/login-action")
    assert login["with"]["registry"] == "ghcr.io", login
    [build] = uses(publish, "docker/build-push-action")
    options = build["with"]
    assert set(options["platforms"].split(",")) == PLATFORMS, options["platforms"]
    assert options["push"] is True and options["sbom"] is True, options
    assert str(options["provenance"]).startswith("mode=max"), options["provenance"]
    meta_id = meta["id"]
    for key in ("tags", "labels"):
        assert options[key] == f"${{{{ steps.{meta_id}.outputs.{key} }}}}", f"{key}: {options[key]}"
    assert "cache-to" not in options, "the publishing build writes the cache pull requests read"
    [sign] = [step for step in publish["steps"] if "cosign sign" in step.get("run", "")]
    assert uses(publish, "sigstore/cosign-installer"), "cosign is not installed"
    assert sign["env"]["DIGEST"] == f"${{{{ steps.{build['id']}.outputs.digest }}}}", sign["env"]
    signs = [line.strip() for line in sign["run"].splitlines() if line.strip().startswith("cosign sign")]
    assert signs and all(re.search(r'^cosign sign --yes "[^"]+@\$\{DIGEST\}"$', line) for line in signs), signs
