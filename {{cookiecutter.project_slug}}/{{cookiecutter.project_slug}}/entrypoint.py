"""The image's entrypoint: check the configuration, then become the command.

    python -m {{ cookiecutter.project_slug }}.entrypoint COMMAND [ARGUMENT ...]

In production a missing, short or development secret, or a missing ALLOWED_HOSTS, stops
the container here with one line naming the variable, before any server starts. Unless
WEB_CONCURRENCY is set, it is set to one web worker per CPU of the container's limit (cpu.py),
which uvicorn and gunicorn read. The command then replaces this process (exec), so it runs
as PID 1 and receives signals.
"""

from __future__ import annotations

import os
import sys
{%- if cookiecutter.use_celery %}
from collections.abc import MutableMapping

from .config import ConfigError, load_settings, read, secret_problem
from .cpu import web_concurrency

FLOWER_PASSWORD_MIN_LENGTH = 16


def flower_auth(environ: MutableMapping[str, str]) -> None:
    """Flower in production only runs behind basic auth, from FLOWER_USER and FLOWER_PASSWORD(_FILE)."""
    problem = secret_problem("FLOWER_PASSWORD", read(environ, "FLOWER_PASSWORD"), FLOWER_PASSWORD_MIN_LENGTH)
    if problem:
        raise ConfigError(problem)
    user = environ.get("FLOWER_USER", "admin")
    environ["FLOWER_BASIC_AUTH"] = f"{user}:{read(environ, 'FLOWER_PASSWORD')}"
{%- else %}

from .config import ConfigError, load_settings
from .cpu import web_concurrency
{%- endif %}


def main(argv: list[str]) -> int:
    if not argv:
        print(f"usage: python -m {__package__}.entrypoint COMMAND [ARGUMENT ...]", file=sys.stderr)
        return 2
    try:
{%- if cookiecutter.use_celery %}
        settings = load_settings()
        if settings.production and "flower" in argv:
            flower_auth(os.environ)
{%- else %}
        load_settings()
{%- endif %}
        os.environ["WEB_CONCURRENCY"] = str(web_concurrency(os.environ))
    except ConfigError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
{%- if cookiecutter.use_celery %}
    if argv[0] == "celery" and "worker" in argv:
        # `docker stop` sends SIGTERM: as SIGQUIT, the worker's soft shutdown gives running
        # tasks CELERY_SOFT_SHUTDOWN_TIMEOUT to finish, then re-queues the rest at once.
        os.environ.setdefault("REMAP_SIGTERM", "SIGQUIT")
{%- endif %}
    os.execvp(argv[0], argv)  # noqa: S606 - an entrypoint runs the command it is given
    return 0  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
