"""/sparql through the Flask client: examples, limits, the cache, the HTML page, and bad input
that must never give a 500."""

from __future__ import annotations

import csv
import gzip
import io
import json
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import create_app
from server.sparql_examples import examples

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def limited() -> Iterator[Flask]:
    """An app with tiny limits, one query worker."""
    app = create_app({"TESTING": True, "SPARQL_MAX_ROWS": 5, "SPARQL_MAX_QUERY_LENGTH": 300,
                      "SPARQL_MAX_BODY": 400, "SPARQL_WORKERS": 1})
    yield app
    app.extensions["mcm"].store.close()


@pytest.mark.parametrize("ex", [e for e in examples() if not e.federated], ids=lambda e: e.slug)
def test_each_example_runs_and_finds_something(client: FlaskClient, ex) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string={"query": ex.text})
    assert response.status_code == 200, response.data
    rows = response.json["results"]["bindings"]
    assert rows and all(rows[0].get(v) for v in response.json["head"]["vars"][:2])


def test_the_examples_are_the_documented_ones() -> None:
    slugs = [e.slug for e in examples()]
    assert slugs == ["signatories-by-sector", "signatories-per-sector",
                     "organisations-with-wikidata", "principles-in-order",
                     "individuals-with-affiliations", "federated-wikidata-countries"]
    assert all(e.title and e.description for e in examples())
    assert [e.slug for e in examples() if e.federated] == ["federated-wikidata-countries"]


def test_the_federated_example_is_refused_here(client: FlaskClient) -> None:
    federated = next(e for e in examples() if e.federated)
    response = client.get("/sparql", query_string={"query": federated.text})
    assert response.status_code == 403
    assert "SERVICE <https://query.wikidata.org/sparql>" in response.json["detail"]
    page = client.get("/sparql", query_string={"query": federated.text},
                      headers={"Accept": BROWSER})
    assert page.status_code == 403 and b"MCM_SPARQL_SERVICE_ALLOWLIST" in page.data


def test_principles_come_in_order(client: FlaskClient) -> None:
    ex = next(e for e in examples() if e.slug == "principles-in-order")
    rows = client.get("/sparql", query_string={"query": ex.text}).json["results"]["bindings"]
    assert [int(r["position"]["value"]) for r in rows] == list(range(1, 11))


def test_counts_per_sector_add_up_to_the_signatories(client: FlaskClient) -> None:
    ex = next(e for e in examples() if e.slug == "signatories-per-sector")
    rows = client.get("/sparql", query_string={"query": ex.text}).json["results"]["bindings"]
    total = client.get("/sparql", query_string={"query": (
        "PREFIX mcm: <https://w3id.org/cybercrime-manifesto/def#> "
        "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s mcm:signed ?d }")}).json
    assert sum(int(r["signatories"]["value"]) for r in rows) == int(
        total["results"]["bindings"][0]["n"]["value"])


# --- limits ---

def test_rows_past_the_limit_are_cut_and_said_so(limited: Flask) -> None:
    client = limited.test_client()
    response = client.get("/sparql", query_string={"query": ALL}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["SPARQL-Results-Truncated"] == "true"
    assert response.headers["SPARQL-Results-Limit"] == "5"
    assert len(list(csv.reader(io.StringIO(response.data.decode())))) == 1 + 5
    page = client.get("/sparql", query_string={"query": ALL}, headers={"Accept": BROWSER})
    assert b'id="truncated"' in page.data and b"cut at 5 rows" in page.data
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                       headers={"Accept": "application/n-triples"})
    assert graph.headers["SPARQL-Results-Truncated"] == "true"
    assert len(graph.data.strip().splitlines()) == 5


def test_a_result_within_the_limit_is_not_marked(limited: Flask) -> None:
    response = limited.test_client().get("/sparql", query_string={"query": ALL + " LIMIT 5"})
    assert "SPARQL-Results-Truncated" not in response.headers
    assert len(response.json["results"]["bindings"]) == 5


def test_query_length_and_body_size_limits(limited: Flask) -> None:
    client = limited.test_client()
    long_query = "SELECT * WHERE { ?s ?p ?o }" + " " * 300
    response = client.get("/sparql", query_string={"query": long_query})
    assert response.status_code == 413 and "300" in response.json["detail"]
    response = client.post("/sparql", data=long_query + " " * 200,
                           content_type="application/sparql-query")
    assert response.status_code == 413 and "400" in response.json["detail"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# --- cache ---

def test_a_repeated_query_comes_from_the_cache(client: FlaskClient) -> None:
    query = f"SELECT ?s WHERE {{ ?s a ?type }} LIMIT 3 # {uuid.uuid4()}"
    first = client.get("/sparql", query_string={"query": query})
    second = client.get("/sparql", query_string={"query": query})
    third = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert first.headers["Server-Timing"].startswith("engine;dur=")
    assert second.headers["Server-Timing"] == third.headers["Server-Timing"] == 'cache;desc="hit"'
    assert first.data == second.data == third.data
    xml = client.get("/sparql", query_string={"query": query},
                     headers={"Accept": "application/sparql-results+xml"})
    assert xml.mimetype == "application/sparql-results+xml"  # another format, another entry


def test_a_repeated_get_is_answered_with_etag_304_and_gzip(client: FlaskClient) -> None:
    query = f"SELECT ?s ?label WHERE {{ ?s rdfs:label ?label }} LIMIT 20 # {uuid.uuid4()}"
    first = client.get("/sparql", query_string={"query": query})
    again = client.get("/sparql", query_string={"query": query})
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    for response in (first, again):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["SPARQL-Results-Limit"] == "10000"
        assert "SPARQL-Results-Truncated" in response.headers["Access-Control-Expose-Headers"]
    assert again.headers["Server-Timing"] == 'cache;desc="hit"'
    unchanged = client.get("/sparql", query_string={"query": query},
                           headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["Access-Control-Allow-Origin"] == "*"
    zipped = client.get("/sparql", query_string={"query": query},
                        headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == first.data


# --- the HTML page ---

def test_the_page_shows_results_with_links_and_downloads(client: FlaskClient) -> None:
    ex = next(e for e in examples() if e.slug == "organisations-with-wikidata")
    page = client.get("/sparql", query_string={"query": ex.text}, headers={"Accept": BROWSER})
    assert page.status_code == 200
    html = page.data.decode()
    assert 'href="http://localhost/id/org/' in html  # our IRIs link to this server
    assert 'href="http://www.wikidata.org/entity/Q' in html
    downloads = html[html.index('class="downloads"'):]
    downloads = downloads[:downloads.index("</p>")]
    for label in ("SPARQL JSON", "SPARQL XML", "CSV", "TSV"):
        assert f">{label}</a>" in downloads
    assert "format=csv" in downloads and "Turtle" not in downloads


def test_a_graph_result_on_the_page(client: FlaskClient) -> None:
    query = ("DESCRIBE <https://w3id.org/cybercrime-manifesto/id/org/microsoft>")
    page = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    html = page.data.decode()
    assert page.status_code == 200 and "<th>subject</th>" in html and "Turtle</a>" in html
    assert "owl:sameAs" in html or "http://www.w3.org/2002/07/owl#sameAs" in html


def test_format_parameter_overrides_accept(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": ALL + " LIMIT 1", "format": "tsv"},
                          headers={"Accept": BROWSER})
    assert response.mimetype == "text/tab-separated-values"
    assert response.data.startswith(b"?s\t?p\t?o\n")


def test_a_syntax_error_on_the_page_keeps_the_query(client: FlaskClient) -> None:
    page = client.get("/sparql", query_string={"query": "SELECT ?broken WHERE {"},
                      headers={"Accept": BROWSER})
    assert page.status_code == 400
    assert b"SELECT ?broken WHERE {" in page.data and b'role="alert"' in page.data


# --- bad input: a clear 4xx, never a 500 ---

BAD = [
    ("GET", "query=%ff%fe", None, b""),
    ("GET", "query=%", None, b""),
    ("GET", "query=", None, b""),
    ("GET", "query=%00%01", None, b""),
    ("GET", "query=SELECT%20*%20%7B%7D&format=nonsense", None, b""),
    ("GET", "query=SELECT%20*%20%7B%7D&format=junk&format=tsv", None, b""),
    ("GET", "query=SELECT%20*%20%7B%7D&default-graph-uri=not%20an%20iri", None, b""),
    ("GET", "query=SELECT%20*%20%7B%7D&named-graph-uri=", None, b""),
    ("GET", "query=CONSTRUCT%20%7B%7D%20%7B%7D&format=csv", None, b""),
    ("GET", "query=" + "%7B" * 5000, None, b""),
    ("GET", "query=SELECT%20(1%2F0%20AS%20%3Fx)%20%7B%7D", None, b""),
    ("GET", "query=DESCRIBE%20*", None, b""),
    ("POST", "", "application/x-www-form-urlencoded", b"query=%ff"),
    ("POST", "", "application/x-www-form-urlencoded", b"nothing=here"),
    ("POST", "", "application/x-www-form-urlencoded", b"\xff\xfe"),
    ("POST", "", "application/sparql-query", b"\xff\xfeA\x00S\x00K\x00"),
    ("POST", "", "application/sparql-query", b""),
    ("POST", "", "application/sparql-query; charset=latin-1", b"ASK {}"),
    ("POST", "query=ASK%7B%7D", "application/sparql-query", b"ASK {}"),
    ("POST", "", "multipart/form-data; boundary=x", b"--x--"),
    ("POST", "", "application/json", b'{"query": "ASK {}"}'),
    ("DELETE", "", None, b""),
    ("PATCH", "", "application/sparql-update", b"CLEAR ALL"),
]


@pytest.mark.parametrize(("method", "qs", "content_type", "body"), BAD)
@pytest.mark.parametrize("accept", [None, BROWSER])
def test_bad_input_never_gives_a_500(client: FlaskClient, method: str, qs: str,
                                     content_type: str | None, body: bytes,
                                     accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    if content_type:
        headers["Content-Type"] = content_type
    response = client.open("/sparql?" + qs, method=method, data=body, headers=headers)
    assert response.status_code < 500, response.data
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if response.status_code >= 400 and response.mimetype == "application/problem+json":
        assert json.loads(response.data)["detail"]


def test_the_readme_lists_every_example() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## SPARQL endpoint"):]
    for path in sorted((Path(__file__).resolve().parent.parent / "server/queries").glob("*.rq")):
        title = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
        assert f"| {title} | `server/queries/{path.name}` |" in section
