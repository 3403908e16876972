"""Turtle files are kept in the one canonical form `make fmt` writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.dataset import input_files
from server.rdfio import canonical_turtle, parse_file

ROOT = Path(__file__).resolve().parent.parent
FILES = [p for files in input_files(ROOT).values() for p in files]


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_file_is_canonical(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text == canonical_turtle(parse_file(path)), f"run `make fmt` ({path})"


def test_canonical_form_is_stable(tmp_path: Path) -> None:
    """Formatting twice gives the same bytes, so the check cannot flap."""
    source = FILES[0]
    once = canonical_turtle(parse_file(source))
    copy = tmp_path / "copy.ttl"
    copy.write_text(once, encoding="utf-8")
    assert canonical_turtle(parse_file(copy)) == once
