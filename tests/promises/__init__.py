"""Every promise the READMEs make about a rendered project, as a named check (see registry.py).

Importing the package registers every promise; add a module here when an artifact gets its own.
"""

from . import celery, compose, dockerfile, dockerignore, edge, env, k8s, server, workflow
from .project import Project, project
from .registry import PROMISES, Promise, When

__all__ = [
    "PROMISES",
    "Project",
    "Promise",
    "When",
    "celery",
    "compose",
    "dockerfile",
    "dockerignore",
    "edge",
    "env",
    "k8s",
    "project",
    "server",
    "workflow",
]
