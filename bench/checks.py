"""Correctness before load: every server's answer to every workload, against the reference.

A publisher answer is compared modulo its rewrite of the canonical base to the request
origin (MCM_REWRITE_TO_ORIGIN=1, the default), so that the server runs as the README serves it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from .reference import Reference, Triple, plain
from .workloads import BY_KEY, JSONLD, TURTLE, Request, Workload, canonical

_RDF_FORMATS = {TURTLE: "turtle", JSONLD: "json-ld", "application/n-triples": "nt",
                "application/rdf+xml": "xml"}


@dataclass(frozen=True)
class Outcome:
    """The verdict on one answer: ok, missing (the route does not exist), or wrong."""

    status: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def __str__(self) -> str:
        return f"{self.status}: {self.detail}" if self.detail else self.status


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    location: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # report 3xx as they are: a 303 to a document is part of what we check


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(request: Request, timeout: float = 30.0) -> Response:
    """GET the request once; HTTP errors are answers too. Raises OSError when nothing answers."""
    req = urllib.request.Request(request.url, headers=request.headers)
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return Response(resp.status, resp.headers.get("Content-Type", ""), resp.read(),
                            resp.headers.get("Location", ""))
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.headers.get("Content-Type", ""), exc.read(),
                        exc.headers.get("Location", ""))


class Expected:
    """The reference answers for one data root, computed once and lazily."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference

    @cached_property
    def rows(self) -> dict[str, list[tuple[str, ...]]]:
        return {k: self.reference.rows(BY_KEY[k]) for k in ("W1", "W3")}

    @cached_property
    def entity(self) -> set[Triple]:
        return self.reference.entity_triples()

    @cached_property
    def data(self) -> set[Triple]:
        return self.reference.data_triples()


def check(workload: Workload, request: Request, expected: Expected,
          parse_as: str | None = None) -> Outcome:
    """Fetch the request and judge the answer against the reference."""
    try:
        resp = fetch(request)
    except OSError as exc:
        return Outcome("wrong", f"no answer ({exc})")
    return judge(workload, resp, expected, parse_as)


def judge(workload: Workload, resp: Response, expected: Expected,
          parse_as: str | None = None) -> Outcome:
    """Judge one response (status, media type, content) for a workload.

    parse_as: for a peer known to mislabel its answers, the format to read the body in
    whatever its Content-Type says (the mislabelling is then reported in the detail).
    """
    if resp.status == 404:
        return Outcome("missing", "route missing (404)")
    if resp.status != 200:
        return Outcome("wrong", f"HTTP {resp.status}")
    media = resp.content_type.split(";")[0].strip().lower()
    if workload.kind == "select":
        return _judge_rows(workload, resp.body, expected.rows[workload.key])
    label = ""
    if parse_as and media != parse_as:
        label, media = f" (labelled {media})", parse_as
    elif media != workload.accept:
        return Outcome("wrong", f"media type {media!r}, asked for {workload.accept}")
    try:
        triples = parse_triples(resp.body, media)
    except Exception as exc:  # any parser failure is a wrong answer, reported with its text
        return Outcome("wrong", f"does not parse as {media}: {str(exc)[:120]}")
    want = expected.data if workload.kind == "dump" else expected.entity
    lacking = want - triples
    if not want:
        return Outcome("wrong", "the reference is empty: wrong data root?")
    if lacking:
        example = " ".join(t.n3() for t in next(iter(lacking)))
        return Outcome("wrong", f"{len(lacking)} of {len(want)} expected triples absent, "
                                f"e.g. {example}")
    return Outcome("ok", f"{len(triples)} triples{label}")


def _judge_rows(workload: Workload, body: bytes, want: list[tuple[str, ...]]) -> Outcome:
    try:
        results = json.loads(body)
        names = results["head"]["vars"]
        rows = [tuple(canonical(b[n]["value"]) if n in b else "" for n in names)
                for b in results["results"]["bindings"]]
    except (ValueError, KeyError, TypeError) as exc:
        return Outcome("wrong", f"not SPARQL JSON results ({exc})")
    if not want:
        return Outcome("wrong", "the reference is empty: wrong data root?")
    if rows != want:
        return Outcome("wrong", f"{len(rows)} rows, expected {len(want)}; first differing: "
                                f"{_first_difference(rows, want)}")
    return Outcome("ok", f"{len(rows)} rows")


def _first_difference(got: list[tuple[str, ...]], want: list[tuple[str, ...]]) -> str:
    for a, b in zip(got, want, strict=False):
        if a != b:
            return f"{a} != {b}"
    return "(one list is a prefix of the other)"


def parse_triples(body: bytes, media: str) -> set[Triple]:
    """Parse an RDF answer into canonical triples (loopback origins mapped to the base)."""
    graph = Graph()
    with warnings.catch_warnings():
        # rdflib 7's JSON-LD parser calls its own deprecated ConjunctiveGraph API; under
        # pytest -W error that warning would turn a right answer into a "wrong" one.
        warnings.simplefilter("ignore", DeprecationWarning)
        graph.parse(data=body, format=_RDF_FORMATS[media])
    return {(_norm(s), _norm(p), _norm(o)) for s, p, o in graph}


def _norm(term: object) -> object:
    if isinstance(term, URIRef):
        return URIRef(canonical(str(term)))
    if isinstance(term, Literal):
        return plain(term)
    return term


def save(resp: Response, path: Path) -> None:
    """Write a response body to a file (to serve it statically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(resp.body)
