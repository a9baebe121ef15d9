"""gunicorn settings, tuned by the environment (see .env.example)."""

import os

bind = "0.0.0.0:{{ cookiecutter.http_port }}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Finish in-flight requests on SIGTERM, well inside docker's stop timeout.
graceful_timeout = 8
keepalive = 5
# Heartbeat files in memory: the root filesystem is read-only in production.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a RAM disk, not a shared temp file
# No control socket (gunicornc): it would be written under $HOME, on the read-only root.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
