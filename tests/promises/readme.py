"""The README's promise table, generated from the registry and the mutation list.

`python -m tests.promises` rewrites the block between the markers; a test keeps it current.
"""

from __future__ import annotations

from ..combos import TEMPLATE_DIR
from ..mutations import MUTATIONS
from .registry import PROMISES

README = TEMPLATE_DIR / "README.md"
START, END = "<!-- promises:start -->", "<!-- promises:end -->"


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def table() -> str:
    """One row per promise (the test that proves it and the edits it catches), then the docker-only edits."""
    lines = [
        "| promise (`test_promise_holds[<promise>-<combination>]`) | applies to | what it proves | edits it catches |",
        "| --- | --- | --- | --- |",
    ]
    for promise in PROMISES.values():
        caught = ", ".join(f"`{m.id}`" for m in MUTATIONS if promise.name in m.promises)
        lines.append(f"| `{promise.name}` | {promise.applies.label} | {cell(promise.summary)} | {caught} |")
    lines += ["", "| edit only a running engine catches | what it breaks | docker test that fails |"]
    lines += ["| --- | --- | --- |"]
    lines += [f"| `{m.id}` | {cell(m.breaks)} | `{m.docker}` |" for m in MUTATIONS if m.docker]
    return "\n".join(lines)


def readme_block(text: str) -> str:
    assert START in text and END in text, f"README.md lacks the {START} ... {END} markers"
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def write_readme() -> None:
    text = README.read_text()
    before, after = text.split(START, 1)[0], text.split(END, 1)[1]
    README.write_text(f"{before}{START}\n{table()}\n{END}{after}")
