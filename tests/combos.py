"""The answer combinations the tests render, named so a failure says which one broke."""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
COOKIECUTTER_JSON = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())

FRAMEWORKS: list[str] = COOKIECUTTER_JSON["framework"]
PYTHONS: list[str] = COOKIECUTTER_JSON["python_version"]
VARIANTS: list[str] = COOKIECUTTER_JSON["base_image_variant"]
PINS: dict = COOKIECUTTER_JSON["_pins"]
SLUG_MAX_LENGTH = 40


@dataclass(frozen=True)
class Combo:
    framework: str = FRAMEWORKS[0]
    python_version: str = PYTHONS[0]
    base_image_variant: str = VARIANTS[0]
    use_postgres: bool = False
    use_redis: bool = False
    use_celery: bool = False
    # Off in ALL_COMBOS: the Kubernetes tests render with it on (K8S_COMBOS), once per manifest set.
    use_kubernetes: bool = False

    @property
    def id(self) -> str:
        services = [
            name
            for name, on in (
                ("pg", self.use_postgres),
                ("redis", self.use_redis),
                ("celery", self.use_celery),
            )
            if on
        ]
        deploy = ["k8s"] if self.use_kubernetes else []
        parts = [self.framework, "py" + self.python_version, self.base_image_variant, *(services or ["none"]), *deploy]
        return "-".join(parts)

    @property
    def slug(self) -> str:
        """Unique, and exactly as long as the template allows, so long names are always tested."""
        name = "svc_" + self.id.replace("-", "_").replace(".", "")
        if len(name) > SLUG_MAX_LENGTH:
            digest = hashlib.sha1(name.encode()).hexdigest()[:8]
            return name[: SLUG_MAX_LENGTH - 9] + "_" + digest
        return name.ljust(SLUG_MAX_LENGTH, "x")

    @property
    def redis(self) -> bool:
        """Celery brings Redis as its broker."""
        return self.use_redis or self.use_celery

    def extra_context(self) -> dict:
        return {
            "project_name": self.slug,
            "framework": self.framework,
            "python_version": self.python_version,
            "base_image_variant": self.base_image_variant,
            "use_postgres": self.use_postgres,
            "use_redis": self.use_redis,
            "use_celery": self.use_celery,
            "use_kubernetes": self.use_kubernetes,
        }


def base_image(combo: Combo) -> str:
    """The base image tag a combination's Dockerfile names, from the pins in cookiecutter.json."""
    patch = PINS["python"][combo.python_version]
    if combo.base_image_variant == "alpine":
        return f"python:{patch}-alpine{PINS['alpine']}"
    return f"python:{patch}-slim-{PINS['debian']}"


ALL_COMBOS: list[Combo] = [
    Combo(fw, py, variant, pg, redis, celery)
    for fw, py, variant, pg, redis, celery in itertools.product(
        FRAMEWORKS, PYTHONS, VARIANTS, (False, True), (False, True), (False, True)
    )
]

# Every framework with every service on and off, spread over several Pythons.
SERVICE_SETS = [
    {},
    {"use_postgres": True},
    {"use_redis": True},
    {"use_postgres": True, "use_redis": True, "use_celery": True},
]
# Every offered Python: with four of them, each meets each framework once.
SUITE_PYTHONS = sorted(PYTHONS, key=lambda v: tuple(map(int, v.split("."))))
COVERING_COMBOS: list[Combo] = [
    Combo(fw, SUITE_PYTHONS[(i + j) % len(SUITE_PYTHONS)], "slim", **services)
    for i, fw in enumerate(FRAMEWORKS)
    for j, services in enumerate(SERVICE_SETS)
]
