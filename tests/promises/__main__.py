"""`python -m tests.promises`: rewrite the README's promise table from the registry."""

from .readme import write_readme

write_readme()
