{%- set db = cookiecutter.use_postgres -%}
{%- set django = cookiecutter.framework == "django" -%}
"""Example tasks. Call them with .delay() or .apply_async() from the web app."""

from __future__ import annotations

import logging

from .celery_app import app
{%- if db and django %}
from .models import Item
{%- elif db %}
from .db import Item, session_scope
{%- endif %}

logger = logging.getLogger(__name__)


@app.task
def add(x: int, y: int) -> int:
    return x + y


@app.task
def heartbeat() -> str:
    logger.info("beat heartbeat task ran")
    return "ok"
{%- if db %}


@app.task
def process_item(item_id: int) -> str:
    """Mark an item processed, in the database the web app wrote it to."""
{%- if django %}
    updated = Item.objects.filter(pk=item_id).update(status="processed")
    return "processed" if updated else "missing"
{%- else %}
    with session_scope() as session:
        item = session.get(Item, item_id)
        if item is None:
            return "missing"
        item.status = "processed"
    return "processed"
{%- endif %}
{%- endif %}
