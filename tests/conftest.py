"""Shared fixtures: the app over the repository's data (parsed once), its client, servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import create_app
from server import dataset as dataset_mod
from server.dataset import Dataset

from .servers import publisher

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def data() -> Dataset:
    """The repository's dataset, parsed once for the whole run."""
    return dataset_mod.load(ROOT)


@pytest.fixture(scope="session")
def app() -> Flask:
    """The publisher over the repository's data, as `make serve` runs it."""
    application = create_app({"TESTING": True})
    return application


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The publisher served for real by granian on a free loopback port (base URL)."""
    with publisher() as base:
        yield base
