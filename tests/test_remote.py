"""The remote store: push, the release check at start, and failures of a real store.

Failures are real: an Oxigraph server on loopback behind a small TCP relay that the test
can make stall (it accepts connections and never answers) or stop (connections refused).
Clients must get a prompt 503 or 504 with Retry-After, never a hung worker.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from server import create_app
from server.dataset import Dataset
from server.push import GraphStore, PushFailed, push
from server.store_remote import RemoteStore, StoreMismatch, release_iri

from .servers import free_port, oxigraph_server, publisher

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { %s }"


class Relay:
    """A TCP relay on loopback to an upstream server: relaying, stalled, or stopped."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.stalled = False
        self.connections = 0
        self._server: socket.socket | None = None
        self._held: list[socket.socket] = []
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        server = socket.create_server(("127.0.0.1", self.port))
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        """Close the listening socket: new connections are refused."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for held in self._held:
            held.close()
        self._held.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            self.connections += 1
            if self.stalled:
                self._held.append(client)  # accepted, read, never answered
                continue
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        with client, socket.create_connection(self.upstream) as upstream:
            back = threading.Thread(target=self._pipe, args=(upstream, client), daemon=True)
            back.start()
            self._pipe(client, upstream)
            back.join(10)

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture()
def relayed(release: Dataset) -> Iterator[tuple[Relay, str]]:
    """A fresh Oxigraph holding this release, behind a relay: (relay, store base URL)."""
    with oxigraph_server(union_default_graph=False) as base:
        push(release, base + "/store", base + "/query")
        host, port = base.removeprefix("http://").split(":")
        relay = Relay((host, int(port)))
        try:
            yield relay, base
        finally:
            relay.stop()


def remote(url: str, **config: object) -> Flask:
    return create_app({"TESTING": True, "STORE": "remote", "REMOTE_QUERY_URL": url + "/query",
                       **config})


def count(store: RemoteStore, pattern: str) -> int:
    return int(str(store.select(COUNT % pattern)[0]["n"]))


# --- push and the release check ------------------------------------------------------------

def test_push_loads_each_graph_their_union_and_the_version_last(remote_store: str,
                                                                 release: Dataset) -> None:
    store = RemoteStore(remote_store + "/query", release.base, release.version)
    for name, graph in release.graphs.items():
        assert count(store, f"GRAPH <{release.graph_iri(name)}> {{ ?s ?p ?o }}") == len(graph)
    union = release.union()
    assert count(store, "?s ?p ?o") == len(union)  # a set: the embedded store's default graph
    marker = release_iri(release.base)
    assert count(store, f"GRAPH <{marker}> {{ ?s ?p ?o }}") == 1
    store.check_release()


def test_a_push_replaces_the_release_and_drops_stale_graphs(release: Dataset) -> None:
    with oxigraph_server(union_default_graph=False) as base:
        stale = "https://example.org/graph/old"
        GraphStore(base + "/store").put(stale, b"<urn:a> <urn:b> <urn:c> .\n")
        push(release, base + "/store", base + "/query")
        push(release, base + "/store", base + "/query")  # again: the same store
        store = RemoteStore(base + "/query", release.base, release.version)
        assert count(store, f"GRAPH <{stale}> {{ ?s ?p ?o }}") == 0
        assert count(store, "?s ?p ?o") == len(release.union())


def test_a_push_to_nowhere_says_so(release: Dataset) -> None:
    with pytest.raises(PushFailed, match="cannot reach"):
        push(release, f"http://127.0.0.1:{free_port()}/store")


def test_a_server_refuses_a_store_without_its_release(release: Dataset) -> None:
    with oxigraph_server(union_default_graph=False) as base:
        with pytest.raises(StoreMismatch, match="holds no release.*push"):
            remote(base)
        push(release, base + "/store", base + "/query")
        marker = release_iri(release.base)
        owl = "http://www.w3.org/2002/07/owl#versionInfo"
        GraphStore(base + "/store").put(marker, f'<{marker}> <{owl}> "0123abc" .\n'.encode())
        with pytest.raises(StoreMismatch, match=f"0123abc.*{release.version}"):
            remote(base)


def test_a_server_refuses_a_union_default_graph(release: Dataset) -> None:
    with oxigraph_server(union_default_graph=True) as base:
        push(release, base + "/store")
        with pytest.raises(StoreMismatch, match="union"):
            remote(base)


def test_a_server_refuses_to_start_on_a_store_that_is_down() -> None:
    from server.errors import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        remote(f"http://127.0.0.1:{free_port()}")


# --- a slow or stopped store ---------------------------------------------------------------

def test_a_stalled_store_is_a_prompt_504_with_retry_after(relayed: tuple[Relay, str]) -> None:
    relay, _ = relayed
    app = remote(relay.url, SPARQL_TIMEOUT=0.5, REMOTE_TIMEOUT=0.5, REMOTE_RETRY_AFTER=7)
    client = app.test_client()
    relay.stalled = True
    for path, query in (("/sparql", {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}),
                        ("/id/org/microsoft", None)):
        started = time.monotonic()
        response = client.get(path, query_string=query)
        assert time.monotonic() - started < 2.0, path
        assert response.status_code == 504, (path, response.data)
        assert response.headers["Retry-After"] == "7"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    # A slow store is not a dead one: once it answers again, so do we.
    relay.stalled = False
    assert client.get("/id/org/microsoft", headers={"Accept": "text/turtle"}).status_code == 200


def test_a_stopped_store_is_a_prompt_503_then_recovers(relayed: tuple[Relay, str]) -> None:
    relay, _ = relayed
    app = remote(relay.url, REMOTE_RETRY_AFTER=1)
    client = app.test_client()
    relay.stop()
    response = client.get("/id/org/microsoft", headers={"Accept": "text/turtle"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert response.json["title"] == "Store unavailable"
    page = client.get("/sparql", query_string={"query": "ASK {}"},
                      headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "1"
    relay.start()
    # Within Retry-After the store is not asked again: the answer is immediate.
    connections = relay.connections
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 503
    assert relay.connections == connections
    time.sleep(1.05)
    assert client.get("/id/org/microsoft", headers={"Accept": "text/turtle"}).status_code == 200


def test_updates_and_service_are_refused_before_the_store_is_asked(
        relayed: tuple[Relay, str]) -> None:
    relay, _ = relayed
    client = remote(relay.url).test_client()
    connections = relay.connections
    for query in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DROP ALL",
                  "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"):
        assert client.get("/sparql", query_string={"query": query}).status_code == 403
        assert client.post("/sparql", data=query, headers={
            "Content-Type": "application/sparql-update"}).status_code == 403
    assert relay.connections == connections


# --- a served replica ----------------------------------------------------------------------

def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def test_a_served_replica_in_remote_mode_has_no_query_workers(remote_store: str) -> None:
    env = {"MCM_STORE": "remote", "MCM_REMOTE_QUERY_URL": remote_store + "/query"}
    with publisher(env=env) as base:
        request = urllib.request.Request(base + "/id/org/microsoft",
                                         headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert b"Microsoft" in response.read()
        query = urllib.request.Request(
            base + "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D",
            headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(query, timeout=10) as response:
            assert b"true" in response.read()
        port = int(base.rsplit(":", 1)[1])
        server = next(int(p.parent.name) for p in Path("/proc").glob("[0-9]*/cmdline")
                      if f"--port\0{port}\0".encode() in _read(p))
        commands = [_read(Path(f"/proc/{pid}/cmdline")) for pid in _descendants(server)]
        assert commands and not any(b"sparql_worker" in c for c in commands)
        assert os.getpid() not in _descendants(server)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_the_readme_documents_every_remote_setting() -> None:
    from server.config import DEFAULTS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name in [n for n in DEFAULTS if n.startswith("REMOTE_")] + ["STORE"]:
        assert f"| `MCM_{name}` |" in readme, name
    assert "python -m server push --endpoint" in readme
    assert "python -m server export" in readme
