{%- set db = cookiecutter.use_postgres -%}
"""Flask application: liveness at /health, readiness at /ready{% if db %}, and the example: /items{% endif %}."""

from __future__ import annotations

from flask import Flask, abort, jsonify, request

from . import logs
from .checks import readiness
from .config import PROBE_PATHS, Settings, host_allowed, settings
{%- if db %}
from .db import Item, session_scope
{%- endif %}
from .request_context import RequestContextMiddleware
{%- if db and cookiecutter.use_celery %}
from .tasks import process_item
{%- endif %}


def create_app(config: Settings = settings) -> Flask:
    # The app's lines in LOG_FORMAT, each with its request's ID (gunicorn's own: gunicorn_conf.py).
    logs.configure(config.log_format, config.log_level)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = config.secret_key
    # The request ID, and the client and scheme from the TLS edge (TRUSTED_PROXIES) only.
    app.wsgi_app = RequestContextMiddleware(app.wsgi_app, config.trusted_proxies)

    @app.before_request
    def check_host():
        """400 for a Host header outside ALLOWED_HOSTS (Django's rule), except on the probes."""
        if request.path not in PROBE_PATHS and not host_allowed(request.host, config.allowed_hosts):
            abort(400, "Invalid Host header")

    @app.get("/health")
    def health():
        """Liveness: the process serves requests. Checks no dependency."""
        return jsonify(status="ok")

    @app.get("/ready")
    def ready():
        """Readiness: every dependency answers within one deadline, or 503 naming those that do not."""
        status, body = readiness(config)
        return jsonify(body), status
{%- if db %}

    @app.post("/items")
    def create_item():
        """Write a row: {"name": "..."} -> 201 and the item."""
        name = (request.get_json(silent=True) or {}).get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 200:
            return jsonify(error="name: a string of 1 to 200 characters"), 422
        with session_scope() as session:
            item = Item(name=name)
            session.add(item)
            session.flush()
            return jsonify(item.as_dict()), 201

    @app.get("/items/<int:item_id>")
    def get_item(item_id: int):
        """Read it back."""
        with session_scope() as session:
            item = session.get(Item, item_id)
            if item is None:
                return jsonify(error="no such item"), 404
            return jsonify(item.as_dict())
{%- if cookiecutter.use_celery %}

    @app.post("/items/<int:item_id>/process")
    def process(item_id: int):
        """Hand the item to a Celery worker, which marks it processed; 202 and the task id."""
        with session_scope() as session:
            if session.get(Item, item_id) is None:
                return jsonify(error="no such item"), 404
        return jsonify(id=item_id, task_id=process_item.delay(item_id).id), 202
{%- endif %}
{%- endif %}

    return app


app = create_app()
