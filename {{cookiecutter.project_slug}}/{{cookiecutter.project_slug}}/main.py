"""FastAPI application: liveness at /health, readiness at /ready."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from . import __version__
from .checks import readiness
from .config import settings

logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")

app = FastAPI(
    title={{ cookiecutter.project_name | python_string(indent=4, column=10) }},
    version=__version__,
)


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process serves requests. Checks no dependency."""
    return {"status": "ok"}


@app.get("/ready")
def ready() -> JSONResponse:
    """Readiness: every dependency answers within its timeout, or 503 naming those that do not."""
    status, body = readiness(settings)
    return JSONResponse(body, status_code=status)
