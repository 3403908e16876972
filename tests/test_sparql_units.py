"""The endpoint's parts without HTTP: query inspection, negotiation, serializers, cache."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from server import sparql_check, sparql_formats, sparql_worker
from server.errors import BadRequest, Forbidden, NotAcceptable
from server.sparql_cache import Memo, ResultCache
from server.store import QueryResult

WD = "https://query.wikidata.org/sparql"


# --- what a query is, and what it calls ---

@pytest.mark.parametrize(("text", "form"), [
    ("SELECT * {}", "SELECT"),
    ("select * {}", "SELECT"),
    ("# a comment\nPREFIX ex: <http://example.org/>\nBASE <http://b/>\nASK {}", "ASK"),
    ("PREFIX : <http://example.org/> CONSTRUCT WHERE { ?s :p ?o }", "CONSTRUCT"),
    ("DESCRIBE <http://example.org/>", "DESCRIBE"),
    ("ASK {", "ASK"),
    ("{ ?s ?p ?o }", None),
    ("", None),
])
def test_form(text: str, form: str | None) -> None:
    assert sparql_check.inspect(text).form == form


@pytest.mark.parametrize("text", [
    "INSERT DATA { <http://e/s> <http://e/p> 1 }",
    "delete where { ?s ?p ?o }",
    "PREFIX ex: <http://example.org/>\n# comment\nCLEAR ALL",
    "LOAD <http://example.org/x.ttl>", "DROP GRAPH <http://e/g>", "CREATE GRAPH <http://e/g>",
    "ADD DEFAULT TO <http://e/g>", "MOVE <http://e/a> TO <http://e/b>",
    "COPY <http://e/a> TO <http://e/b>", "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE {}",
])
def test_updates_are_refused(text: str) -> None:
    with pytest.raises(Forbidden, match="read-only"):
        sparql_check.check(text, ())


@pytest.mark.parametrize(("text", "endpoint"), [
    (f"SELECT * {{ SERVICE <{WD}> {{ ?s ?p ?o }} }}", WD),
    (f"SELECT * {{ service silent <{WD}> {{ ?s ?p ?o }} }}", WD),
    ("PREFIX wdq: <https://query.wikidata.org/> SELECT * { SERVICE wdq:sparql { ?s ?p ?o } }",
     WD),
    ("BASE <https://query.wikidata.org/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }", WD),
    (f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE<{WD}>{{?s ?p ?o}} }} }}", WD),
    ("SELECT * { SERVICE ?endpoint { ?s ?p ?o } }", None),
    ("SELECT * { ?a ?b ?c FILTER(?a<?b) SERVICE <http://evil.example/> {} }",
     "http://evil.example/"),
    # `<'x>` reads as an IRI to a tokenizer and as less-than to the grammar: the SERVICE
    # that the tokenizer would take for part of a string is found by the grammar.
    ("SELECT * WHERE { ?s ?p ?o FILTER(?o<'x>' || ?o = 'y') "
     "SERVICE <http://evil.example/> { ?a ?b ?c } FILTER(?a != 'z') }", "http://evil.example/"),
])
def test_service_is_found(text: str, endpoint: str | None) -> None:
    assert sparql_check.inspect(text).services == (endpoint,)
    with pytest.raises(Forbidden, match="MCM_SPARQL_SERVICE_ALLOWLIST"):
        sparql_check.check(text, ())


@pytest.mark.parametrize("text", [
    'SELECT * { ?s ?p "SERVICE <http://evil.example/> {}" }',
    "SELECT * { ?s ?p '''\nSERVICE <http://evil.example/> {}''' }",
    "SELECT * { ?s ?p ?o } # SERVICE <http://evil.example/> {}",
    "PREFIX ex: <http://example.org/> SELECT * { ?s ex:SERVICE ?o }",
    "SELECT * { ?s <http://example.org/#SERVICE> ?o }",
])
def test_service_in_strings_iris_and_comments_is_not_a_call(text: str) -> None:
    assert sparql_check.check(text, ()).services == ()


def test_allow_list() -> None:
    query = f"SELECT * {{ SERVICE <{WD}> {{ ?s ?p ?o }} }}"
    assert sparql_check.check(query, (WD,)).services == (WD,)
    with pytest.raises(Forbidden, match="Allowed endpoints"):
        sparql_check.check(query, ("https://other.example/sparql",))
    with pytest.raises(Forbidden):  # a variable endpoint is never allowed
        sparql_check.check("SELECT * { SERVICE ?e { ?s ?p ?o } }", (WD,))


# --- negotiation: (kind, Accept, format parameter) -> format key, or an error ---

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SPARQLWRAPPER_JSON = ("application/sparql-results+json,application/json,text/javascript,"
                      "application/javascript")


@pytest.mark.parametrize(("kind", "accept", "name", "expected"), [
    ("bindings", None, None, "json"),
    ("bindings", "", None, "json"),
    ("bindings", "*/*", None, "json"),
    ("bindings", "application/sparql-results+json", None, "json"),
    ("bindings", "application/json", None, "json"),
    ("bindings", SPARQLWRAPPER_JSON, None, "json"),
    ("bindings", "application/sparql-results+xml", None, "xml"),
    ("bindings", "application/xml", None, "xml"),
    ("bindings", "text/csv", None, "csv"),
    ("bindings", "text/csv; charset=utf-8", None, "csv"),
    ("bindings", "text/tab-separated-values", None, "tsv"),
    ("bindings", "text/csv, */*", None, "csv"),
    ("bindings", "text/*", None, "xml"),  # text/xml, first in the table
    ("bindings", "application/sparql-results+json;q=0.5, text/csv", None, "csv"),
    ("bindings", "application/sparql-results+json;q=0, */*", None, "xml"),
    ("bindings", BROWSER, None, "html"),
    ("bindings", "text/turtle", None, NotAcceptable),
    ("bindings", "*/*;q=0", None, NotAcceptable),
    ("bindings", ";;,,", None, "json"),
    ("boolean", None, None, "json"),
    ("boolean", "application/sparql-results+xml", None, "xml"),
    ("boolean", "text/csv", None, NotAcceptable),
    ("graph", None, None, "turtle"),
    ("graph", "*/*", None, "turtle"),
    ("graph", "application/turtle,text/turtle", None, "turtle"),
    ("graph", "application/n-triples", None, "ntriples"),
    ("graph", "application/ld+json", None, "jsonld"),
    ("graph", "application/json", None, "jsonld"),
    ("graph", "application/rdf+xml", None, "rdfxml"),
    ("graph", "application/xml", None, "rdfxml"),
    ("graph", BROWSER, None, "html"),
    ("graph", "application/sparql-results+json", None, NotAcceptable),
    ("description", None, None, "turtle"),
    ("description", BROWSER, None, "html"),
    ("bindings", BROWSER, "csv", "csv"),
    ("bindings", None, "text/tab-separated-values", "tsv"),
    ("graph", None, "ttl", "turtle"),
    ("graph", None, "JSON-LD", "jsonld"),
    ("graph", None, "csv", NotAcceptable),
    ("bindings", None, "nonsense", BadRequest),
])
def test_negotiation(kind: str, accept: str | None, name: str | None, expected: object) -> None:
    names = (name,) if name else ()
    if isinstance(expected, str):
        assert sparql_formats.choose(kind, accept, names).key == expected
    else:
        with pytest.raises(expected):  # type: ignore[call-overload]
            sparql_formats.choose(kind, accept, names)


def test_the_first_known_format_parameter_wins() -> None:
    # What SPARQLWrapper sends for JSON-LD: its name, then its media types as one value.
    sent = ("json-ld", "application/ld+json,application/x-json+ld")
    assert sparql_formats.choose("graph", None, sent).key == "jsonld"
    assert sparql_formats.choose("graph", None, ("junk", "ttl")).key == "turtle"


# --- the worker's serializers read back equal to pyoxigraph's own ---

@pytest.fixture(scope="module")
def small_store() -> ox.Store:
    store = ox.Store()
    ex = "http://example.org/"
    quads = [
        (ox.NamedNode(ex + "a"), ox.NamedNode(ex + "p"), ox.Literal('tab\there, "quoted", a\nb')),
        (ox.NamedNode(ex + "a"), ox.NamedNode(ex + "q"), ox.Literal("été", language="fr")),
        (ox.NamedNode(ex + "b"), ox.NamedNode(ex + "p"),
         ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
        (ox.BlankNode("x1"), ox.NamedNode(ex + "p"), ox.NamedNode(ex + "a?x=1&y=2")),
    ]
    for s, p, o in quads:
        store.add(ox.Quad(s, p, o))
    return store


QUERY = "SELECT ?s ?p ?o ?unbound WHERE { ?s ?p ?o } ORDER BY STR(?s) STR(?p)"


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_serializers_round_trip(small_store: ox.Store, fmt: str) -> None:
    reply = sparql_worker.execute(small_store, {"query": QUERY, "bindings_format": fmt,
                                                "graph_format": "turtle", "max_rows": 100},
                                  {}, None)
    assert reply["ok"] and reply["rows"] == 4 and not reply["truncated"]
    results_format = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                      "tsv": ox.QueryResultsFormat.TSV}[fmt]
    ours = ox.parse_query_results(reply["body"], format=results_format)
    theirs = small_store.query(QUERY)
    assert [v.value for v in ours.variables] == ["s", "p", "o", "unbound"]
    assert [list(s) for s in ours] == [list(s) for s in theirs]


def test_csv_follows_the_spec(small_store: ox.Store) -> None:
    reply = sparql_worker.execute(small_store, {"query": QUERY, "bindings_format": "csv",
                                                "graph_format": "turtle", "max_rows": 100},
                                  {}, None)
    expected = small_store.query(QUERY).serialize(format=ox.QueryResultsFormat.CSV)
    assert reply["body"].replace(b"_:x1", b"_:b") == expected.replace(b"_:x1", b"_:b")


@pytest.mark.parametrize(("fmt", "value"), [("json", True), ("xml", False)])
def test_boolean(small_store: ox.Store, fmt: str, value: bool) -> None:
    query = "ASK { ?s ?p 42 }" if value else "ASK { ?s ?p 43 }"
    reply = sparql_worker.execute(small_store, {"query": query, "bindings_format": fmt,
                                                "graph_format": "turtle", "max_rows": 1}, {}, None)
    results_format = ox.QueryResultsFormat.JSON if fmt == "json" else ox.QueryResultsFormat.XML
    assert bool(ox.parse_query_results(reply["body"], format=results_format)) is value


def test_rows_are_cut_at_the_limit(small_store: ox.Store) -> None:
    job = {"query": QUERY, "bindings_format": "json", "graph_format": "ntriples", "max_rows": 3}
    reply = sparql_worker.execute(small_store, job, {}, None)
    assert reply["rows"] == 3 and reply["truncated"]
    assert len(list(ox.parse_query_results(reply["body"], format=ox.QueryResultsFormat.JSON))) == 3
    job["query"] = "CONSTRUCT WHERE { ?s ?p ?o }"
    reply = sparql_worker.execute(small_store, job, {}, None)
    assert reply["kind"] == "graph" and reply["truncated"]
    assert len(list(ox.parse(reply["body"], format=ox.RdfFormat.N_TRIPLES))) == 3


@pytest.mark.parametrize(("query", "error"), [
    ("SELECT * WHERE {", "syntax"),
    ("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "io"),
])
def test_errors_are_replies(small_store: ox.Store, query: str, error: str) -> None:
    reply = sparql_worker.execute(small_store, {"query": query, "bindings_format": "json",
                                                "graph_format": "turtle", "max_rows": 1}, {}, None)
    assert not reply["ok"] and reply["error"] == error and reply["message"]


# --- cache ---

def result(size: int) -> QueryResult:
    return QueryResult("bindings", "json", b"x" * size, 1, False)


def test_cache_is_bounded_and_least_recently_used_goes_first() -> None:
    cache = ResultCache(max_bytes=8 * 1200)  # entries up to 1200 bytes are kept
    for key in range(10):
        cache.put("v1", key, result(900))
    assert cache.size_bytes <= cache.max_bytes
    assert cache.get("v1", 0) is None and cache.get("v1", 9) is not None
    cache.get("v1", 2) or cache.put("v1", 2, result(900))
    cache.put("v1", "new", result(900))
    assert cache.get("v1", 2) is not None  # recently used, kept
    cache.put("v1", "huge", result(5000))  # over an eighth of the budget: not kept
    assert cache.get("v1", "huge") is None


def test_cache_forgets_an_old_data_version() -> None:
    cache = ResultCache(max_bytes=1 << 20)
    cache.put("v1", "q", result(10))
    assert cache.get("v1", "q") is not None
    assert cache.get("v2", "q") is None and len(cache) == 0


def test_memo_is_bounded() -> None:
    memo = Memo(3)
    for key in range(5):
        memo.put(key, key)
    assert memo.get(0) is None and memo.get(4) == 4


def test_a_query_that_only_names_service_in_data_is_not_refused() -> None:
    text = 'SELECT * { ?s ?p "International Service for Human Rights" } # a service'
    assert sparql_check.check(text, ()).services == ()


def test_only_web_iris_become_links_on_the_results_page() -> None:
    from server.sparql_results import cell

    web = cell({"type": "uri", "value": "https://example.org/x"}, {}, lambda iri: iri)
    script = cell({"type": "uri", "value": "javascript:alert(1)"}, {}, lambda iri: iri)
    assert web.href == "https://example.org/x"
    assert script.href is None and script.text == "javascript:alert(1)"


def test_sparql_results_negotiation_shares_the_accept_parser_and_its_limit() -> None:
    from server import sparql_formats
    from server.errors import BadRequest as TooLong

    fmt = sparql_formats.choose(sparql_formats.BINDINGS,
                                'text/csv;q=0.5, application/sparql-results+json;q="0.9"')
    assert fmt.media_type == "application/sparql-results+json"
    with pytest.raises(TooLong, match="longer than"):
        sparql_formats.choose(sparql_formats.BINDINGS, "text/csv, " * 1000)
