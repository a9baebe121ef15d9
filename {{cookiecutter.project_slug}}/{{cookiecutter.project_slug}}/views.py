{%- set db = cookiecutter.use_postgres -%}
"""Liveness at /health, readiness at /ready{% if db %}, and the example: /items{% endif %}."""

from __future__ import annotations
{%- if db %}

import json
{%- endif %}

from django.http import HttpRequest, JsonResponse
{%- if db %}
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
{%- else %}
from django.views.decorators.http import require_GET
{%- endif %}

from .checks import readiness
from .config import settings
{%- if db %}
from .models import Item
{%- endif %}
{%- if cookiecutter.use_celery and db %}
from .tasks import process_item
{%- endif %}


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process serves requests. Checks no dependency."""
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: every dependency answers within one deadline, or 503 naming those that do not."""
    status, body = readiness(settings)
    return JsonResponse(body, status=status)
{%- if db %}


# A JSON API for machines: no cookie session, so no CSRF token (the admin keeps its own).
@csrf_exempt
@require_POST
def create_item(request: HttpRequest) -> JsonResponse:
    """Write a row: {"name": "..."} -> 201 and the item."""
    try:
        payload = json.loads(request.body)
    except ValueError:
        payload = None
    name = payload.get("name") if isinstance(payload, dict) else None
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        return JsonResponse({"error": "name: a string of 1 to 200 characters"}, status=422)
    item = Item.objects.create(name=name)
    return JsonResponse(item.as_dict(), status=201)


@require_GET
def get_item(request: HttpRequest, item_id: int) -> JsonResponse:
    """Read it back."""
    item = Item.objects.filter(pk=item_id).first()
    if item is None:
        return JsonResponse({"error": "no such item"}, status=404)
    return JsonResponse(item.as_dict())
{%- if cookiecutter.use_celery %}


@csrf_exempt
@require_POST
def process(request: HttpRequest, item_id: int) -> JsonResponse:
    """Hand the item to a Celery worker, which marks it processed; 202 and the task id."""
    if not Item.objects.filter(pk=item_id).exists():
        return JsonResponse({"error": "no such item"}, status=404)
    return JsonResponse({"id": item_id, "task_id": process_item.delay(item_id).id}, status=202)
{%- endif %}
{%- endif %}
