"""Liveness at /health, readiness at /ready."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .checks import readiness
from .config import settings


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process serves requests. Checks no dependency."""
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: every dependency answers within its timeout, or 503 naming those that do not."""
    status, body = readiness(settings)
    return JsonResponse(body, status=status)
