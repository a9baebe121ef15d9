""".env.example documents the configuration: exactly the variables the compose files and the app read."""

from __future__ import annotations

import re

from ..tools import required_variables
from .project import Project
from .registry import promise

COMPOSE_FILES = ("compose.yaml", "compose.prod.yaml")
# Set by the code itself (manage.py, wsgi.py), never by the operator.
INTERNAL = {"DJANGO_SETTINGS_MODULE"}
# A WSGI request's variables (CGI names, read from its environ dict), not the process's environment.
WSGI_REQUEST = re.compile(r"HTTP_[A-Z0-9_]+|REMOTE_ADDR")


@promise()
def env_example_documents_exactly_what_is_read(project: Project):
    """.env.example documents every variable the compose files and the app read, and nothing else."""
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", project.text(".env.example"), re.M))
    compose = "".join(project.text(name) for name in COMPOSE_FILES)
    used_by_compose = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose))
    assert used_by_compose <= documented, f"undocumented: {sorted(used_by_compose - documented)}"
    code = "".join(p.read_text() for p in (project.root / project.slug).glob("*.py"))
    read = re.findall(r"""(?:get|environ|read)\((?:\s*env,)?\s*["']([A-Z][A-Z0-9_]*)["']""", code)
    used_by_app = {name for name in read if not WSGI_REQUEST.fullmatch(name)} - INTERNAL
    assert used_by_app <= documented, f"undocumented: {sorted(used_by_app - documented)}"
    unused = documented - used_by_compose - used_by_app
    assert not unused, f".env.example documents variables nothing reads: {sorted(unused)}"


@promise()
def env_example_holds_no_secret_production_accepts(project: Project):
    """.env.example leaves every production secret empty: `cp .env.example .env` cannot deploy a known value."""
    example = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", project.text(".env.example"), re.M))
    secrets = [name for name in required_variables(project.root) if name != "ALLOWED_HOSTS"]
    valued = [name for name in secrets if example.get(name, "")]
    assert not valued, f".env.example gives production secrets a value: {valued}"
