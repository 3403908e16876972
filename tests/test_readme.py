"""Every route and example URL the README shows answers (the docs cannot drift from the code)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def readme_paths() -> list[str]:
    # Example URLs on the served origin, as in the curl lines.
    paths = set(re.findall(r"http://127\.0\.0\.1:8000(/[^\s'\"`)]*)", README))
    # Table routes: `/x/y` literally (placeholders such as {name} or ... are left out).
    paths |= {p for p in re.findall(r"`(/[A-Za-z0-9_./-]*)`", README) if "..." not in p}
    return sorted(paths)


def test_the_readme_shows_routes() -> None:
    assert len(readme_paths()) >= 10


@pytest.mark.parametrize("path", readme_paths())
def test_readme_route_answers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, f"README shows {path}, which answers {response.status_code}"
