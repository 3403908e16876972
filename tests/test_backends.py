"""The publisher over both store backends: the embedded pyoxigraph store and a real Oxigraph
server on loopback (MCM_STORE=remote, loaded by `push`).

A representative set of the document and SPARQL tests runs against each backend (the
`backend` fixture), and the two are compared byte for byte: every document in Turtle and
JSON-LD, the dumps and dataset descriptions, the example queries' results.
"""

from __future__ import annotations

import json

import pytest
from flask import Flask

from server.dumps import DUMPS
from server.negotiation import DOCUMENT_FORMATS, HTML, JSONLD, TEXT, TURTLE
from server.representations import DOC, DUMP, LANDING, SUMS, Renderer
from server.sparql_examples import examples
from server.store import EmbeddedStore, QueryRequest
from server.store_remote import RemoteStore

from . import test_resources

ORIGIN = "http://localhost/"
EXAMPLES = [e for e in examples() if not e.federated]


def renderer(app: Flask) -> Renderer:
    r: Renderer = app.extensions["mcm.renderer"]
    return r


# --- the same tests, on each backend -------------------------------------------------------

@pytest.mark.parametrize(("path", "accept", "status", "ctype", "location"),
                         [c for c in test_resources.CASES if c[0].startswith(("/id/", "/def"))
                          or c[0] in ("/", "/.well-known/void", "/dumps/signatories.csv")])
def test_documents_by_negotiation(backend: Flask, path: str, accept: str | None, status: int,
                                  ctype: str, location: str | None) -> None:
    test_resources.test_table(backend.test_client(), path, accept, status, ctype, location)


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda e: e.slug)
def test_the_example_queries(backend: Flask, ex) -> None:  # type: ignore[no-untyped-def]
    response = backend.test_client().get("/sparql", query_string={"query": ex.text})
    assert response.status_code == 200, response.data
    rows = response.json["results"]["bindings"]
    assert rows and all(rows[0].get(v) for v in response.json["head"]["vars"][:2])


@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"), ("text/tab-separated-values", "text/tab-separated-values"),
])
def test_result_formats(backend: Flask, accept: str, media_type: str) -> None:
    response = backend.test_client().get(
        "/sparql", query_string={"query": EXAMPLES[1].text}, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == media_type


@pytest.mark.parametrize(("query", "status", "says"), [
    ("SELECT ?s WHERE { ?s ?p }", 400, "1:"),  # the parser's position
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", 403, "read-only"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 403, "SERVICE"),
])
def test_bad_queries_are_4xx(backend: Flask, query: str, status: int, says: str) -> None:
    response = backend.test_client().get("/sparql", query_string={"query": query})
    assert response.status_code == status
    assert says in response.json["detail"]


def test_the_dataset_and_protocol_graphs(backend: Flask) -> None:
    client = backend.test_client()
    graphs = client.get("/sparql", query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "default-graph-uri": "https://w3id.org/cybercrime-manifesto/graph/vocabulary"})
    everything = client.get("/sparql", query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    count = int(graphs.json["results"]["bindings"][0]["n"]["value"])
    assert 0 < count < int(everything.json["results"]["bindings"][0]["n"]["value"])


# --- the two backends agree byte for byte --------------------------------------------------

@pytest.fixture(scope="module")
def pair(app: Flask, remote_app: Flask) -> tuple[Renderer, Renderer]:
    assert isinstance(app.extensions["mcm"].store, EmbeddedStore)
    assert isinstance(remote_app.extensions["mcm"].store, RemoteStore)
    return renderer(app), renderer(remote_app)


def test_every_document_is_the_same_from_both(pair: tuple[Renderer, Renderer]) -> None:
    embedded, remote = pair
    assert embedded.catalogue == remote.catalogue and embedded.aliases == remote.aliases
    for iri in sorted(embedded.catalogue):
        for fmt in (TURTLE, JSONLD):
            assert (embedded.get(DOC, iri, fmt, ORIGIN).body
                    == remote.get(DOC, iri, fmt, ORIGIN).body), (iri, fmt.key)
    for path in ("id/org/microsoft", "id/manifesto", "id/sector/academia", "def"):
        for fmt in DOCUMENT_FORMATS:
            iri = embedded.base + path
            assert (embedded.get(DOC, iri, fmt, ORIGIN).body
                    == remote.get(DOC, iri, fmt, ORIGIN).body), (iri, fmt.key)


def test_dumps_and_descriptions_are_the_same_from_both(
        pair: tuple[Renderer, Renderer]) -> None:
    embedded, remote = pair
    for dump in DUMPS:
        assert (embedded.get(DUMP, dump.name, dump.format, ORIGIN).body
                == remote.get(DUMP, dump.name, dump.format, ORIGIN).body), dump.name
    assert embedded.get(SUMS, "", TEXT, ORIGIN).body == remote.get(SUMS, "", TEXT, ORIGIN).body
    void = embedded.dataset_iri
    for fmt in (TURTLE, HTML):
        assert embedded.get(DOC, void, fmt, ORIGIN).body == remote.get(DOC, void, fmt,
                                                                        ORIGIN).body
    assert (embedded.get(LANDING, "", HTML, ORIGIN).body
            == remote.get(LANDING, "", HTML, ORIGIN).body)


QUERIES = [
    *[(e.text, "json", "turtle") for e in EXAMPLES],
    *[(EXAMPLES[0].text, fmt, "turtle") for fmt in ("xml", "csv", "tsv")],
    ("ASK { ?s mcm:sector ?o }", "xml", "turtle"),
    ("CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s mcm:sector ?x ; skos:prefLabel ?l } "
     "ORDER BY ?s", "json", "turtle"),
    ("DESCRIBE <id/org/microsoft>", "json", "ntriples"),
    ("SELECT ?s WHERE { ?s a skos:Concept } ORDER BY ?s", "json", "turtle"),
]


@pytest.mark.parametrize(("text", "bindings", "graph"), QUERIES)
def test_query_results_are_the_same_from_both(app: Flask, remote_app: Flask, text: str,
                                              bindings: str, graph: str) -> None:
    request = QueryRequest(text, bindings_format=bindings, graph_format=graph, max_rows=40)
    embedded = app.extensions["mcm"].store.query(request)
    remote = remote_app.extensions["mcm"].store.query(request)
    assert (remote.kind, remote.format, remote.rows, remote.truncated) == \
        (embedded.kind, embedded.format, embedded.rows, embedded.truncated)
    if "ORDER BY" in text or embedded.kind == "boolean":
        assert remote.body == embedded.body
    elif bindings == "json" and embedded.kind == "bindings":
        rows = [json.loads(r.body)["results"]["bindings"] for r in (embedded, remote)]
        assert sorted(map(str, rows[0])) == sorted(map(str, rows[1]))


def test_rows_past_the_limit_are_cut_the_same_way(app: Flask, remote_app: Flask) -> None:
    request = QueryRequest("SELECT ?s WHERE { ?s a ?c } ORDER BY ?s ?c", max_rows=7)
    embedded = app.extensions["mcm"].store.query(request)
    remote = remote_app.extensions["mcm"].store.query(request)
    assert remote.truncated and remote.rows == 7
    assert remote.body == embedded.body
