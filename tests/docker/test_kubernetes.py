"""The local Kubernetes overlay, run for real: `podman kube play` of the `kubectl kustomize` output.

No cluster is reachable here, so podman (installed by .ci/podman.sh) runs the rendered pods, with
the image built from the same render. It plays them in the order the README gives for a rollout:
the database and Redis, then the migrate Job, then web, worker and beat (whose init container
waits for the schema). Podman is not a cluster; the few adaptations it needs are made on the
parsed output, each named in `for_podman`, and none touches the app's containers' security
context, probes' paths, command or configuration.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

from ..combos import PINS, TEMPLATE_DIR, Combo
from ..kubernetes import containers, documents, find, kustomize_overlay, pod_spec
from .conftest import free_port, wait_for

pytestmark = pytest.mark.docker

COMBO = Combo("django", use_postgres=True, use_celery=True, use_kubernetes=True)
PODMAN_SH = TEMPLATE_DIR / ".ci" / "podman.sh"
APP_WORKLOADS = ("web", "worker", "beat")
EXPANSION = re.compile(r"\$\(([A-Z_][A-Z0-9_]*)\)")


def podman(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check:
        assert proc.returncode == 0, f"podman {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def image_ids(image: str, user: str) -> tuple[int, int]:
    """The uid and gid of a user of an image."""
    ids = podman("run", "--rm", "--entrypoint", "sh", image, "-c", f"id -u {user}; id -g {user}").stdout.split()
    return int(ids[0]), int(ids[1])


class Play:
    """The overlay's objects, adapted for podman, played in rollout order and torn down."""

    def __init__(self, docs: list[dict], workdir: Path):
        self.docs = docs
        self.run = "k8s" + uuid.uuid4().hex[:8]
        self.workdir = workdir
        self.files: list[Path] = []
        self.secrets: list[str] = []
        self.volumes: list[str] = []
        self.config = [d for d in docs if d["kind"] == "ConfigMap"]
        self.hosts: dict[str, str] = {}

    def for_podman(self, obj: dict) -> dict:
        obj = copy.deepcopy(obj)
        name = obj["metadata"]["name"]
        spec = pod_spec(obj)
        # Podman 4.3 plays Pods and Deployments, not Jobs: the Job's pod template as a Pod.
        if obj["kind"] == "Job":
            metadata = {**obj["spec"]["template"]["metadata"], "name": name}
            obj = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
        # The official image's postgres user is 70:70; a stand-in image may have other ids.
        if name == "postgres":
            uid, gid = image_ids(spec["containers"][0]["image"], "postgres")
            spec["securityContext"].update(runAsUser=uid, runAsGroup=gid, fsGroup=gid)
        # Podman 4.3 makes an emptyDir a named volume shared by every pod using that name, and
        # gives it the owner of the image's directory at that path: each gets a volume of its
        # own, owned by the pod's user and fsGroup, as the kubelet makes an emptyDir.
        renamed = {}
        for volume in spec.get("volumes", []):
            if "emptyDir" in volume:
                renamed[volume["name"]] = volume["name"] = f"{self.run}-{name}-{volume['name']}"
                self.empty_dir(volume["name"], spec["containers"][0]["image"], spec["securityContext"])
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            for mount in container.get("volumeMounts", []):
                mount["name"] = renamed.get(mount["name"], mount["name"])
            # The kubelet expands $(NAME) in args from the container's variables; podman does not.
            container["args"] = [EXPANSION.sub(self.variable, a) for a in container.get("args", [])]
            # Podman 4.3 publishes every containerPort on the host, where another service may
            # hold it: a free host port each.
            for port in container.get("ports", []):
                port["hostPort"] = free_port()
            # Podman turns an httpGet probe into `curl` inside the container, which the image
            # lacks on purpose: /health and /ready are checked from outside instead.
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                if "httpGet" in container.get(probe, {}):
                    del container[probe]
        # Podman 4.3 fails to remove a finished init container of a Deployment's pod: the test
        # runs the web pod's init container as a Pod of its own instead (`init_check`).
        if obj["kind"] == "Deployment":
            spec.pop("initContainers", None)
            # One machine, one host port: one replica (podman makes a pod per replica).
            obj["spec"]["replicas"] = 1
        # No Services in podman: the data services' names resolve to their pods' addresses.
        if self.hosts and obj["metadata"]["name"] not in ("postgres", "redis"):
            spec["hostAliases"] = [{"ip": ip, "hostnames": [host]} for host, ip in self.hosts.items()]
        obj["metadata"]["name"] = f"{self.run}-{name}"
        return obj

    def variable(self, match: re.Match) -> str:
        return next(c["data"][match[1]] for c in self.config if match[1] in c["data"])

    def empty_dir(self, volume: str, image: str, context: dict) -> None:
        podman("volume", "create", volume)
        self.volumes.append(volume)
        # A first mount spends podman's one-time copy-up and chown, which a mount at an image
        # path (/var/run/postgresql) would otherwise apply; then the kubelet's ownership.
        podman("run", "--rm", "-v", f"{volume}:/podman-first-mount", "--entrypoint", "id", image)
        path = Path(podman("volume", "inspect", volume, "--format", "{{.Mountpoint}}").stdout.strip())
        os.chown(path, context["runAsUser"], context["fsGroup"])
        path.chmod(0o2770)

    def create_secrets(self) -> None:
        # Podman 4.3 reads a secret volume from a podman secret holding the Secret, takes `data`
        # as plain text (no base64 decoding) and ignores stringData: store the decoded values.
        for secret in (d for d in self.docs if d["kind"] == "Secret"):
            decoded = {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
            stored = {"apiVersion": "v1", "kind": "Secret", "metadata": secret["metadata"], "data": decoded}
            path = self.workdir / f"{secret['metadata']['name']}.yaml"
            path.write_text(yaml.safe_dump(stored))
            podman("secret", "create", secret["metadata"]["name"], str(path))
            self.secrets.append(secret["metadata"]["name"])

    def play(self, label: str, *objects: dict) -> None:
        path = self.workdir / f"{label}.yaml"
        path.write_text(yaml.safe_dump_all([*self.config, *(self.for_podman(o) for o in objects)]))
        self.files.append(path)  # before playing: a partly played file is torn down too
        podman("kube", "play", str(path))

    def init_check(self, label: str) -> tuple[int, str]:
        """Run web's init container (waits for the schema) as a Pod once: (exit code, log)."""
        web = find(self.docs, "Deployment", "web")
        spec = {**copy.deepcopy(pod_spec(web)), "restartPolicy": "Never"}
        spec["containers"] = spec.pop("initContainers")
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"init-{label}"}, "spec": spec}
        self.play(f"init-{label}", pod)
        container = self.container(f"init-{label}", spec["containers"][0]["name"])
        code = int(podman("wait", container, timeout=120).stdout.strip())
        log = podman("logs", container, check=False)
        return code, log.stdout + log.stderr

    def container(self, name: str, container: str) -> str:
        """The podman name of a container of a played Deployment (pod `<name>-pod-0`) or Pod."""
        pods = json.loads(podman("pod", "ps", "--format", "json").stdout)
        names = {p["Name"] for p in pods}
        pod = next(n for n in (f"{self.run}-{name}-pod-0", f"{self.run}-{name}") if n in names)
        return f"{pod}-{container}"

    def ip(self, name: str) -> str:
        pod = self.container(name, "x").rsplit("-", 1)[0]
        infra = podman("pod", "inspect", pod, "--format", "{{.InfraContainerID}}").stdout.strip()
        address = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
        return podman("inspect", infra, "--format", address).stdout.strip()

    def down(self) -> None:
        for path in reversed(self.files):
            podman("kube", "down", str(path), check=False)
        for name in self.secrets:
            podman("secret", "rm", name, check=False)
            podman("volume", "rm", "-f", name, check=False)  # podman 4.3 writes the files into a volume of that name
        for name in self.volumes:
            podman("volume", "rm", "-f", name, check=False)


def http(method: str, url: str, body: dict | None = None):
    """(status, JSON or None), as the ingress forwards a request for the first allowed host."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    for name, value in {"Content-Type": "application/json", "Host": "localhost", "X-Forwarded-Proto": "https"}.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except OSError:
        return None, None


@pytest.fixture(scope="module")
def cluster(build, tmp_path_factory):
    """The local overlay of COMBO, played by podman in rollout order; torn down afterwards."""
    proc = subprocess.run(["bash", str(PODMAN_SH)], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, f".ci/podman.sh failed:\n{proc.stderr}"
    built = build(COMBO)
    local_tag = f"{COMBO.slug}:local"
    images = [built.tag, PINS["postgres_image"], PINS["redis_image"]]
    proc = subprocess.run(["bash", str(PODMAN_SH), "load", *images], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f".ci/podman.sh load failed:\n{proc.stderr}"
    podman("tag", built.tag, local_tag)

    docs = documents(kustomize_overlay(built.project, "local"))
    play = Play(docs, tmp_path_factory.mktemp("podman"))
    try:
        play.create_secrets()
        play.play("postgres", find(docs, "Deployment", "postgres"))
        play.play("redis", find(docs, "Deployment", "redis"))
        postgres = play.container("postgres", "postgres")

        def postgres_ready() -> bool:
            return podman("exec", postgres, "pg_isready", "--host", "127.0.0.1", check=False).returncode == 0

        assert wait_for(postgres_ready, 90), (
            "postgres never became ready:\n" + (podman("logs", postgres, check=False).stderr[-3000:])
        )
        play.hosts = {"postgres": play.ip("postgres"), "redis": play.ip("redis")}
        play.init_before = play.init_check("before")
        play.play("migrate", find(docs, "Job", "migrate"))
        migrate = play.container("migrate", "migrate")
        exit_code = podman("wait", migrate, timeout=180).stdout.strip()
        play.migrate_exit = int(exit_code)
        play.migrate_log = podman("logs", migrate, check=False)
        play.init_after = play.init_check("after")
        for name in APP_WORKLOADS:  # one file each, as for the data services
            play.play(name, find(docs, "Deployment", name))
        [port] = find(docs, "Deployment", "web")["spec"]["template"]["spec"]["containers"][0]["ports"]
        play.base_url = f"http://{play.ip('web')}:{port['containerPort']}"
        yield play
    finally:
        play.down()
        podman("rmi", local_tag, check=False)


def test_the_migrate_job_ran_to_completion_before_the_app_started(cluster):
    log = cluster.migrate_log.stdout + cluster.migrate_log.stderr
    assert cluster.migrate_exit == 0, f"the migrate Job failed:\n{log[-3000:]}"
    assert "Applying" in log, f"the migrate Job applied no migration:\n{log[-3000:]}"


def test_the_init_container_holds_the_app_until_the_schema_is_migrated(cluster):
    code, log = cluster.init_before
    assert code != 0, f"the init container let the app start on an unmigrated database:\n{log[-2000:]}"
    code, log = cluster.init_after
    assert code == 0, f"the init container still holds the app after the migration:\n{log[-2000:]}"


def test_web_answers_health_and_ready_with_the_database_and_redis_pods(cluster):
    ready = wait_for(lambda: http("GET", cluster.base_url + "/ready")[0] == 200, 120)
    web = cluster.container("web", "web")
    assert ready, (
        f"/ready never answered 200: {http('GET', cluster.base_url + '/ready')}\n"
        + (podman("logs", web, check=False).stderr[-3000:])
    )
    assert http("GET", cluster.base_url + "/health")[0] == 200


def test_a_celery_task_round_trip_works_through_the_worker_pod(cluster):
    assert wait_for(lambda: http("GET", cluster.base_url + "/ready")[0] == 200, 120), "/ready never answered 200"
    status, item = http("POST", cluster.base_url + "/items", {"name": "written in a pod"})
    assert status == 201, (status, item)
    status, queued = http("POST", f"{cluster.base_url}/items/{item['id']}/process")
    assert status == 202, (status, queued)

    def processed() -> bool:
        return http("GET", f"{cluster.base_url}/items/{item['id']}")[1]["status"] == "processed"

    worker = cluster.container("worker", "worker")
    assert wait_for(processed, 60), (
        "the worker pod never processed the task:\n" + (podman("logs", worker, check=False).stderr[-3000:])
    )


@pytest.mark.parametrize("workload", APP_WORKLOADS)
def test_containers_run_with_the_manifests_uid_read_only_root_and_no_capabilities(cluster, workload):
    manifest = find(cluster.docs, "Deployment", workload)
    pod_context = pod_spec(manifest)["securityContext"]
    [container] = [c for c in containers(manifest) if c["name"] == workload]
    name = cluster.container(workload, workload)
    assert wait_for(lambda: podman("inspect", name, "--format", "{{.State.Running}}").stdout.strip() == "true", 60)
    uid = podman("exec", name, "id", "-u").stdout.strip()
    assert uid == str(pod_context["runAsUser"]), f"{workload} runs as uid {uid}"
    inspected = json.loads(podman("inspect", name).stdout)[0]
    read_only = inspected["HostConfig"]["ReadonlyRootfs"]
    assert read_only is container["securityContext"]["readOnlyRootFilesystem"] is True, f"{workload}: writable root"
    assert inspected["EffectiveCaps"] in (None, []), f"{workload} keeps capabilities {inspected['EffectiveCaps']}"
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    status = podman("exec", name, "sh", "-c", "grep -E '^(CapEff|NoNewPrivs)' /proc/1/status").stdout
    assert "CapEff:\t0000000000000000" in status and "NoNewPrivs:\t1" in status, status
