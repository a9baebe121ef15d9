"""Example tasks. Call them with .delay() or .apply_async() from the web app."""

from __future__ import annotations

import logging

from .celery_app import app

logger = logging.getLogger(__name__)


@app.task
def add(x: int, y: int) -> int:
    return x + y


@app.task
def heartbeat() -> str:
    logger.info("beat heartbeat task ran")
    return "ok"
