"""The benchmark's correctness checks (not its load) against our server and Oxigraph, and the
pure parts of the harness: wrk's report, the verdicts, the table."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SKOS

from bench import discover
from bench.checks import Expected, Outcome, Response, fetch, judge
from bench.load import Sample, parse_wrk, summarise
from bench.peers import Running
from bench.reference import Reference
from bench.report import NGINX, OURS, OXI_MEM, RDFLIB, Measured, ServerFacts, table
from bench.scale import growth
from bench.workloads import BY_KEY, JSON_RESULTS, WORKLOADS, sparql_get

from .servers import ROOT, oxigraph_server


@pytest.fixture(scope="module")
def expected() -> Expected:
    return Expected(Reference(ROOT))


@pytest.fixture(scope="module")
def oxigraph(expected: Expected, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Oxigraph server loaded with the same quads the benchmark gives it."""
    nquads = expected.reference.dump_nquads(tmp_path_factory.mktemp("bench") / "all.nq")
    with oxigraph_server(data={"": nquads}) as base:
        yield base


def _running(kind: str, base: str) -> Running:
    return Running(kind, kind, base, pid=0, cold_start=0.0)


@pytest.mark.slow
def test_oxigraph_answers_every_workload_right(oxigraph: str, expected: Expected) -> None:
    routes = discover.routes(_running("oxigraph", oxigraph), expected)
    assert {key: str(outcome) for key, (_, outcome) in routes.items()
            if not outcome.ok} == {}
    assert set(routes) == {w.key for w in WORKLOADS}


@pytest.mark.slow
def test_our_server_answers_right_or_lacks_the_route(live_server: str,
                                                     expected: Expected) -> None:
    """A route our server has must answer right; one it lacks is reported, not a crash."""
    routes = discover.routes(_running("ours", live_server), expected)
    wrong = {key: str(o) for key, (_, o) in routes.items() if o.status not in ("ok", "missing")}
    assert wrong == {}


@pytest.mark.slow
def test_a_wrong_answer_is_caught(oxigraph: str, expected: Expected) -> None:
    w1 = BY_KEY["W1"]
    resp = fetch(sparql_get(oxigraph + "/query", w1.query(), JSON_RESULTS))
    assert judge(w1, resp, expected).ok
    cut = resp.body.replace(b'"bindings":[{', b'"bindings":[{"extra":{"type":"literal",'
                            b'"value":"x"}},{', 1)
    assert judge(w1, Response(200, JSON_RESULTS, cut), expected).status == "wrong"
    w4 = BY_KEY["W4t"]
    doc = fetch(sparql_get(oxigraph + "/query", w4.query(), w4.accept))
    assert judge(w4, doc, expected).ok
    graph = Graph().parse(data=doc.body, format="turtle")
    graph.remove((None, SKOS.prefLabel, None))
    lacking = graph.serialize(format="turtle").encode()
    outcome = judge(w4, Response(200, w4.accept, lacking), expected)
    assert outcome.status == "wrong" and "expected triples absent" in outcome.detail
    assert judge(w4, Response(404, "text/html", b""), expected).status == "missing"
    assert judge(w4, Response(200, "text/html", doc.body), expected).status == "wrong"


WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8000/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.00us  300.00us   9.00ms   90.00%
  Latency Distribution
     50%  750.00us
     75%    1.00ms
     90%    1.20ms
     99%    2.50ms
  9000 requests in 2.00s, 10.00MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:   4500.00
Transfer/sec:      5.00MB
"""


def test_wrk_report_is_read() -> None:
    sample = parse_wrk(WRK_OUTPUT)
    assert sample == Sample(rps=4500.0, p50=0.75, p99=2.5, requests=9000, errors=6)
    assert math.isnan(parse_wrk("Requests/sec: 1.0").p99)


def test_table_gives_ratios_and_verdicts() -> None:
    def m(rps: float, p99: float = 1.0) -> Measured:
        return Measured(Outcome("ok"), summary=summarise([Sample(rps, 0.5, p99, 100, 0)]))

    results = {
        ("W1", OURS): m(3000), ("W1", OXI_MEM): m(7500), ("W1", RDFLIB): m(50),
        ("W4t", OURS): Measured(Outcome("missing", "route missing (404)")),
        ("W4t", OXI_MEM): m(10000), ("W4t", NGINX): m(40000),
        ("W5", OURS): m(500, p99=30), ("W5", NGINX): m(2000),
    }
    servers = [ServerFacts(OURS, 1.2, 180), ServerFacts(OXI_MEM, 0.1, 30),
               ServerFacts(RDFLIB, 1.0, 70), ServerFacts(NGINX, 0.01, 10)]
    text = table(results, servers)
    rows = {tuple(c.strip() for c in line.split("|")[1:3]): line for line in text.splitlines()}
    assert "0.40x" in rows[("W1 sector+Wikidata", OXI_MEM)]
    assert "NOT MET" in rows[("W1 sector+Wikidata", OXI_MEM)]
    assert "60.00x" in rows[("W1 sector+Wikidata", RDFLIB)]
    assert "| met" in rows[("W1 sector+Wikidata", RDFLIB)]
    assert "route missing [1]" in rows[("W4 doc Turtle", OURS)]
    assert "not met" in rows[("W4 doc Turtle", NGINX)]
    assert "0.25x" in rows[("W5 Turtle dump", NGINX)]
    assert "| met" in rows[("cold start", OURS)] and "| met" in rows[("RSS (tree, peak)", OURS)]
    assert "[1] W4 doc Turtle on ours (granian): missing: route missing (404)" in text


@pytest.mark.slow
def test_static_site_is_built_from_our_answers(tmp_path: Path, oxigraph: str) -> None:
    """Until the export exists, nginx serves our answers saved under their own paths."""
    w4 = BY_KEY["W4t"]
    request = sparql_get(oxigraph + "/query", w4.query(), w4.accept)
    paths = discover.build_site({"W4t": (request, Outcome("ok")),
                                 "W1": (request, Outcome("ok"))}, tmp_path)
    assert paths == {"W4t": "/query.ttl"}
    assert (tmp_path / "query.ttl").read_bytes() == fetch(request).body


def test_growth_between_scales_is_ratio_and_exponent() -> None:
    assert growth([1.0, 10.0, 400.0], [1_000, 10_000, 100_000]) == [
        "x10.0 (n^1.00)", "x40.0 (n^1.60)"]
    assert growth([2.0, None], [1_000, 10_000]) == [""]
