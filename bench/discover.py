"""Which request answers each workload on each server, found by asking, and checked.

Our publisher is still growing, so its routes are discovered (SPARQL at /sparql, entity
documents by per-format URL or by content negotiation, the Turtle dump from the VoID
description); a route that is not there gives a "missing" outcome, never an exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, VOID

from .checks import Expected, Outcome, check, fetch, save
from .peers import Running
from .workloads import BASE, ENTITY, TURTLE, WORKLOADS, Request, Workload, sparql_get

Route = tuple[Request | None, Outcome]

# Where a Turtle dump may be when the VoID description does not say (or is not there).
DUMP_CANDIDATES = ("/dump.ttl", "/dumps/dataset.ttl", "/download/dataset.ttl", "/data.ttl",
                   "/dataset.ttl", "/dumps/cybercrime-manifesto.ttl")
_NOT_MEASURED = Outcome("n/a", "not measured for this server")


def routes(target: Running, expected: Expected,
           keys: Iterable[str] | None = None) -> dict[str, Route]:
    """For each workload (or those keys): the checked request for this server, or why not."""
    finder = {"ours": _ours, "oxigraph": _oxigraph, "rdflib": _rdflib}.get(target.kind)
    if finder is None:
        raise ValueError(f"no route finder for {target.kind}; nginx routes come from its site")
    wanted = set(keys) if keys is not None else {w.key for w in WORKLOADS}
    return {w.key: finder(target.base, w, expected) for w in WORKLOADS if w.key in wanted}


def _first_ok(workload: Workload, requests: Iterable[Request], expected: Expected) -> Route:
    """The first request whose answer is right; else the most telling failure."""
    failure: Route = (None, Outcome("missing", "route missing"))
    for request in requests:
        outcome = check(workload, request, expected)
        if outcome.ok:
            return request, outcome
        if failure[1].status != "wrong":  # the first wrong answer is the one to report
            failure = (None if outcome.status == "missing" else request, outcome)
    return failure


def _ours(base: str, workload: Workload, expected: Expected) -> Route:
    if workload.kind in ("select", "describe"):
        # Canonical IRIs first; the request origin's if the endpoint only knows those.
        return _first_ok(workload, (sparql_get(base + "/sparql", workload.query(b), workload.accept)
                                    for b in (BASE, base + "/")), expected)
    if workload.kind == "document":
        return _first_ok(workload, _document_candidates(base, workload), expected)
    return _first_ok(workload, (Request(base + p, {"Accept": TURTLE})
                                for p in _dump_paths(base)), expected)


def _document_candidates(base: str, workload: Workload) -> Iterable[Request]:
    """The per-format URL first (what a static server can serve too), then negotiation."""
    accept = {"Accept": workload.accept}
    entity = f"{base}/{ENTITY}"
    yield Request(entity + workload.suffix, accept)
    try:
        resp = fetch(Request(entity, accept))
    except OSError:
        return
    if resp.status in (301, 302, 303, 307, 308) and resp.location:
        document = resp.location if "://" in resp.location else base + resp.location
        document = document.replace(BASE, base + "/", 1)
        if not document.endswith(workload.suffix):
            yield Request(document + workload.suffix, accept)
        yield Request(document, accept)
    yield Request(entity, accept)


def _dump_paths(base: str) -> list[str]:
    """Turtle dumps named by the VoID description (void:dataDump, dcat:downloadURL), then
    the usual places."""
    found: list[str] = []
    try:
        resp = fetch(Request(base + "/.well-known/void", {"Accept": TURTLE}))
        if resp.status in (301, 302, 303, 307, 308) and resp.location:
            location = resp.location if "://" in resp.location else base + resp.location
            resp = fetch(Request(location, {"Accept": TURTLE}))
        if resp.status == 200 and resp.content_type.startswith(TURTLE):
            graph = Graph().parse(data=resp.body, format="turtle")
            for url in list(graph.objects(None, VOID.dataDump)) + list(
                    graph.objects(None, DCAT.downloadURL)):
                if isinstance(url, URIRef) and str(url).endswith(".ttl"):
                    path = "/" + str(url).split("://", 1)[-1].split("/", 1)[-1]
                    if path not in found:
                        found.append(path)
    except Exception:  # a broken VoID description only means we look in the usual places
        pass
    return found + [p for p in DUMP_CANDIDATES if p not in found]


def _oxigraph(base: str, workload: Workload, expected: Expected) -> Route:
    request = sparql_get(base + "/query", workload.query(), workload.accept)
    return request, check(workload, request, expected)


def _rdflib(base: str, workload: Workload, expected: Expected) -> Route:
    if workload.kind not in ("select", "describe"):
        return None, _NOT_MEASURED  # no target against it; its CONSTRUCTs take seconds
    if workload.kind == "describe":
        # rdflib-endpoint 0.6 answers DESCRIBE in RDF/XML whatever is asked, labelled as
        # SPARQL XML results: read it as RDF/XML so that W2 still has its rdflib row.
        request = sparql_get(base + "/", workload.query(), "application/rdf+xml")
        return request, check(workload, request, expected, parse_as="application/rdf+xml")
    request = sparql_get(base + "/", workload.query(), workload.accept)
    return request, check(workload, request, expected)


def build_site(ours: dict[str, Route], site: Path) -> dict[str, str]:
    """Save our server's W4/W5 answers as files under site (same paths); path per workload.

    Stands in for the static export until `python -m server export` exists.
    """
    paths = {}
    for key, (request, outcome) in ours.items():
        workload = next(w for w in WORKLOADS if w.key == key)
        if workload.kind not in ("document", "dump") or request is None or not outcome.ok:
            continue
        path = request.path.split("?", 1)[0]
        if not path.endswith(workload.suffix):
            path += workload.suffix  # a negotiated URL becomes a file with its format suffix
        save(fetch(request), site / path.lstrip("/"))
        paths[key] = path
    return paths
