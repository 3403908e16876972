"""The SPARQL 1.1 Protocol and Service Description conformance tests (w3c/rdf-tests,
sparql/sparql11/protocol and service-description), adapted to our data, with the Flask client.

The W3C suite's graphs data1..data3 become our named graphs: graph/data (holds the manifesto),
graph/vocabulary (holds the ontology) and graph/shapes (holds the SHACL shapes). Its update
tests become "refused, and nothing changed".
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from pyshacl import validate
from rdflib import Graph, URIRef

from server.namespaces import FILE_BASE, SD

DATA, VOCAB, SHAPES = (f"{FILE_BASE}graph/{name}" for name in ("data", "vocabulary", "shapes"))
PREFIXES = f"""PREFIX mcm: <{FILE_BASE}def#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
"""
IN_DATA = f"<{FILE_BASE}id/manifesto> a mcm:Manifesto"
IN_VOCAB = f"<{FILE_BASE}def> a owl:Ontology"
IN_SHAPES = "?shape a sh:NodeShape"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
TABULAR = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values"}
BOOLEAN = {"application/sparql-results+json", "application/sparql-results+xml"}
RDF = {"text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"}


@dataclass
class Case:
    """One protocol request and what the answer must be."""

    name: str
    method: str
    params: list[tuple[str, str]] = field(default_factory=list)  # URL query string
    content_type: str | None = None
    body: bytes = b""
    status: int | str = 200  # an exact status, or "4xx"
    media: set[str] | None = None  # the allowed Content-Types of the answer
    boolean: bool | None = None  # the expected ASK answer


def ask(*patterns: str, dataset: str = "") -> str:
    return PREFIXES + f"ASK {dataset}{{ " + " . ".join(patterns) + " }"


def named(graph_var: str, pattern: str) -> str:
    return f"GRAPH {graph_var} {{ {pattern} }}"


CASES = [
    Case("query_post_form", "POST", [("default-graph-uri", DATA)], FORM,
         b"query=ASK%20%7B%7D", media=BOOLEAN, boolean=True),
    Case("query_dataset_default_graphs_get", "GET",
         [("query", ask(IN_DATA, IN_VOCAB)), ("default-graph-uri", DATA),
          ("default-graph-uri", VOCAB)], media=BOOLEAN, boolean=True),
    Case("query_dataset_default_graphs_get (one graph only: false)", "GET",
         [("query", ask(IN_DATA, IN_VOCAB)), ("default-graph-uri", DATA)],
         media=BOOLEAN, boolean=False),
    Case("query_dataset_default_graphs_post", "POST",
         [("default-graph-uri", DATA), ("default-graph-uri", VOCAB)], DIRECT,
         ask(IN_DATA, IN_VOCAB).encode(), media=BOOLEAN, boolean=True),
    Case("query_dataset_named_graphs_post", "POST",
         [("named-graph-uri", DATA), ("named-graph-uri", VOCAB)], DIRECT,
         ask(named("?g1", IN_DATA), named("?g2", IN_VOCAB)).encode(), media=BOOLEAN,
         boolean=True),
    Case("query_dataset_named_graphs_get", "GET",
         [("query", ask(named("?g1", IN_DATA), named("?g2", IN_VOCAB))),
          ("named-graph-uri", DATA), ("named-graph-uri", VOCAB)], media=BOOLEAN, boolean=True),
    Case("query_dataset_named_graphs_get (default graph then empty)", "GET",
         [("query", "ASK { ?s ?p ?o }"), ("named-graph-uri", DATA)], media=BOOLEAN,
         boolean=False),
    Case("query_dataset_full", "POST",
         [("default-graph-uri", SHAPES), ("named-graph-uri", DATA), ("named-graph-uri", VOCAB)],
         DIRECT, ask(IN_SHAPES, named("?g1", IN_DATA), named("?g2", IN_VOCAB)).encode(),
         media=BOOLEAN, boolean=True),
    Case("query_multiple_dataset (the protocol's dataset wins over FROM)", "POST",
         [("default-graph-uri", DATA)], DIRECT,
         ask(IN_DATA, dataset=f"FROM <{SHAPES}> ").encode(), media=BOOLEAN, boolean=True),
    Case("query_multiple_dataset (FROM alone applies)", "POST", [], DIRECT,
         ask(IN_DATA, dataset=f"FROM <{SHAPES}> ").encode(), media=BOOLEAN, boolean=False),
    Case("default graph is the union of the named graphs", "GET",
         [("query", ask(IN_DATA, IN_VOCAB, IN_SHAPES))], media=BOOLEAN, boolean=True),
    Case("query_get", "GET", [("query", "ASK {}"), ("default-graph-uri", DATA)],
         media=BOOLEAN, boolean=True),
    Case("query_content_type_select", "POST", [("default-graph-uri", DATA)], DIRECT,
         b"SELECT (1 AS ?value) {}", media=TABULAR),
    Case("query_content_type_ask", "POST", [("default-graph-uri", DATA)], DIRECT, b"ASK {}",
         media=BOOLEAN, boolean=True),
    Case("query_content_type_describe", "POST", [("default-graph-uri", DATA)], DIRECT,
         b"DESCRIBE <http://example.org/>", media=RDF),
    Case("query_content_type_construct", "POST", [("default-graph-uri", DATA)], DIRECT,
         b"CONSTRUCT { <s> <p> 1 } WHERE {}", media=RDF),
    Case("query_post_direct", "POST", [], DIRECT, b"ASK {}", media=BOOLEAN, boolean=True),
    Case("bad_query_method", "PUT", [("query", "ASK {}"), ("default-graph-uri", DATA)], FORM,
         status=405),
    Case("bad_multiple_queries", "GET", [("query", "ASK {}"), ("query", "SELECT * {}")],
         status=400),
    Case("bad_query_wrong_media_type", "POST", [], "text/plain", b"ASK {}", status=415),
    Case("bad_query_missing_form_type", "POST", [], None, b"query=ASK%20%7B%7D", status=415),
    Case("bad_query_missing_direct_type", "POST", [], None, b"ASK {}", status=415),
    Case("bad_query_non_utf8", "POST", [], DIRECT + "; charset=UTF-16",
         "ASK {}".encode("utf-16"), status=415),
    Case("bad_query_non_utf8 (undeclared)", "POST", [], DIRECT, "ASK {}".encode("utf-16"),
         status=400),
    Case("bad_query_syntax", "GET", [("query", "ASK {")], status=400),
    # The update tests: every one refused (403), whichever way it is sent.
    Case("update_dataset_default_graph", "POST", [("using-graph-uri", DATA)], UPDATE,
         b"CLEAR ALL ; INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> "
         b"a <http://example.org/C> } }", status=403),
    Case("update_dataset_default_graphs", "POST",
         [("using-graph-uri", DATA), ("using-graph-uri", VOCAB)], UPDATE,
         b"INSERT { GRAPH <http://example.org/g> { ?s a <http://example.org/C> } } "
         b"WHERE { ?s a ?t }", status=403),
    Case("update_dataset_named_graphs", "POST", [("using-named-graph-uri", DATA)], UPDATE,
         b"INSERT { GRAPH <http://example.org/g> { ?s a <http://example.org/C> } } "
         b"WHERE { GRAPH ?g { ?s a ?t } }", status=403),
    Case("update_dataset_full", "POST",
         [("using-graph-uri", DATA), ("using-named-graph-uri", VOCAB)], UPDATE,
         b"DELETE WHERE { ?s ?p ?o }", status=403),
    Case("update_post_form", "POST", [], FORM, b"update=CLEAR+ALL", status=403),
    Case("update_post_direct", "POST", [], UPDATE, b"CLEAR ALL", status=403),
    Case("update_base_uri", "POST", [], UPDATE,
         b"INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> "
         b"<http://example.org/p> <test> } }", status=403),
    Case("update as a query parameter (GET)", "GET",
         [("query", "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }")],
         status=403),
    Case("update as a query (POST direct)", "POST", [], DIRECT,
         b"PREFIX ex: <http://example.org/>\nDROP ALL", status=403),
    Case("update as a query (POST form)", "POST", [], FORM,
         b"query=LOAD+%3Chttp%3A%2F%2Fexample.org%2Fdata.ttl%3E", status=403),
    Case("bad_update_get", "GET", [("update", "CLEAR ALL")], status=403),
    Case("bad_multiple_updates", "POST", [], FORM,
         b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", status=403),
    Case("bad_update_wrong_media_type", "POST", [], "text/plain", b"CLEAR NAMED", status=415),
    Case("bad_update_missing_form_type", "POST", [], None, b"update=CLEAR%20NAMED",
         status=415),
    Case("bad_update_non_utf8", "POST", [], UPDATE + "; charset=UTF-16",
         "CLEAR NAMED".encode("utf-16"), status="4xx"),
    Case("bad_update_syntax", "POST", [], FORM, b"update=CLEAR%20XYZ", status=403),
    Case("bad_update_dataset_conflict", "POST", [("using-named-graph-uri", "http://example/p")],
         UPDATE, b"WITH <http://example/addresses> DELETE { ?p ?x 'Bill' } WHERE { ?p ?x 'Bill' }",
         status=403),
]


def send(client: FlaskClient, case: Case, accept: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Accept": accept} if accept else {}
    if case.content_type:
        headers["Content-Type"] = case.content_type
    return client.open("/sparql", method=case.method, query_string=urlencode(case.params),
                       data=case.body, headers=headers)


def fingerprint(client: FlaskClient) -> tuple[str, ...]:
    """The number of triples in each graph and in the default graph (never from the cache)."""
    query = ("SELECT ?g (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION "
             "{ ?s ?p ?o BIND(\"default\" AS ?g) } } GROUP BY ?g ORDER BY ?g")
    response = client.get("/sparql", query_string={"query": f"{query} # {uuid.uuid4()}"})
    rows = response.json["results"]["bindings"]
    return tuple(f"{r['g']['value']}={r['n']['value']}" for r in rows)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_w3c_protocol(client: FlaskClient, case: Case) -> None:
    before = fingerprint(client) if case.status == 403 else None
    response = send(client, case)
    if case.status == "4xx":
        assert 400 <= response.status_code < 500, response.data
    else:
        assert response.status_code == case.status, response.data
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if response.status_code >= 400:
        problem = json.loads(response.data)
        assert problem["status"] == response.status_code and problem["detail"]
    if response.status_code == 405:
        assert "GET" in response.headers["Allow"] and "PUT" not in response.headers["Allow"]
    if case.media is not None:
        assert response.mimetype in case.media
    if case.boolean is not None:
        assert json.loads(response.data)["boolean"] is case.boolean
    if before is not None:
        assert "read-only" in response.json["detail"]
        assert fingerprint(client) == before  # refused, and nothing changed


def test_syntax_error_gives_the_parsers_message(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "syntax error" in response.json["detail"] and "1:" in response.json["detail"]


# --- Service description (service-description/manifest) ---

SD_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/shapes#> .
ex:Service a sh:NodeShape ; sh:targetClass sd:Service ;
  sh:property [ sh:path sd:endpoint ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:supportedLanguage ; sh:minCount 1 ;
                sh:in ( sd:SPARQL10Query sd:SPARQL11Query sd:SPARQL11Update ) ] ;
  sh:property [ sh:path sd:resultFormat ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:feature ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:defaultDataset ; sh:maxCount 1 ; sh:class sd:Dataset ] .
ex:Dataset a sh:NodeShape ; sh:targetClass sd:Dataset ;
  sh:property [ sh:path sd:defaultGraph ; sh:maxCount 1 ; sh:class sd:Graph ] ;
  sh:property [ sh:path sd:namedGraph ; sh:class sd:NamedGraph ] .
ex:NamedGraph a sh:NodeShape ; sh:targetClass sd:NamedGraph ;
  sh:property [ sh:path sd:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:graph ; sh:maxCount 1 ; sh:class sd:Graph ] .
ex:Graph a sh:NodeShape ; sh:targetClass sd:Graph ;
  sh:property [ sh:path void:triples ; sh:maxCount 1 ; sh:datatype xsd:integer ] .
"""

RDF_ACCEPTS = [None, "*/*", "text/turtle", "application/rdf+xml", "application/n-triples",
               "application/ld+json", "text/html;q=0.5, text/turtle"]


def rdf(body: bytes, media_type: str) -> Graph:
    """Parse any RDF format (with pyoxigraph: rdflib's JSON-LD parser warns) into rdflib."""
    triples = ox.parse(body, format=ox.RdfFormat.from_media_type(media_type))
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


@pytest.mark.parametrize("accept", RDF_ACCEPTS)
def test_service_description_returns_rdf(client: FlaskClient, accept: str | None) -> None:
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype in RDF
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    graph = rdf(response.data, response.mimetype)
    endpoint = URIRef("http://localhost/sparql")
    assert (endpoint, SD.endpoint, endpoint) in graph  # has-endpoint-triple
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph


def test_service_description_conforms_to_schema(client: FlaskClient, data) -> None:  # type: ignore[no-untyped-def]
    graph = Graph().parse(data=client.get("/sparql").data, format="turtle")
    conforms, _, text = validate(graph, shacl_graph=Graph().parse(data=SD_SHAPES,
                                                                  format="turtle"))
    assert conforms, text
    # The named graphs, and their sizes, are the dataset's.
    names = {str(o) for o in graph.objects(None, SD.name)}
    assert names == {str(data.graph_iri(name)) for name in data.graphs}
    assert (None, SD.feature, SD.UnionDefaultGraph) in graph
    assert (None, SD.feature, SD.BasicFederatedQuery) not in graph  # SERVICE is refused


def test_service_description_links_every_example(client: FlaskClient) -> None:
    from server.sparql_examples import examples

    graph = Graph().parse(data=client.get("/sparql").data, format="turtle")
    linked = {str(o) for o in graph.objects(URIRef("http://localhost/sparql"),
                                            URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"))}
    assert linked == {f"http://localhost/sparql/examples/{e.slug}" for e in examples()}
    for url in linked:
        response = client.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200
        assert response.mimetype == "application/sparql-query"
        assert b"SELECT" in response.data


def test_browsers_get_the_query_page(client: FlaskClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert b'<textarea id="query"' in response.data
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_service_description_nobody_accepts_is_406(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight(client: FlaskClient) -> None:
    response = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()

