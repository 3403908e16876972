"""The link tool against real servers on loopback: Oxigraph loaded with a Wikidata-shaped
fixture, and a tiny HTTP server that answers 429/503 before it answers properly."""

from __future__ import annotations

import csv
import json
import socket
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS

from server.cli import main
from server.linking import snapshot as snap
from server.linking.client import Client, EndpointRefused, EndpointUnreachable, retry_after

from .servers import free_port, oxigraph_server

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "wikidata.ttl"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
EMPTY_RESULTS = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": []}}).encode()
FAST = ["--delay", "0", "--retries", "1", "--backoff", "0.05", "--timeout", "10"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """Oxigraph serving the fixture as its default graph: the stand-in for Wikidata."""
    with oxigraph_server({"": FIXTURE}) as base:
        yield base + "/query"


@pytest.fixture(scope="module")
def data_files() -> dict[Path, bytes]:
    """The committed link files, to check that no run writes into them."""
    folder = ROOT / "data" / "wikidata"
    return {p: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _unchanged(files: dict[Path, bytes]) -> None:
    now = {p: p.read_bytes() for p in sorted((ROOT / "data" / "wikidata").iterdir())
           if p.is_file()}
    assert now == files, "the link tool wrote into data/wikidata"


@pytest.fixture(scope="module")
def verified(endpoint: str, tmp_path_factory: pytest.TempPathFactory,
             data_files: dict[Path, bytes]) -> tuple[int, dict, Graph, str]:
    """Run `link verify` once over a snapshot that recorded GitHub's label as 'GitHub'."""
    tmp = tmp_path_factory.mktemp("verify")
    snapshot, facts = tmp / "snapshot.json", tmp / "facts.ttl"
    assert main(["link", "snapshot", "--snapshot", str(snapshot), "--facts", str(facts)]) == 0
    body = json.loads(snapshot.read_text())
    for link in body["links"]:
        if link["wikidata"] == "Q364":
            link["facts"] = {"label": "GitHub", "description": None, "aliases": [],
                             "instance_of": [{"id": "Q4830453", "label": "business"}],
                             "website": [], "country": []}
    snapshot.write_text(json.dumps(body))
    code = main(["link", "verify", "--endpoint", endpoint, "--snapshot", str(snapshot),
                 "--facts", str(facts), *FAST])
    after = {link["wikidata"]: link for link in json.loads(snapshot.read_text())["links"]}
    graph = Graph().parse(facts)
    _unchanged(data_files)
    return code, after, graph, endpoint


def test_verify_ok_link_records_the_facts(verified: tuple[int, dict, Graph, str]) -> None:
    _, links, graph, _ = verified
    microsoft = links["Q2283"]
    assert microsoft["status"] == "ok", microsoft
    assert microsoft["facts"]["label"] == "Microsoft"
    assert microsoft["facts"]["website"] == ["https://microsoft.example/"]
    assert microsoft["facts"]["country"] == [{"id": "Q900000901", "label": "Fixture Country"}]
    item = URIRef(WD + "Q2283")
    assert (item, URIRef(WDT + "P17"), URIRef(WD + "Q900000901")) in graph
    assert (item, URIRef(WDT + "P856"), URIRef("https://microsoft.example/")) in graph
    assert (URIRef(WD + "Q900000901"), RDFS.label, Literal("Fixture Country", lang="en")) in graph


@pytest.mark.parametrize(("qid", "status", "says"), [
    ("Q364", "changed", "label: 'GitHub' -> 'GitHub, Inc.'"),
    ("Q727883", "mismatch", "label mismatch"),
    ("Q7122995", "redirect", "redirects to wd:Q900000002"),
    ("Q53238", "missing", "not found"),
    ("Q757307", "mismatch", "human (Q5)"),
    ("Q552581", "ok", ""),  # a "mul" label only
    ("Q92743", "ok", ""),  # "Vint Cerf" is our alternative label
])
def test_verify_flags_each_case(verified: tuple[int, dict, Graph, str], qid: str, status: str,
                                says: str) -> None:
    _, links, _, _ = verified
    link = links[qid]
    assert link["status"] == status, link
    assert says in " ".join(link["problems"] + link["changes"])


def test_verify_reports_and_never_fixes(verified: tuple[int, dict, Graph, str]) -> None:
    code, links, graph, endpoint = verified
    assert code == 1  # problems were found
    # the data still links NetApp to the mismatching item: reported, not removed
    assert links["Q727883"]["subject"].endswith("/id/org/netapp")
    for qid in ("Q7122995", "Q53238"):  # no facts published for redirected or missing items
        assert not list(graph.triples((URIRef(WD + qid), None, None)))
    assert not list(graph.triples((None, OWL.sameAs, None)))
    assert (snap.FACTS_GRAPH, DCTERMS.source, URIRef(endpoint)) in graph


def test_propose_filters_by_type_and_gives_evidence(endpoint: str, tmp_path: Path,
                                                    data_files: dict[Path, bytes]) -> None:
    out = tmp_path / "proposals.csv"
    assert main(["link", "propose", "--endpoint", endpoint, "--out", str(out), *FAST]) == 0
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by = {(r["subject"].rsplit("/id/", 1)[1], r["wikidata"]): r for r in rows}
    # same label, wrong type: rejected, with the reason
    assert by[("org/dragos", "Q900000101")]["decision"] == "rejected"
    assert "wrong type" in by[("org/dragos", "Q900000101")]["reason"]
    # found by alias, right type, website as evidence
    company = by[("org/dragos", "Q900000102")]
    assert company["decision"] == "review"
    assert "https://dragos.example/" in company["evidence"]
    assert "alias" in company["found_by"]
    # the parent is our verified University of Oklahoma
    centre = by[("org/cyber-governance-and-policy-center", "Q900000301")]
    assert "wd:Q640652" in centre["evidence"]
    # of two namesakes, the one affiliated with our verified FGV ranks first
    belli = [r["wikidata"] for r in rows if r["subject"].endswith("/person/luca-belli")]
    assert belli == ["Q900000401", "Q900000402"]
    katie = by[("person/katie-moussouris", "Q900000201")]
    assert "Luta Security" in katie["evidence"]
    # only unlinked signatories are searched: nothing for linked Microsoft
    assert not [r for r in rows if r["subject"].endswith("/org/microsoft")]
    _unchanged(data_files)


# --- the client's manners, against real HTTP servers on loopback ----------------------------

class _Scripted(BaseHTTPRequestHandler):
    """Answers the statuses in server.script in turn, then SPARQL JSON; records each request."""

    def _answer(self) -> None:
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        server.seen.append((time.monotonic(), dict(self.headers)))  # type: ignore[attr-defined]
        script = server.script  # type: ignore[attr-defined]
        if script:
            status, retry = script.pop(0)
            self.send_response(status)
            if retry is not None:
                self.send_header("Retry-After", retry)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(EMPTY_RESULTS)))
        self.end_headers()
        self.wfile.write(EMPTY_RESULTS)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture()
def scripted() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    server.script, server.seen = [], []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/sparql"


def test_429_retry_after_is_honoured(scripted: ThreadingHTTPServer) -> None:
    scripted.script += [(429, "1")]  # type: ignore[attr-defined]
    client = Client(endpoint=_url(scripted), contact="mailto:test@example.org",
                    min_interval=0, retries=2, backoff=0.01, log=lambda _: None)
    assert client.select("SELECT * WHERE { ?s ?p ?o }") == []
    (first, headers), (second, _) = scripted.seen  # type: ignore[attr-defined]
    assert second - first >= 0.95  # waited what Retry-After said, not the 0.01 s back-off
    agent = headers["User-Agent"]
    assert agent.startswith("cybercrime-manifesto-linker/") and "mailto:test@example.org" in agent


def test_503_with_http_date_then_backoff(scripted: ThreadingHTTPServer) -> None:
    scripted.script += [(503, formatdate(time.time() + 1, usegmt=True)),  # type: ignore[attr-defined]
                        (503, None)]
    client = Client(endpoint=_url(scripted), min_interval=0, retries=3, backoff=0.2,
                    log=lambda _: None)
    assert client.select("SELECT * WHERE { ?s ?p ?o }") == []
    times = [t for t, _ in scripted.seen]  # type: ignore[attr-defined]
    assert len(times) == 3
    assert times[2] - times[1] >= 0.19  # no Retry-After: the back-off


def test_gives_up_after_the_retries(scripted: ThreadingHTTPServer) -> None:
    scripted.script += [(429, "0")] * 5  # type: ignore[attr-defined]
    client = Client(endpoint=_url(scripted), min_interval=0, retries=2, log=lambda _: None)
    with pytest.raises(EndpointUnreachable, match="after 2 retries"):
        client.select("SELECT * WHERE { ?s ?p ?o }")
    assert len(scripted.seen) == 3  # type: ignore[attr-defined]


def test_a_retry_after_too_long_is_not_waited_for(scripted: ThreadingHTTPServer) -> None:
    scripted.script += [(429, "3600")]  # type: ignore[attr-defined]
    client = Client(endpoint=_url(scripted), min_interval=0, retries=2, max_wait=60,
                    log=lambda _: None)
    started = time.monotonic()
    with pytest.raises(EndpointUnreachable, match="asks to wait 3600 s"):
        client.select("SELECT * WHERE { ?s ?p ?o }")
    assert time.monotonic() - started < 5


def test_rate_limit_spaces_requests(endpoint: str) -> None:
    client = Client(endpoint=endpoint, min_interval=0.3, log=lambda _: None)
    started = time.monotonic()
    for _ in range(3):
        client.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert time.monotonic() - started >= 0.6
    assert client.requests == 3


def test_a_bad_query_is_refused_not_retried(endpoint: str) -> None:
    client = Client(endpoint=endpoint, min_interval=0, retries=3, log=lambda _: None)
    with pytest.raises(EndpointRefused):
        client.select("SELECT nonsense")
    assert client.requests == 1


def test_unreachable_endpoint_is_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()  # nothing listens there
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    started = time.monotonic()
    code = main(["link", "verify", "--endpoint", f"http://127.0.0.1:{port}/sparql",
                 "--dry-run", *FAST])
    assert code == 2
    assert "cannot reach" in capsys.readouterr().err
    assert time.monotonic() - started < 10


def test_query_timeout(scripted: ThreadingHTTPServer) -> None:
    """A server that accepts but never answers: the timeout ends the wait, then retries end."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        client = Client(endpoint=f"http://127.0.0.1:{silent.getsockname()[1]}/sparql",
                        min_interval=0, timeout=1, retries=1, backoff=0.01, log=lambda _: None)
        started = time.monotonic()
        with pytest.raises(EndpointUnreachable, match="after 1 retries"):
            client.select("SELECT * WHERE { ?s ?p ?o }")
        assert 1.9 <= time.monotonic() - started < 6
    finally:
        silent.close()


@pytest.mark.parametrize(("header", "expected"), [
    ("120", 120.0), (" 5 ", 5.0), (None, None), ("soon", None), ("", None),
])
def test_retry_after_parsing(header: str | None, expected: float | None) -> None:
    assert retry_after(header) == expected


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    assert retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0
