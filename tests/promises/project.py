"""What the promises look at: resolved views of one rendered project, computed once each.

- `prod`, `dev`: `docker compose config --format json` of compose.prod.yaml (with .env.example)
  and compose.yaml (with no .env at all), resolved by the Compose v2 binary: anchors merged,
  variables interpolated, durations and sizes normalised. No daemon is needed.
- `dockerfile`: the Dockerfile parsed by dockerfile-parse into stages of instructions.
- `context`: the files `docker build .` would send from a user's working tree (the render plus
  `.git`, `.env`, a venv, caches, tests, docs and uv.lock planted beside it), by Docker's own
  .dockerignore matching (the Docker SDK's port of moby's matcher).
- `module(name)`: a module of the rendered package, parsed with `ast` (never imported: the
  template's test environment has no Celery or gunicorn).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from docker.utils.build import PatternMatcher
from dockerfile_parse import DockerfileParser

from ..combos import Combo
from ..kubernetes import documents, kustomize_overlay
from ..tools import production_values, tool

# Only what the binary needs to run: no variable of this machine leaks into the interpolation.
CLEAN_ENV_KEYS = ("PATH", "HOME", "TMPDIR")
# The builder reads these two itself; whether they also travel in the context does not matter.
BUILD_FILES = {"Dockerfile", ".dockerignore"}


def planted_files(slug: str) -> list[str]:
    """What a developer's checkout holds beside the rendered files after some work in it."""
    return [
        "uv.lock",
        ".git/config",
        ".git/HEAD",
        ".env",
        ".env.local",
        ".env.production",
        ".venv/bin/python",
        ".venv/lib/python3/site-packages/site.py",
        "__pycache__/conftest.cpython-313.pyc",
        f"{slug}/__pycache__/config.cpython-313.pyc",
        f"{slug}/stale.pyc",
        ".pytest_cache/README.md",
        ".ruff_cache/CACHEDIR.TAG",
        ".mypy_cache/CACHEDIR.TAG",
        ".coverage",
        "htmlcov/index.html",
        "node_modules/left-pad/index.js",
        "tests/test_more.py",
        "docs/index.md",
        "dist/service-0.1.0-py3-none-any.whl",
        ".idea/workspace.xml",
        ".vscode/settings.json",
        ".DS_Store",
    ]


def run_compose(root: Path, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {key: os.environ[key] for key in CLEAN_ENV_KEYS if key in os.environ} | (extra_env or {})
    command = [tool("docker-compose"), *args]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=60, check=False)


def resolve_compose(root: Path, *args: str, extra_env: dict[str, str] | None = None) -> dict:
    proc = run_compose(root, *args, "config", "--format", "json", extra_env=extra_env)
    assert proc.returncode == 0, f"docker compose {' '.join(args)} config failed:\n{proc.stderr}"
    return json.loads(proc.stdout)


@dataclass(frozen=True)
class Instruction:
    name: str  # upper case: RUN, COPY, ...
    value: str  # continuation lines joined
    line: int  # 1-based

    @property
    def words(self) -> list[str]:
        return shlex.split(self.value)

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON-array (exec) form of CMD, ENTRYPOINT and HEALTHCHECK's command, else None."""
        command = self.value.split(" CMD ", 1)[-1].strip() if self.name == "HEALTHCHECK" else self.value
        try:
            parsed = json.loads(command)
        except json.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, list) else None

    @property
    def flags(self) -> dict[str, str]:
        """`--name=value` options before the arguments (COPY --from, HEALTHCHECK --interval, ...)."""
        flags = {}
        for word in self.words:
            if not word.startswith("--"):
                break
            name, _, value = word[2:].partition("=")
            flags[name] = value
        return flags

    @property
    def arguments(self) -> list[str]:
        """The words after the options."""
        words = self.words
        return words[len(self.flags) :]

    @property
    def pairs(self) -> dict[str, str]:
        """ENV and LABEL as key -> value."""
        return dict(word.split("=", 1) for word in self.words)


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, name: str) -> list[Instruction]:
        return [i for i in self.instructions if i.name == name]

    def last(self, name: str) -> Instruction | None:
        found = self.all(name)
        return found[-1] if found else None

    def pairs(self, name: str) -> dict[str, str]:
        """Every ENV (or LABEL) of the stage, later ones winning."""
        merged: dict[str, str] = {}
        for instruction in self.all(name):
            merged.update(instruction.pairs)
        return merged


@dataclass
class Dockerfile:
    preamble: list[Instruction]  # before the first FROM (ARG, comments are dropped)
    stages: list[Stage]

    def stage(self, name: str) -> Stage:
        found = [s for s in self.stages if s.name == name]
        assert found, f"the Dockerfile has no stage {name!r} (stages: {[s.name for s in self.stages]})"
        return found[0]

    @property
    def final(self) -> Stage:
        """What `docker build .` builds: the last stage."""
        return self.stages[-1]


def parse_dockerfile(path: Path) -> Dockerfile:
    preamble: list[Instruction] = []
    stages: list[Stage] = []
    for item in DockerfileParser(str(path)).structure:
        if item["instruction"] == "COMMENT":
            continue
        instruction = Instruction(item["instruction"].upper(), item["value"], item["startline"] + 1)
        if instruction.name == "FROM":
            words = instruction.words
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append(instruction)
        else:
            preamble.append(instruction)
    return Dockerfile(preamble, stages)


def module_literals(tree: ast.Module) -> dict[str, object]:
    """Module-level `NAME = <literal>` (or `NAME: type = <literal>`) assignments; others are skipped."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    return found


def call_keywords(tree: ast.Module, dotted: str) -> dict[str, ast.expr]:
    """The keyword arguments of every call to `dotted` (e.g. "app.conf.update"), merged."""
    found: dict[str, ast.expr] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == dotted:
            found.update({k.arg: k.value for k in node.keywords if k.arg})
    return found


DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}


def seconds(duration: str | int | float | None) -> float | None:
    """'30s', '1m0s', '1m30s', '500ms' (Docker's and Go's forms) -> seconds; None stays None."""
    if duration is None:
        return None
    if isinstance(duration, int | float):
        return float(duration)
    parts = DURATION.findall(duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"not a duration: {duration!r}"
    return sum(float(n) * UNIT_SECONDS[u] for n, u in parts)


class Project:
    """One rendered project and its combination, with each view computed on first use."""

    def __init__(self, root: Path, combo: Combo):
        self.root = root
        self.combo = combo
        self.slug = root.name

    @cached_property
    def answers(self) -> dict:
        """The answers the project was rendered with, as the post-generation hook recorded them."""
        return json.loads(self.text(".cruft.json"))["context"]["cookiecutter"]

    @property
    def http_port(self) -> int:
        return int(self.answers["http_port"])

    @cached_property
    def prod(self) -> dict:
        """As deployed: .env.example, plus a strong value for every secret it leaves empty."""
        secrets = production_values(self.root)
        return resolve_compose(self.root, "-f", "compose.prod.yaml", "--env-file", ".env.example", extra_env=secrets)

    @cached_property
    def prod_defaults(self) -> dict:
        """The production file with nothing set but its required variables: its own defaults."""
        secrets = production_values(self.root)
        return resolve_compose(self.root, "-f", "compose.prod.yaml", "--env-file", os.devnull, extra_env=secrets)

    @cached_property
    def prod_with_flower(self) -> dict:
        """The production file with its `flower` profile on."""
        secrets = production_values(self.root)
        args = ("-f", "compose.prod.yaml", "--env-file", ".env.example", "--profile", "flower")
        return resolve_compose(self.root, *args, extra_env=secrets)

    @cached_property
    def prod_without_env(self) -> subprocess.CompletedProcess:
        """compose.prod.yaml resolved with an empty env file and a clean environment."""
        return run_compose(self.root, "-f", "compose.prod.yaml", "--env-file", os.devnull, "config", "--quiet")

    @cached_property
    def dev(self) -> dict:
        return resolve_compose(self.root, "-f", "compose.yaml")

    @cached_property
    def dockerfile(self) -> Dockerfile:
        return parse_dockerfile(self.root / "Dockerfile")

    @cached_property
    def user_tree(self) -> list[str]:
        rendered = [p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()]
        return sorted({*rendered, *planted_files(self.slug)})

    @cached_property
    def context(self) -> set[str]:
        """The files of `user_tree` that .dockerignore lets into the build context."""
        lines = (self.root / ".dockerignore").read_text().splitlines()
        patterns = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
        matcher = PatternMatcher(patterns)
        return {path for path in self.user_tree if not matcher.matches(path)} - BUILD_FILES

    def text(self, relative: str) -> str:
        return (self.root / relative).read_text()

    @cache  # noqa: B019 - one Project per rendered tree, kept for the session on purpose
    def module(self, name: str) -> ast.Module:
        return ast.parse(self.text(f"{self.slug}/{name}.py"))

    @cache  # noqa: B019 - as module()
    def kubernetes(self, overlay: str) -> list[dict]:
        """The objects `kubectl kustomize` builds from an overlay (production or local)."""
        return documents(kustomize_overlay(self.root, overlay))

    def literals(self, name: str) -> dict[str, object]:
        """Module-level `NAME = <literal>` assignments of a module of the package."""
        return module_literals(self.module(name))


@cache
def project(root: Path, combo: Combo) -> Project:
    """The views of one rendered project, shared by every promise checked on it."""
    return Project(root, combo)
