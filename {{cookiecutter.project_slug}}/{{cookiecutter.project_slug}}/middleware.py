"""Probes first: Docker's health check and Kubernetes' probes call /health and /ready by
IP address, which ALLOWED_HOSTS rightly refuses. This middleware answers exactly those two
paths before the host check; every other path still needs an allowed Host."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .views import health, ready

PROBES = {"/health": health, "/ready": ready}


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        return probe(request) if probe else self.get_response(request)
