"""Locate and run the tools installed with requirements-dev.txt (the linters every rendered
project must pass among them); compare rendered trees."""

from __future__ import annotations

import ast
import os
import re
import secrets
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

BIN_DIR = Path(sys.executable).parent


def tool(name: str) -> str:
    """The tool next to this interpreter (the venv), else on PATH; fail loudly if missing."""
    candidate = BIN_DIR / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    assert found, f"{name} is not installed: pip install -r requirements-dev.txt"
    return found


@cache
def local_interpreter(version: str) -> str | None:
    """pyenv's interpreter for this version, else python<version> on PATH; None: this machine has none."""
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=True).stdout
        found = sorted(Path(root.strip()).glob(f"versions/{version}.*/bin/python{version}"))
        if found:
            return str(found[-1])
    return shutil.which(f"python{version}")


def interpreter(version: str) -> str:
    """The local interpreter for this version when there is one; else the version, for uv to find."""
    return local_interpreter(version) or version


def lock_env(python_version: str) -> dict[str, str]:
    """What the post-generation hook needs to write uv.lock here: locking on, this venv's uv
    first on PATH, and an interpreter of the answered Python that uv never downloads."""
    return {
        "SERVICE_TEMPLATE_LOCK": "1",
        "PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}",
        "UV_PYTHON": interpreter(python_version),
        "UV_PYTHON_DOWNLOADS": "never",
    }


def run(
    args: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    *,
    inherit_env: bool = True,
):
    """Run a command; return the CompletedProcess with text output (never raises on failure).

    `env` adds to this process's environment, or replaces it with `inherit_env=False`.
    """
    full_env = {**os.environ, **(env or {})} if inherit_env else dict(env or {})
    return subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False)


def assert_ok(proc: subprocess.CompletedProcess, what: str) -> None:
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"


def required_variables(project: Path) -> list[str]:
    """The variables compose.prod.yaml refuses to run without (`${NAME:?message}`)."""
    text = (project / "compose.prod.yaml").read_text()
    return sorted(set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):\?", text)))


def production_values(project: Path) -> dict[str, str]:
    """Strong throwaway values for every required variable, as a deploy would set them."""
    values = {name: "ci-" + secrets.token_hex(32) for name in required_variables(project)}
    if "ALLOWED_HOSTS" in values:
        values["ALLOWED_HOSTS"] = "localhost"
    return values


def assert_ruff_clean(project: Path) -> None:
    assert_ok(run([tool("ruff"), "check", "--no-cache", "."], project), "ruff check")
    assert_ok(run([tool("ruff"), "format", "--check", "--no-cache", "."], project), "ruff format --check")


def assert_hadolint_clean(project: Path) -> None:
    # No config file: hadolint's defaults, with each ignore justified next to its line.
    assert_ok(run([tool("hadolint"), "--no-color", "Dockerfile"], project), "hadolint")


def assert_compose_valid(project: Path) -> None:
    compose = tool("docker-compose")
    assert_ok(run([compose, "-f", "compose.yaml", "config", "--quiet"], project), "compose.yaml config")
    prod = [compose, "-f", "compose.prod.yaml", "--env-file", ".env.example", "config", "--quiet"]
    assert_ok(run(prod, project, production_values(project)), "compose.prod.yaml config")


def isolated_env(home: Path) -> dict[str, str]:
    """An environment in which git, cookiecutter and cruft see nothing of this machine's setup.

    HOME is a fresh folder (no ~/.gitconfig, ~/.cookiecutterrc, replay files or clone cache),
    git reads no system or global configuration, never looks for a repository above `home`'s
    parent, and commits with a fixed identity. The caller's GIT_* variables (GIT_DIR, ...) and
    COOKIECUTTER_CONFIG are dropped, so no command can reach the repository the tests run from.
    """
    home.mkdir(parents=True, exist_ok=True)
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") and key not in ("COOKIECUTTER_CONFIG", "XDG_CONFIG_HOME")
    }
    identity = {"NAME": "Template Tests", "EMAIL": "template-tests@example.com"}
    return {
        **kept,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CEILING_DIRECTORIES": str(home.parent),
        **{f"GIT_{who}_{part}": value for who in ("AUTHOR", "COMMITTER") for part, value in identity.items()},
    }


def tree(root: Path, exclude: tuple[str, ...] = (".git",)) -> dict[str, tuple[str, bytes | None]]:
    """Every path under root -> (mode, content; None for a folder), skipping the `exclude` names."""
    snapshot = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in exclude for part in relative.parts):
            continue
        mode = oct(path.lstat().st_mode)
        snapshot[relative.as_posix()] = (mode, None if path.is_dir() else path.read_bytes())
    return snapshot


def tree_differences(left: dict, right: dict) -> list[str]:
    """What differs between two tree() snapshots, one line per path, for assertion messages."""
    lines = []
    for path in sorted(left.keys() | right.keys()):
        if path not in right:
            lines.append(f"only on the left: {path}")
        elif path not in left:
            lines.append(f"only on the right: {path}")
        elif left[path][0] != right[path][0]:
            lines.append(f"mode differs: {path} {left[path][0]} != {right[path][0]}")
        elif left[path][1] != right[path][1]:
            lines.append(f"content differs: {path}")
    return lines


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports, by name; a relative one with its dots (`.config`, `.`)."""
    nodes = list(ast.walk(ast.parse(path.read_text())))
    imported = {alias.name for node in nodes if isinstance(node, ast.Import) for alias in node.names}
    return imported | {"." * node.level + (node.module or "") for node in nodes if isinstance(node, ast.ImportFrom)}
