"""Locate and run the linters installed with requirements-dev.txt."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    """Run a command; return the CompletedProcess with text output (never raises on failure)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False)


def assert_ok(proc: subprocess.CompletedProcess, what: str) -> None:
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
