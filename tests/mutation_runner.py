"""Apply one mutation to a copy of the template and judge whether the promises catch it.

A mutation is caught on a combination when at least one of the promises it names fails on the
mutated render, and every one of them passes on the real render (a check that already fails
proves nothing). An edit that leaves the render unchanged is reported too: its entry must name
a combination the edited line reaches.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .combos import TEMPLATE_DIR, Combo
from .mutations import PROJECT_DIR, REPRESENTATIVES, Mutation, edit
from .promises import PROMISES, Promise, project
from .tools import tree, tree_differences

TEMPLATE_PARTS = ("cookiecutter.json", "hooks", PROJECT_DIR)
# Bake(template or None for the real one, combination) -> the rendered project's folder.
Bake = Callable[[Path | None, Combo], Path]


def mutated_template(mutation: Mutation, destination: Path) -> Path:
    """A copy of the template's rendering parts with the mutation applied."""
    for part in TEMPLATE_PARTS:
        source = TEMPLATE_DIR / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            destination.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / part)
    target = destination / mutation.template_path
    target.write_text(edit(target.read_text(), mutation))
    return destination


def combos_for(mutation: Mutation, promises: Mapping[str, Promise] = PROMISES) -> tuple[Combo, ...]:
    """The combinations named, else the first representative every named promise applies to."""
    if mutation.combos:
        return mutation.combos
    for combo in REPRESENTATIVES:
        if all(promises[name].applies(combo) for name in mutation.promises):
            return (combo,)
    raise AssertionError(f"mutation {mutation.id}: no representative fits {mutation.promises}; name `combos`")


def failure(promise: Promise, root: Path, combo: Combo) -> str | None:
    """Why the promise fails on this render, or None when it holds."""
    try:
        promise.check(project(root, combo))
    except Exception as exc:  # any exception fails the test, so it catches the mutation too
        return f"{type(exc).__name__}: {exc}".strip()
    return None


@dataclass
class Verdict:
    mutation: Mutation
    caught: dict[str, dict[str, str]] = field(default_factory=dict)  # combo id -> promise -> failure
    survived: list[str] = field(default_factory=list)  # combo ids where every named promise held
    problems: list[str] = field(default_factory=list)  # why the verdict cannot count

    @property
    def killed(self) -> bool:
        return bool(self.caught) and not self.survived and not self.problems

    def describe(self) -> str:
        m = self.mutation
        lines = [f"mutation {m.id} ({m.template_path}): {m.breaks}"]
        lines += [f"  SURVIVED on {combo}: {', '.join(m.promises)} all still hold" for combo in self.survived]
        lines += [f"  {problem}" for problem in self.problems]
        lines += [
            f"  caught on {combo} by {name}: {message.splitlines()[0][:200]}"
            for combo, failures in self.caught.items()
            for name, message in failures.items()
        ]
        return "\n".join(lines)


def unchanged(original: Path, mutated: Path) -> bool:
    # .cruft.json records where the template lives, which differs for the copy.
    return not tree_differences(tree(original, (".git", ".cruft.json")), tree(mutated, (".git", ".cruft.json")))


def run_mutation(mutation: Mutation, bake: Bake, workdir: Path, promises: Mapping[str, Promise] = PROMISES) -> Verdict:
    """Apply the mutation to a copy of the template under workdir, render, and judge."""
    verdict = Verdict(mutation)
    unknown = [name for name in mutation.promises if name not in promises]
    assert mutation.promises and not unknown, f"mutation {mutation.id}: name registered promises (unknown: {unknown})"
    template = mutated_template(mutation, workdir / "template")
    for combo in combos_for(mutation, promises):
        original, mutated = bake(None, combo), bake(template, combo)
        if unchanged(original, mutated):
            verdict.problems.append(f"the edit does not change the render of {combo.id}: name `combos` it reaches")
            continue
        failures = {}
        for name in mutation.promises:
            if not promises[name].applies(combo):
                verdict.problems.append(f"{name} does not apply to {combo.id}")
            elif baseline := failure(promises[name], original, combo):
                verdict.problems.append(f"{name} already fails on the real render of {combo.id}: {baseline}")
            elif caught := failure(promises[name], mutated, combo):
                failures[name] = caught
        if failures:
            verdict.caught[combo.id] = failures
        else:
            verdict.survived.append(combo.id)
    return verdict
