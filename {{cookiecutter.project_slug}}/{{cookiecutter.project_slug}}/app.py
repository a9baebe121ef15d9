"""Flask application: liveness at /health, readiness at /ready."""

from __future__ import annotations

import logging

from flask import Flask, jsonify

from .checks import readiness
from .config import Settings, settings


def create_app(config: Settings = settings) -> Flask:
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = Flask(__name__)
    app.config["SECRET_KEY"] = config.secret_key

    @app.get("/health")
    def health():
        """Liveness: the process serves requests. Checks no dependency."""
        return jsonify(status="ok")

    @app.get("/ready")
    def ready():
        """Readiness: every dependency answers within its timeout, or 503 naming those that do not."""
        status, body = readiness(config)
        return jsonify(body), status

    return app


app = create_app()
