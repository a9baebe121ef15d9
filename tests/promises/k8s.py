"""The Kubernetes manifests as a cluster receives them: `kubectl kustomize` of each overlay.

`project.kubernetes(overlay)` is the list of objects of the production or local overlay. Every
promise here holds for both overlays unless it names one; they compare against the Dockerfile,
.env.example and compose.prod.yaml of the same render, so the two deployments cannot drift.
"""

from __future__ import annotations

import re

from ..kubernetes import OVERLAYS, containers, find, pod_spec
from .project import Project, seconds
from .registry import K8S, K8S_CELERY, K8S_POSTGRES, promise

WORKLOADS = ("Deployment", "Job")
APP_UID = 10001
ENV_NAME = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def workloads(project: Project, overlay: str) -> list[dict]:
    return [obj for obj in project.kubernetes(overlay) if obj["kind"] in WORKLOADS]


def app_workloads(project: Project, overlay: str) -> list[dict]:
    """The workloads that run the service's own image (web, worker, beat, migrate)."""
    image = project.slug
    return [
        obj
        for obj in workloads(project, overlay)
        if any(c["image"].rsplit("/", 1)[-1].split(":")[0] == image for c in pod_spec(obj)["containers"])
    ]


def every_overlay(project: Project, check) -> None:
    problems = [f"{overlay}: {problem}" for overlay in OVERLAYS for problem in check(overlay) or ()]
    assert not problems, "\n".join(problems)


def name(obj: dict) -> str:
    return f"{obj['kind']} {obj['metadata']['name']}"


def cpu(quantity: str | int | float) -> float:
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory(quantity: str | int) -> int:
    units = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}
    text = str(quantity)
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(text)


@promise(applies=K8S)
def pods_meet_the_restricted_pod_security_standard(project: Project):
    """Every pod meets the "restricted" Pod Security Standard, and the namespace enforces it."""

    def check(overlay: str):
        objects = project.kubernetes(overlay)
        namespaces = [obj for obj in objects if obj["kind"] == "Namespace"]
        labels = [ns["metadata"].get("labels", {}) for ns in namespaces]
        if [label.get("pod-security.kubernetes.io/enforce") for label in labels] != ["restricted"]:
            yield f"the namespace does not enforce the restricted standard: {labels}"
        for obj in workloads(project, overlay):
            pod = pod_spec(obj).get("securityContext", {})
            if pod.get("runAsNonRoot") is not True or not pod.get("runAsUser"):
                yield f"{name(obj)}: runAsNonRoot {pod.get('runAsNonRoot')}, runAsUser {pod.get('runAsUser')}"
            if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault":
                yield f"{name(obj)}: seccomp {pod.get('seccompProfile')}"
            for container in containers(obj):
                context = container.get("securityContext", {})
                if context.get("allowPrivilegeEscalation") is not False:
                    yield f"{name(obj)}/{container['name']}: allowPrivilegeEscalation not false"
                if context.get("capabilities", {}).get("drop") != ["ALL"] or context["capabilities"].get("add"):
                    yield f"{name(obj)}/{container['name']}: capabilities {context.get('capabilities')}"
                if context.get("readOnlyRootFilesystem") is not True:
                    yield f"{name(obj)}/{container['name']}: the root filesystem is writable"
                if context.get("privileged"):
                    yield f"{name(obj)}/{container['name']}: privileged"

    every_overlay(project, check)


@promise(applies=K8S)
def app_pods_run_as_the_image_user_with_an_empty_dir_tmp(project: Project):
    """The service's pods run as the image's uid 10001, with an emptyDir on /tmp (the root is read-only)."""
    user = project.dockerfile.final.last("USER")
    assert user is not None and user.value == f"{APP_UID}:{APP_UID}", f"the image's USER is {user}"

    def check(overlay: str):
        for obj in app_workloads(project, overlay):
            pod = pod_spec(obj)
            context = pod.get("securityContext", {})
            if (context.get("runAsUser"), context.get("runAsGroup")) != (APP_UID, APP_UID):
                yield f"{name(obj)}: runs as {context.get('runAsUser')}:{context.get('runAsGroup')}"
            empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
            for container in containers(obj):
                tmp = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
                if not tmp or tmp[0]["name"] not in empty_dirs:
                    yield f"{name(obj)}/{container['name']}: no emptyDir on /tmp"

    every_overlay(project, check)


@promise(applies=K8S)
def pods_get_no_service_account_token(project: Project):
    """No pod gets a Kubernetes API token: `automountServiceAccountToken: false` on every pod."""

    def check(overlay: str):
        for obj in workloads(project, overlay):
            if pod_spec(obj).get("automountServiceAccountToken") is not False:
                yield f"{name(obj)} mounts a service account token"

    every_overlay(project, check)


@promise(applies=K8S)
def web_probes_follow_the_health_contract(project: Project):
    """Web's startup and liveness probes GET /health, readiness GETs /ready, on the port the image exposes."""
    expose = project.dockerfile.final.last("EXPOSE")
    assert expose is not None and expose.value == str(project.http_port), f"the image exposes {expose}"

    def check(overlay: str):
        web = find(project.kubernetes(overlay), "Deployment", "web")
        [container] = pod_spec(web)["containers"]
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        if ports != {"http": project.http_port}:
            yield f"web's ports {ports}, expected http: {project.http_port}"
        expected = {"startupProbe": "/health", "livenessProbe": "/health", "readinessProbe": "/ready"}
        for probe, path in expected.items():
            get = container.get(probe, {}).get("httpGet", {})
            if (get.get("path"), get.get("port")) != (path, "http"):
                yield f"web's {probe} is {container.get(probe)}, expected GET {path} on http"

    every_overlay(project, check)


@promise(applies=K8S)
def resources_match_compose_prod(project: Project):
    """Requests and limits of web, worker, beat and migrate are compose.prod.yaml's reservations and limits."""
    services = project.prod["services"]

    def check(overlay: str):
        for obj in app_workloads(project, overlay):
            service = services.get(obj["metadata"]["name"], {})
            resources = service.get("deploy", {}).get("resources", {})
            limits, reserved = resources.get("limits", {}), resources.get("reservations") or resources.get("limits", {})
            expected = {
                "limits": (cpu(limits.get("cpus", 0)), memory(limits.get("memory", 0))),
                "requests": (cpu(reserved.get("cpus", 0)), memory(reserved.get("memory", 0))),
            }
            if obj["kind"] == "Job":  # compose reserves nothing for the one-shot migrate: web's figures
                web = services["web"]["deploy"]["resources"]["reservations"]
                expected["requests"] = (cpu(web["cpus"]), memory(web["memory"]))
            for container in containers(obj):
                res = container.get("resources", {})
                actual = {
                    key: (cpu(res.get(key, {}).get("cpu", 0)), memory(res.get(key, {}).get("memory", 0)))
                    for key in ("limits", "requests")
                }
                if actual != expected:
                    yield f"{name(obj)}/{container['name']}: {actual}, compose.prod.yaml says {expected}"

    every_overlay(project, check)


@promise(applies=K8S)
def web_workers_follow_the_pod_cpu_limit(project: Project):
    """Web has a CPU limit and no fixed WEB_CONCURRENCY: its workers follow the limit; replicas scale out."""

    def check(overlay: str):
        objects = project.kubernetes(overlay)
        fixed = find(objects, "ConfigMap", "config")["data"].get("WEB_CONCURRENCY")
        if fixed:
            yield f"the ConfigMap fixes WEB_CONCURRENCY={fixed}"
        for container in containers(find(objects, "Deployment", "web")):
            if not cpu(container.get("resources", {}).get("limits", {}).get("cpu", 0)):
                yield f"web/{container['name']} has no CPU limit to size its workers from"
            if any(env.get("name") == "WEB_CONCURRENCY" for env in container.get("env", [])):
                yield f"web/{container['name']} fixes WEB_CONCURRENCY in its env"

    every_overlay(project, check)


@promise(applies=K8S)
def web_drains_before_it_stops(project: Project):
    """Web pauses in preStop, then drains within the grace period; it is spread across nodes and scaled."""
    gunicorn = project.combo.framework != "fastapi"
    graceful = project.literals("gunicorn_conf").get("graceful_timeout", 0) if gunicorn else 0

    def check(overlay: str):
        objects = project.kubernetes(overlay)
        web = find(objects, "Deployment", "web")
        pod = pod_spec(web)
        [container] = pod["containers"]
        pause = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        grace = pod.get("terminationGracePeriodSeconds", 30)
        if not (pause > 0 and pause + graceful < grace):
            yield f"preStop pause {pause}s + graceful timeout {graceful}s does not fit in {grace}s"
        keys = [c.get("topologyKey") for c in pod.get("topologySpreadConstraints", [])]
        if keys != ["kubernetes.io/hostname"]:
            yield f"web is not spread across nodes: {keys}"
        hpa = find(objects, "HorizontalPodAutoscaler", "web")
        if not hpa or hpa["apiVersion"] != "autoscaling/v2" or hpa["spec"]["scaleTargetRef"]["name"] != "web":
            yield f"no autoscaling/v2 autoscaler for web: {hpa}"
        pdb = find(objects, "PodDisruptionBudget", "web")
        selector = pod_spec(web) and web["spec"]["selector"]["matchLabels"]
        if not pdb or pdb["spec"]["selector"]["matchLabels"] != selector:
            yield f"no disruption budget selects web's pods: {pdb}"

    every_overlay(project, check)


@promise(applies=K8S)
def network_is_denied_by_default(project: Project):
    """A NetworkPolicy denies all traffic by default; web takes traffic from the ingress controller only."""

    def check(overlay: str):
        policies = [obj for obj in project.kubernetes(overlay) if obj["kind"] == "NetworkPolicy"]
        deny = [
            p
            for p in policies
            if p["spec"].get("podSelector") == {}
            and sorted(p["spec"].get("policyTypes", [])) == ["Egress", "Ingress"]
            and not p["spec"].get("ingress")
            and not p["spec"].get("egress")
        ]
        if not deny:
            yield "no default-deny policy (all pods, Ingress and Egress, no rule)"
        to_web = [
            rule
            for p in policies
            if p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/component") == "web"
            for rule in p["spec"].get("ingress", [])
        ]
        sources = [peer for rule in to_web for peer in rule.get("from", [{}])]
        if not sources or any(set(peer) != {"namespaceSelector"} for peer in sources):
            yield f"web is reachable from more than the ingress controller's namespace: {to_web}"

    every_overlay(project, check)


@promise(applies=K8S)
def config_uses_the_env_example_names_and_secrets_are_files(project: Project):
    """The ConfigMap uses .env.example's names; secrets are read-only files (NAME_FILE), never variables."""
    names = set(ENV_NAME.findall(project.text(".env.example")))

    def check(overlay: str):
        objects = project.kubernetes(overlay)
        config = find(objects, "ConfigMap", "config")["data"]
        secret = find(objects, "Secret", "secrets")
        stray = sorted(k for k in config if not k.endswith("_FILE") and k not in names)
        if stray:
            yield f"ConfigMap variables not in .env.example: {stray}"
        for key, path in config.items():
            if key.endswith("_FILE") and path != f"/run/secrets/{key.removesuffix('_FILE')}":
                yield f"{key}={path} is not the Secret's file"
            if key.endswith("_FILE") and key.removesuffix("_FILE") not in secret.get("data", {}):
                yield f"{key}: the Secret has no {key.removesuffix('_FILE')}"
        for obj in app_workloads(project, overlay):
            volumes = {v["name"]: v for v in pod_spec(obj).get("volumes", [])}
            for container in containers(obj):
                if any("secretRef" in source for source in container.get("envFrom", [])) or any(
                    "secretKeyRef" in env.get("valueFrom", {}) for env in container.get("env", [])
                ):
                    yield f"{name(obj)}/{container['name']}: a secret in the environment"
                mounts = [
                    m
                    for m in container.get("volumeMounts", [])
                    if volumes.get(m["name"], {}).get("secret", {}).get("secretName") == secret["metadata"]["name"]
                ]
                if [(m["mountPath"], m.get("readOnly")) for m in mounts] != [("/run/secrets", True)]:
                    yield f"{name(obj)}/{container['name']}: the Secret is not mounted read-only on /run/secrets"

    every_overlay(project, check)


@promise(applies=K8S)
def names_and_images_follow_compose_prod(project: Project):
    """Workloads carry compose.prod.yaml's service names and run the image compose builds (the slug)."""
    # The cluster's Ingress takes the place of compose's TLS edge.
    services = set(project.prod["services"]) - {"edge"}

    def check(overlay: str):
        found = {obj["metadata"]["name"] for obj in workloads(project, overlay)}
        expected = services - {"postgres", "redis"} if overlay == "production" else services
        if found != expected:
            yield f"workloads {sorted(found)}, compose.prod.yaml runs {sorted(expected)}"
        for obj in app_workloads(project, overlay):
            for container in containers(obj):
                repository = container["image"].rsplit(":", 1)[0].rsplit("/", 1)[-1]
                if repository != project.slug:
                    yield f"{name(obj)}/{container['name']} runs {container['image']}"

    every_overlay(project, check)


@promise(applies=K8S)
def ingress_serves_the_first_allowed_host_over_tls(project: Project):
    """The Ingress answers the first ALLOWED_HOSTS name over TLS (cert-manager) and routes to web's http port."""

    def check(overlay: str):
        objects = project.kubernetes(overlay)
        host = find(objects, "ConfigMap", "config")["data"]["ALLOWED_HOSTS"].split(",")[0]
        ingress = find(objects, "Ingress", "web")
        spec = ingress["spec"]
        if [r["host"] for r in spec["rules"]] != [host] or [t["hosts"] for t in spec.get("tls", [])] != [[host]]:
            yield f"the Ingress answers {spec['rules']} with TLS {spec.get('tls')}, expected {host}"
        if "cert-manager.io/cluster-issuer" not in ingress["metadata"].get("annotations", {}):
            yield "no cert-manager issuer annotation"
        backends = [p["backend"]["service"] for r in spec["rules"] for p in r["http"]["paths"]]
        if backends != [{"name": "web", "port": {"name": "http"}}]:
            yield f"the Ingress routes to {backends}"

    every_overlay(project, check)


@promise(applies=K8S)
def production_takes_the_data_services_from_outside(project: Project):
    """Production runs no database or Redis pod (managed services); the local overlay runs those answered."""
    expected = {"postgres"} if project.combo.use_postgres else set()
    expected |= {"redis"} if project.combo.redis else set()
    for overlay, wanted in (("production", set()), ("local", expected)):
        found = {o["metadata"]["name"] for o in workloads(project, overlay)} & {"postgres", "redis"}
        assert found == wanted, f"{overlay} runs {sorted(found)}, expected {sorted(wanted)}"


@promise(applies=K8S_POSTGRES)
def migrations_run_once_per_rollout_in_a_job(project: Project):
    """A Job applies the migrations (compose.prod.yaml's command); web and worker only wait for them."""
    command = project.prod["services"]["migrate"]["command"]

    def check(overlay: str):
        objects = project.kubernetes(overlay)
        job = find(objects, "Job", "migrate")
        if not job or [c.get("args") for c in pod_spec(job)["containers"]] != [command]:
            yield f"no Job runs {command}: {job and pod_spec(job)['containers']}"
        for obj in app_workloads(project, overlay):
            if obj["kind"] != "Deployment":
                continue
            for container in containers(obj):
                if container.get("args") == command or container.get("command") == command:
                    yield f"{name(obj)}/{container['name']} runs the migrations"
            if obj["metadata"]["name"] in ("web", "worker") and not pod_spec(obj).get("initContainers"):
                yield f"{name(obj)} does not wait for the migrations"

    every_overlay(project, check)


@promise(applies=K8S_CELERY)
def beat_is_one_pod_replaced_by_recreate(project: Project):
    """Beat is exactly one pod, replaced with strategy Recreate and never autoscaled: tasks are never sent twice."""

    def check(overlay: str):
        objects = project.kubernetes(overlay)
        beat = find(objects, "Deployment", "beat")
        if beat["spec"].get("replicas") != 1 or beat["spec"].get("strategy", {}).get("type") != "Recreate":
            yield f"beat: replicas {beat['spec'].get('replicas')}, strategy {beat['spec'].get('strategy')}"
        targets = [o["spec"]["scaleTargetRef"]["name"] for o in objects if o["kind"] == "HorizontalPodAutoscaler"]
        if "beat" in targets:
            yield "an autoscaler scales beat"

    every_overlay(project, check)


@promise(applies=K8S_CELERY)
def worker_checks_itself_and_finishes_its_tasks(project: Project):
    """The worker's probes run compose's `healthcheck worker`; its grace period is compose's stop_grace_period."""
    service = project.prod["services"]["worker"]
    test = service["healthcheck"]["test"][1:]
    grace = seconds(service.get("stop_grace_period"))

    def check(overlay: str):
        worker = find(project.kubernetes(overlay), "Deployment", "worker")
        pod = pod_spec(worker)
        [container] = pod["containers"]
        for probe in ("startupProbe", "livenessProbe"):
            if container.get(probe, {}).get("exec", {}).get("command") != test:
                yield f"worker's {probe} is {container.get(probe)}, compose checks {test}"
        if pod.get("terminationGracePeriodSeconds") != grace:
            yield f"worker's grace period {pod.get('terminationGracePeriodSeconds')}s, compose's {grace}s"

    every_overlay(project, check)
