"""CI prepares exactly the images the rendered projects name (.ci/docker-engine.sh's default tag list)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from .combos import FRAMEWORKS, PINS, PYTHONS, TEMPLATE_DIR, VARIANTS, Combo, base_image
from .conftest import combo_params
from .tools import assert_ok, run

FROM_LINE = re.compile(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$", re.IGNORECASE | re.MULTILINE)
FROM_FLAG = re.compile(r"--from=([^\s,]+)")
# One combination per base image, with every service on: together they name every image the template can.
FULL_COMBOS = [Combo(FRAMEWORKS[0], py, variant, True, True, True) for py in PYTHONS for variant in VARIANTS]


def driver_tags() -> list[str]:
    proc = run(["bash", ".ci/docker-engine.sh", "--list"], TEMPLATE_DIR)
    assert_ok(proc, "docker-engine.sh --list")
    return proc.stdout.split()


def images_named(project: Path, slug: str) -> set[str]:
    """Images the project's Dockerfiles (FROM, --from=) and compose files (image:) name, except its own."""
    named: set[str] = set()
    for dockerfile in project.glob("**/Dockerfile*"):
        text = dockerfile.read_text()
        stages = {m[2] for m in FROM_LINE.finditer(text) if m[2]}
        refs = [m[1] for m in FROM_LINE.finditer(text)] + FROM_FLAG.findall(text)
        named |= {ref for ref in refs if ref not in stages and not ref.isdigit()}
    for compose in project.glob("compose*.y*ml"):
        services = (yaml.safe_load(compose.read_text()) or {}).get("services", {})
        named |= {s["image"] for s in services.values() if "image" in s and slug not in s["image"]}
    return named


def test_default_tags_are_every_image_the_pins_name_each_once():
    expected = [base_image(Combo(python_version=py, base_image_variant=v)) for py in PYTHONS for v in VARIANTS]
    expected += [value for key, value in PINS.items() if key.endswith("_image")]
    expected.append(f"ghcr.io/astral-sh/uv:{PINS['uv']}")
    tags = driver_tags()
    assert len(tags) == len(set(tags)), tags
    assert sorted(tags) == sorted(expected)


@pytest.mark.parametrize("combo", combo_params(FULL_COMBOS))
def test_every_image_a_rendered_project_names_is_a_default_tag(render, combo):
    named = images_named(render(combo), combo.slug)
    assert base_image(combo) in named
    assert named <= set(driver_tags()), named - set(driver_tags())


def test_stand_in_docs_name_every_pinned_image():
    """.ci/README.md's table of stand-ins names each pinned image and Python patch release: a pin
    bumped in cookiecutter.json without its stand-in documented fails here."""
    table = (TEMPLATE_DIR / ".ci" / "README.md").read_text()
    images = [value for key, value in PINS.items() if key.endswith("_image")] + [f"ghcr.io/astral-sh/uv:{PINS['uv']}"]
    missing = [image for image in images if f"`{image}`" not in table]
    missing += [patch for patch in PINS["python"].values() if patch not in table]
    assert not missing, f".ci/README.md does not name the pinned {missing}"


# ---- the docs name the pinned base images ----

DOCS = ["README.md", ".ci/README.md", "docs/BENCHMARKS.md"]
PYTHON_TAG = re.compile(r"python:\d+\.\d+(?:\.\d+)?-(?:alpine[\d.]*\d|slim-[a-z]+)")


@pytest.mark.parametrize("doc", DOCS)
def test_each_python_image_tag_in_the_docs_follows_the_pins(doc):
    # A full tag must be a default tag; a minor-only one (python:3.13-slim-trixie) its base and variant.
    text = (TEMPLATE_DIR / doc).read_text()
    tags = set(driver_tags())
    minors = {re.sub(r"^(python:\d+\.\d+)\.\d+", r"\1", tag) for tag in tags}
    named = set(PYTHON_TAG.findall(text))
    stale = {tag for tag in named if tag not in tags and tag not in minors}
    assert not stale, f"{doc} names images the pins do not: {sorted(stale)} (pins: {sorted(tags)})"


def test_readme_and_ci_readme_name_the_alpine_pin_and_every_alpine_tag():
    readme = (TEMPLATE_DIR / "README.md").read_text()
    assert f"-alpine{PINS['alpine']}" in readme, "README.md does not say which Alpine release the alpine variant uses"
    ci_readme = (TEMPLATE_DIR / ".ci/README.md").read_text()
    alpine_tags = [base_image(Combo(python_version=py, base_image_variant="alpine")) for py in PYTHONS]
    missing = [tag for tag in alpine_tags if tag not in ci_readme]
    assert not missing, f".ci/README.md's stand-in table misses {missing}"
