"""Regenerate hooks/reserved_names.json: the module names a service's package must not shadow.

    python scripts/update_reserved_names.py [--python 3.14=COMMAND ...]

Run it after adding or changing a dependency anywhere in the template (tests/test_reserved_names.py
fails until you do). It needs uv and the package index (or uv's cache), and writes one file.

- "dependencies": the top-level import names of every distribution any answer combination
  installs, dev dependencies included. Every combination's pyproject.toml is rendered (its
  dependencies, extras and dependency groups, so a package added to the template is picked up
  by itself), each distinct requirement set is resolved by uv for every platform and every
  Python the template offers, the resolved distributions are installed without dependencies
  into a temporary folder, and their top-level names are read (top_level.txt, else RECORD).
- "stdlib": `sys.stdlib_module_names` of each Python version the template offers, asked of the
  real interpreter: `pythonX.Y` on PATH or in pyenv, or the command given with --python
  (for example one that runs it in a container). A version with no interpreter here keeps
  the list already in the file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
OUTPUT = TEMPLATE_DIR / "hooks" / "reserved_names.json"
PYPROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "pyproject.toml"
STDLIB_PROBE = "import json, sys; print(json.dumps([sys.version.split()[0], sorted(sys.stdlib_module_names)]))"


# ---- What the template installs ----------------------------------------------------------


def template_context() -> dict:
    """cookiecutter.json's answers with every default rendered, as `--no-input` gives them."""
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    sys.path.insert(0, str(TEMPLATE_DIR))  # the template's Jinja extension, as cookiecutter does
    context = generate_context(context_file=str(TEMPLATE_DIR / "cookiecutter.json"))
    choices = {k: v for k, v in context["cookiecutter"].items() if not k.startswith("_") and isinstance(v, list)}
    answers = prompt_for_config(context, no_input=True)
    return {**answers, "_choices": choices}


def combinations(context: dict) -> Iterator[dict]:
    """Every answer combination: each choice question's options times each yes/no question's."""
    options = dict(context["_choices"])
    options |= {k: [False, True] for k, v in context.items() if not k.startswith("_") and isinstance(v, bool)}
    for values in itertools.product(*options.values()):
        yield {**context, **dict(zip(options, values, strict=True))}


def pyproject_renderer(context: dict):
    """answers -> the rendered pyproject.toml, with the Jinja environment cookiecutter would use."""
    from cookiecutter.environment import StrictEnvironment

    env = StrictEnvironment(context={"cookiecutter": context}, keep_trailing_newline=True)
    template = env.from_string(PYPROJECT_TEMPLATE.read_text())
    return lambda answers: template.render(cookiecutter=answers)


def requirements(pyproject: str) -> frozenset[str]:
    """Every requirement a pyproject.toml declares: dependencies, extras, dependency groups."""
    data = tomllib.loads(pyproject)
    project = data.get("project", {})
    found = list(project.get("dependencies", []))
    found += [req for extra in project.get("optional-dependencies", {}).values() for req in extra]
    found += [req for group in data.get("dependency-groups", {}).values() for req in group if isinstance(req, str)]
    return frozenset(found)


def requirement_sets() -> tuple[set[frozenset[str]], str]:
    """The distinct requirement sets over all combinations, and the oldest Python offered."""
    context = template_context()
    render = pyproject_renderer(context)
    sets = {requirements(render(answers)) for answers in combinations(context)}
    oldest = min(context["_choices"]["python_version"], key=lambda v: tuple(map(int, v.split("."))))
    return sets, oldest


class UvFailed(RuntimeError):
    pass


def uv(*args: str, stdin: str | None = None) -> str:
    uv_bin = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not uv_bin:
        raise UvFailed("uv is not installed: pip install -r requirements-dev.txt")
    proc = subprocess.run([uv_bin, *args], input=stdin, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise UvFailed(f"uv {' '.join(args[:2])} failed:\n{proc.stderr}")
    return proc.stdout


def resolve(reqs: Iterable[str], python: str, *uv_options: str) -> set[str]:
    """Pinned distributions (`name==version`) a requirement set resolves to, for every platform
    and every Python from `python` on."""
    out = uv(
        "pip", "compile", "-", "--universal", "--python-version", python, "--python", sys.executable,
        "--no-header", "--no-annotate", "--quiet", *uv_options, stdin="\n".join(sorted(reqs)) + "\n",
    )  # fmt: skip
    return {line.split(";")[0].strip() for line in out.splitlines() if line.strip() and not line.startswith("#")}


def install_layers(pins: set[str]) -> list[list[str]]:
    """Pins split so that no layer holds two versions of one distribution."""
    by_name: dict[str, list[str]] = {}
    for pin in sorted(pins):
        by_name.setdefault(pin.split("==")[0].lower(), []).append(pin)
    depth = max((len(versions) for versions in by_name.values()), default=0)
    return [[versions[i] for versions in by_name.values() if i < len(versions)] for i in range(depth)]


def top_level_names(dist_info: Path) -> list[str]:
    """The importable top-level names a distribution installs: top_level.txt, else RECORD."""
    top_level = dist_info / "top_level.txt"
    if top_level.exists():
        names = {line.strip().replace("/", ".").split(".")[0] for line in top_level.read_text().splitlines()}
    else:
        # A top-level module file, or a folder that holds Python code (not the scripts in bin/).
        paths = [line.split(",")[0] for line in (dist_info / "RECORD").read_text().splitlines()]
        code = [path for path in paths if re.search(r"\.(py|pyd|so)$", path)]
        names = {path.split("/")[0] if "/" in path else path.split(".")[0] for path in code}
    return sorted(name for name in names if name.isidentifier())


def distribution_name(dist_info: Path) -> str:
    for line in (dist_info / "METADATA").read_text(encoding="utf-8").splitlines():
        if line.startswith("Name:"):
            return re.sub(r"[-_.]+", "-", line.split(":", 1)[1].strip()).lower()
    raise ValueError(f"{dist_info} has no Name")


def installed_names(pins: set[str], python: str, *uv_options: str) -> dict[str, list[str]]:
    """Distribution -> its top-level import names, for every pinned distribution."""
    found: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory(prefix="reserved-names-") as tmp:
        for i, layer in enumerate(install_layers(pins)):
            target = Path(tmp) / f"layer{i}"
            uv(
                "pip", "install", "--quiet", "--no-deps", "--link-mode", "hardlink", "--target", str(target),
                "--python", sys.executable, "--python-version", python, *uv_options, *layer,
            )  # fmt: skip
            for dist_info in target.glob("*.dist-info"):
                found.setdefault(distribution_name(dist_info), set()).update(top_level_names(dist_info))
    return {name: sorted(names) for name, names in sorted(found.items()) if names}


def dependency_names(*uv_options: str) -> dict[str, list[str]]:
    """Distribution -> top-level names, over everything any combination installs.

    `uv_options` go to every uv call: the tests pass --offline to work from uv's cache.
    """
    sets, oldest = requirement_sets()
    with ThreadPoolExecutor(max_workers=4) as pool:
        pins = set().union(*pool.map(lambda reqs: resolve(reqs, oldest, *uv_options), sets))
    return installed_names(pins, oldest, *uv_options)


# ---- The standard library of each Python offered ------------------------------------------


def python_candidates(version: str) -> list[list[str]]:
    """Commands that may run Python `version`: on PATH, then pyenv's installed versions."""
    found = [[path] for path in [shutil.which(f"python{version}")] if path]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found += [[str(p)] for p in sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))]
    return found


def stdlib_of(command: list[str], version: str) -> dict | None:
    """{"from": full version, "names": sys.stdlib_module_names} of the Python a command runs."""
    proc = subprocess.run([*command, "-I", "-S", "-c", STDLIB_PROBE], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return None
    full, names = json.loads(proc.stdout.strip().splitlines()[-1])
    if not (full == version or full.startswith(version + ".")):
        return None
    return {"from": full, "names": names}


def stdlib_names(versions: list[str], commands: dict[str, list[str]], current: dict) -> dict[str, dict]:
    result = {}
    for version in versions:
        candidates = [commands[version]] if version in commands else python_candidates(version)
        found = next((s for s in (stdlib_of(c, version) for c in candidates) if s), None)
        if found is None:
            if version not in current:
                sys.exit(f"no Python {version} found: pass --python {version}=COMMAND")
            print(f"Python {version}: no interpreter here; kept the list from {current[version]['from']}")
            found = current[version]
        result[version] = found
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="VERSION=COMMAND",
        help="how to run that Python version, e.g. 3.14='docker run --rm -i python:3.14 python'",
    )
    args = parser.parse_args(argv)
    commands = {v: shlex.split(c) for v, c in (item.split("=", 1) for item in args.python)}
    current = json.loads(OUTPUT.read_text()) if OUTPUT.exists() else {"stdlib": {}}
    versions = sorted(json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())["python_version"])
    stdlib = stdlib_names(versions, commands, current.get("stdlib", {}))
    try:
        dependencies = dependency_names()
    except UvFailed as error:
        sys.exit(str(error))
    data = {"generated_by": "python scripts/update_reserved_names.py", "stdlib": stdlib, "dependencies": dependencies}
    OUTPUT.write_text(json.dumps(data, indent=1) + "\n")
    names = sum(map(len, dependencies.values()))
    print(f"wrote {OUTPUT.relative_to(TEMPLATE_DIR)}: {len(dependencies)} distributions, {names} names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
