"""Logging for every process of the service: one JSON object per line in production
(LOG_FORMAT=json), readable text in development (LOG_FORMAT=text, the default).

Each line emitted while a request is served carries that request's ID (`request_id`, set
by request_context.py); the server's access lines carry it too. The same formatter serves
the app, the server ({{ "uvicorn's --log-config" if cookiecutter.framework == "fastapi" else "gunicorn's logconfig_dict" }}){% if cookiecutter.use_celery %} and Celery{% endif %}:

    from {{ cookiecutter.project_slug }} import logs
    logs.configure(fmt="json", level="INFO")
"""

from __future__ import annotations

import json
import logging
import logging.config
import os
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime

FORMATS = ("json", "text")
# The request being served by this thread or task, if any.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# The scheme the client used, as the trusted edge reports it (http or https).
request_scheme: ContextVar[str | None] = ContextVar("request_scheme", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def access_fields(record: logging.LogRecord) -> dict[str, object]:
    """The fields of a server's access line: uvicorn passes a 5-tuple, gunicorn a mapping of atoms."""
    args = record.args
    if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
        client, method, path, http_version, status = args
        return {"client": client, "method": method, "path": path, "http": http_version, "status": status}
    if record.name == "gunicorn.access" and isinstance(args, Mapping):
        return {
            "client": args["h"],
            "method": args["m"],
            "path": args["U"],
            "status": int(args["s"]) if str(args["s"]).isdigit() else args["s"],
            "duration_ms": args["M"],
            "scheme": args["{wsgi.url_scheme}e"],
            "request_id": args["{x-request-id}o"],
        }
    return {}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and the access fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid, scheme = request_id.get(), request_scheme.get()
        if rid:
            entry["request_id"] = rid
        if scheme:
            entry["scheme"] = scheme
        entry.update(access_fields(record))
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """Development: the classic line, with the request ID in brackets when there is one."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = request_id.get() or (access_fields(record).get("request_id"))
        return f"{line} [{rid}]" if rid and rid != "-" else line


def formatter(fmt: str | None = None) -> logging.Formatter:
    """The formatter for LOG_FORMAT (json or text); dictConfig's factory ("()") calls it with none."""
    fmt = (fmt or os.environ.get("LOG_FORMAT") or "text").lower()
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return JsonFormatter() if fmt == "json" else TextFormatter()


def dict_config(fmt: str, level: str, loggers: tuple[str, ...] = ()) -> dict:
    """A logging.config.dictConfig that sends the root logger and `loggers` to stderr in `fmt`."""
    own = {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": f"{__name__}.formatter", "fmt": fmt}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "default"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": dict.fromkeys(loggers, own),
    }


def configure(fmt: str, level: str, loggers: tuple[str, ...] = ()) -> None:
    """Send every log line of this process to stderr in `fmt` (json or text) from `level` up."""
    logging.config.dictConfig(dict_config(fmt, level, loggers))
