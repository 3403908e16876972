"""/sparql served for real (granian on loopback) and queried with SPARQLWrapper; the timeout
that really stops a runaway query while others are answered; SERVICE through the allow-list.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import CSV, JSON, JSONLD, POST, TURTLE, XML, SPARQLWrapper

from server import create_app
from server.errors import QueryTimeout
from server.sparql_examples import examples
from server.sparql_pool import WorkerPool

from .servers import oxigraph_server, publisher

pytestmark = pytest.mark.slow

TIMEOUT = 2.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MCM = "https://w3id.org/cybercrime-manifesto/"
SECTOR_WITH_WIKIDATA = f"""PREFIX mcm: <{MCM}def#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?signatory ?name ?item WHERE {{
  ?signatory mcm:signed <{MCM}id/manifesto> ;
             mcm:sector <{MCM}id/sector/private-sector> ;
             skos:prefLabel ?name .
  OPTIONAL {{ ?signatory owl:sameAs ?item }}
}} ORDER BY ?name"""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """The publisher as `make serve` runs it, with a short query timeout."""
    with publisher(env={"MCM_SPARQL_TIMEOUT": str(TIMEOUT)}) as base:
        yield base + "/sparql"


def wrapper(endpoint: str, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def get(url: str, accept: str = "application/sparql-results+json"
        ) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_signatories_of_one_sector_with_wikidata_items(endpoint: str) -> None:
    result = wrapper(endpoint, SECTOR_WITH_WIKIDATA, JSON).query().convert()
    rows = result["results"]["bindings"]  # type: ignore[index]
    assert len(rows) > 10
    items = {r["item"]["value"] for r in rows if "item" in r}
    assert f"{MCM}id/org/microsoft" in {r["signatory"]["value"] for r in rows}
    assert "http://www.wikidata.org/entity/Q2283" in items  # Microsoft


def test_xml_and_csv_results(endpoint: str) -> None:
    document = wrapper(endpoint, SECTOR_WITH_WIKIDATA, XML).query().convert()
    xml_rows = document.getElementsByTagName("result")  # type: ignore[union-attr]
    text = wrapper(endpoint, SECTOR_WITH_WIKIDATA, CSV).query().convert()
    csv_rows = text.decode().strip().splitlines()  # type: ignore[union-attr]
    assert csv_rows[0] == "signatory,name,item"
    assert len(csv_rows) - 1 == len(xml_rows) > 10


CONSTRUCT = f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX mcm: <{MCM}def#>
CONSTRUCT {{ ?s skos:prefLabel ?name ; mcm:sector ?sector }}
WHERE {{ ?s mcm:signed ?m ; skos:prefLabel ?name ; mcm:sector ?sector }}"""


def test_construct_as_turtle(endpoint: str) -> None:
    body = wrapper(endpoint, CONSTRUCT, TURTLE).query().convert()
    graph = Graph().parse(data=body, format="turtle")  # type: ignore[arg-type]
    assert len(set(graph.subjects())) == 69


# SPARQLWrapper reads JSON-LD with rdflib, whose JSON-LD parser uses the deprecated
# ConjunctiveGraph internally: not ours to fix.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_construct_as_json_ld(endpoint: str) -> None:
    graph = wrapper(endpoint, CONSTRUCT, JSONLD).query().convert()
    assert isinstance(graph, Graph)
    assert len(set(graph.subjects())) == 69
    assert (URIRef(f"{MCM}id/org/microsoft"), None, None) in graph


def test_an_update_is_refused_and_nothing_changes(endpoint: str) -> None:
    check = f"ASK {{ <{MCM}id/org/microsoft> ?p ?o }} # {uuid.uuid4()}"
    update = wrapper(endpoint, f"DELETE WHERE {{ <{MCM}id/org/microsoft> ?p ?o }}", JSON)
    update.setMethod(POST)
    with pytest.raises(urllib.error.HTTPError) as refused:
        update.query()
    assert refused.value.code == 403
    assert b"read-only" in refused.value.read()
    assert wrapper(endpoint, check, JSON).query().convert()["boolean"] is True  # type: ignore[index]


def test_a_runaway_query_is_stopped_while_a_simple_one_is_answered(endpoint: str) -> None:
    slow: dict[str, object] = {}

    def run_runaway() -> None:
        started = time.monotonic()
        status, headers, body = get(endpoint + "?" + urllib.parse.urlencode(
            {"query": f"{RUNAWAY} # {uuid.uuid4()}"}))
        slow.update(status=status, headers=headers, body=body,
                    seconds=time.monotonic() - started)

    thread = threading.Thread(target=run_runaway)
    thread.start()
    time.sleep(0.3)  # the runaway query is now burning a worker
    started = time.monotonic()
    simple = f"SELECT ?s WHERE {{ ?s a ?type }} LIMIT 2 # not cached: {uuid.uuid4()}"
    status, headers, body = get(endpoint + "?" + urllib.parse.urlencode({"query": simple}))
    simple_seconds = time.monotonic() - started
    answered_while_running = "status" not in slow
    thread.join(TIMEOUT + 10)

    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 2
    assert headers["Server-Timing"].startswith("engine")  # run by a worker, not the cache
    assert answered_while_running and simple_seconds < 1.0
    assert slow["status"] == 503
    assert "stopped" in json.loads(slow["body"])["detail"]  # type: ignore[arg-type]
    assert slow["headers"]["Access-Control-Allow-Origin"] == "*"  # type: ignore[index]
    assert slow["headers"]["Retry-After"].isdigit()  # type: ignore[index]
    assert TIMEOUT - 0.5 < slow["seconds"] < TIMEOUT + 2.0  # type: ignore[operator]
    # The endpoint goes on answering.
    status, _, _ = get(endpoint + "?" + urllib.parse.urlencode(
        {"query": f"ASK {{}} # {uuid.uuid4()}"}))
    assert status == 200


def test_the_pool_kills_the_runaway_worker_and_serves_on(data) -> None:  # type: ignore[no-untyped-def]
    from server.store import EmbeddedStore

    store = EmbeddedStore(data, workers=2)
    pool: WorkerPool = store.pool
    try:
        pool.start()
        assert len(pool.workers) == 1  # one is kept; more start on demand
        runaway_pid = pool.workers[0].process.pid
        job = {"bindings_format": "json", "graph_format": "turtle", "max_rows": 10}
        fast: dict[str, float] = {}

        def run_simple() -> None:
            time.sleep(0.2)  # the runaway query holds the kept worker by now
            started = time.monotonic()
            reply = pool.run({**job, "query": "SELECT * { ?s ?p ?o } LIMIT 1"}, 5.0)
            fast["seconds"] = time.monotonic() - started
            fast["rows"] = reply["rows"]

        thread = threading.Thread(target=run_simple)
        thread.start()
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            pool.run({**job, "query": RUNAWAY}, 1.5)
        elapsed = time.monotonic() - started
        thread.join(5)
        assert 1.4 < elapsed < 2.5
        assert fast["rows"] == 1 and fast["seconds"] < 1.0  # a second worker, started for it
        assert pool.killed == 1
        assert not Path(f"/proc/{runaway_pid}").exists()  # killed, and reaped
        assert [w.process.pid for w in pool.workers] != [runaway_pid]
        assert pool.run({**job, "query": "ASK {}"}, 5.0)["ok"]
    finally:
        store.close()
    assert pool.workers == []


def test_idle_extra_workers_are_retired(data) -> None:  # type: ignore[no-untyped-def]
    from server.store import EmbeddedStore

    store = EmbeddedStore(data, workers=2)
    pool: WorkerPool = store.pool
    try:
        pool.RETIRE_AFTER = 0.0
        job = {"bindings_format": "json", "graph_format": "turtle", "max_rows": 10}
        busy = threading.Thread(target=pool.run, args=(
            {**job, "query": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f }"}, 30.0))
        pool.start()
        busy.start()
        time.sleep(0.2)
        pool.run({**job, "query": "ASK {}"}, 10.0)  # finds the kept worker busy: a second starts
        busy.join(30)
        pids = [w.process.pid for w in pool.workers]
        assert len(pids) == 2
        pool.run({**job, "query": "ASK {}"}, 10.0)  # the idle extra worker is retired first
        assert len(pool.workers) == 1
        assert sum(Path(f"/proc/{pid}").exists() for pid in pids) == 1
    finally:
        store.close()


def test_service_goes_through_the_allow_list(tmp_path: Path) -> None:
    """The federated example, with Wikidata played by a local Oxigraph server."""
    facts = tmp_path / "wikidata.nt"
    facts.write_text(
        "<http://www.wikidata.org/entity/Q2283> <http://www.wikidata.org/prop/direct/P17> "
        "<http://www.wikidata.org/entity/Q30> .\n"
        "<http://www.wikidata.org/entity/Q30> <http://www.w3.org/2000/01/rdf-schema#label> "
        "\"United States of America\"@en .\n", encoding="utf-8")
    federated = next(e for e in examples() if e.federated)
    with oxigraph_server({"": facts}) as remote:
        remote_endpoint = remote + "/query"
        query = federated.text.replace("https://query.wikidata.org/sparql", remote_endpoint)
        app = create_app({"TESTING": True, "SPARQL_WORKERS": 1,
                          "SPARQL_SERVICE_ALLOWLIST": (remote_endpoint,)})
        try:
            client = app.test_client()
            response = client.get("/sparql", query_string={"query": query})
            assert response.status_code == 200, response.data
            rows = response.json["results"]["bindings"]
            assert [(r["name"]["value"], r["countryName"]["value"]) for r in rows] == [
                ("Microsoft", "United States of America")]
            description = client.get("/sparql", headers={"Accept": "text/turtle"}).data
            assert b"sd:BasicFederatedQuery" in description
            other = federated.text  # the real Wikidata is not on the list
            assert client.get("/sparql", query_string={"query": other}).status_code == 403
        finally:
            app.extensions["mcm"].store.close()


def test_a_query_past_the_memory_limit_is_stopped_too() -> None:
    app = create_app({"TESTING": True, "SPARQL_WORKERS": 1, "SPARQL_WORKER_MEMORY_MB": 300,
                      "SPARQL_TIMEOUT": 20})
    try:
        client = app.test_client()
        started = time.monotonic()
        response = client.get("/sparql", query_string={"query": RUNAWAY.replace(
            "SELECT (COUNT(*) AS ?n)", "SELECT *") + " ORDER BY ?a ?d ?g"})
        assert response.status_code == 503 and "memory" in response.json["detail"]
        assert time.monotonic() - started < 10  # long before the 20 s timeout
        assert client.get("/sparql", query_string={"query": "ASK {}"}).json["boolean"] is True
    finally:
        app.extensions["mcm"].store.close()
