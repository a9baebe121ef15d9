"""How many web worker processes this container runs: one per CPU of its limit.

uvicorn and gunicorn read WEB_CONCURRENCY (and run one worker without it). A fixed number is
wrong somewhere: two workers under a 1-CPU limit share one CPU's quota, each importing the app
and holding its memory, for no more throughput; the usual os.cpu_count() formula counts the
host's cores, 16 workers on a 16-core host. So the entrypoint sets WEB_CONCURRENCY from the
container's CPU limit (the cgroup's quota, rounded up), unless it is set already; with no
limit, one worker per CPU this process may run on.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

from .config import ConfigError

CGROUP = Path("/sys/fs/cgroup")


def words(path: Path) -> list[str]:
    """The words of a cgroup file; none when the file is not there (another cgroup version)."""
    try:
        return path.read_text().split()
    except OSError:
        return []


def cpu_limit(cgroup: Path = CGROUP) -> float | None:
    """The container's CPU limit in CPUs (cgroup v2 `cpu.max`, else v1's CFS quota); None if unlimited."""
    v2 = words(cgroup / "cpu.max")  # "<quota> <period>" or "max <period>"
    if v2:
        return None if v2[0] == "max" else int(v2[0]) / int(v2[1])
    quota, period = words(cgroup / "cpu" / "cpu.cfs_quota_us"), words(cgroup / "cpu" / "cpu.cfs_period_us")
    if quota and period and int(quota[0]) > 0:  # v1: -1 means no limit
        return int(quota[0]) / int(period[0])
    return None


def usable_cpus() -> int:
    """CPUs this process may run on (a cpuset narrows them), without any quota."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def web_concurrency(environ: Mapping[str, str] = os.environ, cgroup: Path = CGROUP) -> int:
    """WEB_CONCURRENCY if set (a whole number >= 1), else one worker per CPU of the limit."""
    value = environ.get("WEB_CONCURRENCY", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ConfigError(f"WEB_CONCURRENCY must be a whole number of at least 1, not {value!r}")
        return int(value)
    limit = cpu_limit(cgroup)
    cpus = usable_cpus()
    return cpus if limit is None else max(1, min(cpus, math.ceil(limit)))
