"""The example queries in server/queries/*.rq, for the query page, the README and the
service description.

Each file starts with comment lines: the first is the title, the rest the description.
Files sort by name (a number prefix sets the order); the slug is the name without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .namespaces import FILE_BASE
from .sparql_check import inspect

QUERIES = Path(__file__).with_name("queries")


@dataclass(frozen=True)
class Example:
    """One example query."""

    slug: str
    title: str
    description: str
    text: str
    form: str | None
    federated: bool  # uses SERVICE: refused here unless the endpoint is allowed


@cache
def _load(folder: Path) -> tuple[Example, ...]:
    examples = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        comments = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            comments.append(line.lstrip("#").strip())
        title = comments[0] if comments else path.stem
        info = inspect(text)
        examples.append(Example(
            slug=re.sub(r"^\d+-", "", path.stem), title=title,
            description=" ".join(comments[1:]), text=text, form=info.form,
            federated=bool(info.services)))
    return tuple(examples)


def examples(base: str = FILE_BASE, folder: Path = QUERIES) -> list[Example]:
    """The examples, with IRIs under `base` (the files are written against FILE_BASE)."""
    loaded = _load(folder)
    if base == FILE_BASE:
        return list(loaded)
    return [Example(e.slug, e.title, e.description, e.text.replace(FILE_BASE, base), e.form,
                    e.federated) for e in loaded]


def example(slug: str, base: str = FILE_BASE) -> Example | None:
    """One example by slug, or None."""
    return next((e for e in examples(base) if e.slug == slug), None)
