"""Print every image tag a rendered project can name, one per line: docker-engine.sh's default list.

Derived from `_pins` in cookiecutter.json (the single source of truth for versions), in the forms the
template writes them: `python:<patch>-slim-<debian>` and `python:<patch>-alpine<alpine>` for each offered
Python, every `*_image` pin (postgres, redis, caddy), and uv's image `ghcr.io/astral-sh/uv:<uv>`.
"""

import json
import sys
from pathlib import Path

COOKIECUTTER_JSON = Path(__file__).resolve().parents[2] / "cookiecutter.json"


def image_tags(pins: dict) -> list[str]:
    """The quick ones first: the alpine Pythons are compiled when no registry answers."""
    pythons = pins["python"].values()
    return [
        *(f"python:{patch}-slim-{pins['debian']}" for patch in pythons),
        *(value for key, value in pins.items() if key.endswith("_image")),
        f"ghcr.io/astral-sh/uv:{pins['uv']}",
        *(f"python:{patch}-alpine{pins['alpine']}" for patch in pythons),
    ]


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else COOKIECUTTER_JSON
    print("\n".join(image_tags(json.loads(path.read_text())["_pins"])))
