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

from .servers import oxigraph_server, publisher

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


@pytest.fixture(scope="session")
def release() -> Dataset:
    """The release files freshly parsed, for pushing (tests may change the shared `data`)."""
    return dataset_mod.load(ROOT)


@pytest.fixture(scope="session")
def remote_store(release: Dataset) -> Iterator[str]:
    """A real Oxigraph server on loopback holding this release, loaded by `push` (its URL).

    Without a union default graph: push writes the default graph itself.
    """
    from server.push import push

    with oxigraph_server(union_default_graph=False) as base:
        push(release, base + "/store", base + "/query")
        yield base


@pytest.fixture(scope="session")
def remote_app(remote_store: str) -> Flask:
    """The publisher reading from the remote store (MCM_STORE=remote)."""
    return create_app({"TESTING": True, "STORE": "remote",
                       "REMOTE_QUERY_URL": remote_store + "/query"})


@pytest.fixture(params=["embedded", "remote"])
def backend(request: pytest.FixtureRequest) -> Flask:
    """The publisher over each store backend in turn (for a representative set of tests)."""
    fixture = "app" if request.param == "embedded" else "remote_app"
    application: Flask = request.getfixturevalue(fixture)
    return application
