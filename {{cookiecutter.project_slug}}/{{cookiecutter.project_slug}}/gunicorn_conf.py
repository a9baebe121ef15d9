"""gunicorn settings, tuned by the environment (see .env.example)."""

import os

from {{ cookiecutter.project_slug }}.cpu import web_concurrency
from {{ cookiecutter.project_slug }}.logs import dict_config

bind = "0.0.0.0:{{ cookiecutter.http_port }}"
# WEB_CONCURRENCY, else one worker per CPU of the container's limit (not of the host).
workers = web_concurrency()
# Requests a worker serves at once: with one worker per CPU, 8 threads leave room for the health
# checks beside a few slow requests (threads wait on I/O without the GIL).
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Finish in-flight requests on SIGTERM, well inside docker's stop timeout.
graceful_timeout = 8
# Idle keep-alive connections outlive the TLS edge's (60 s, Caddyfile): the edge closes them first,
# so it never sends a request on a connection gunicorn is closing (a 502).
keepalive = 75
# Heartbeat files in memory: the root filesystem is read-only in production.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a RAM disk, not a shared temp file
# No control socket (gunicornc): it would be written under $HOME, on the read-only root.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Errors and access lines in LOG_FORMAT (json in production); logs.py reads the access line's
# fields (client, status, duration, the X-Request-ID it answered with) from gunicorn's atoms.
logconfig_dict = dict_config(
    os.environ.get("LOG_FORMAT") or "text", loglevel, loggers=("gunicorn.error", "gunicorn.access")
)
