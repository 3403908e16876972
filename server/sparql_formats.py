"""The result formats the endpoint offers, and content negotiation among them.

One table: each format has a key (also the value of the `format` parameter), the media type
it is served as, the other media types clients use for it, and the kinds of result it can
carry. `choose` picks one from the Accept header (RFC 9110 rules: the most specific matching
range gives a type its quality; equal quality goes to the more specific match, then to the
table's order, so that `*/*` and no Accept header get the first format of the kind).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import BadRequest, NotAcceptable
from .negotiation import MAX_ACCEPT_LENGTH, parse_accept

BINDINGS, BOOLEAN, GRAPH, DESCRIPTION = "bindings", "boolean", "graph", "description"
_TABULAR = frozenset((BINDINGS, BOOLEAN))
_RDF = frozenset((GRAPH, DESCRIPTION))


@dataclass(frozen=True)
class ResultFormat:
    """One way to serialize a result."""

    key: str
    media_type: str
    label: str
    extension: str
    kinds: frozenset[str]
    aliases: tuple[str, ...] = ()
    iri: str | None = None  # the W3C format IRI, for the service description

    @property
    def content_type(self) -> str:
        """The Content-Type header value (text types say UTF-8 explicitly)."""
        if self.media_type.startswith("text/"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    def names(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


_W3C = "http://www.w3.org/ns/formats/"
FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("json", "application/sparql-results+json", "SPARQL JSON", "srj", _TABULAR,
                 ("application/json",), _W3C + "SPARQL_Results_JSON"),
    ResultFormat("xml", "application/sparql-results+xml", "SPARQL XML", "srx", _TABULAR,
                 ("application/xml", "text/xml"), _W3C + "SPARQL_Results_XML"),
    ResultFormat("csv", "text/csv", "CSV", "csv", frozenset((BINDINGS,)), (),
                 _W3C + "SPARQL_Results_CSV"),
    ResultFormat("tsv", "text/tab-separated-values", "TSV", "tsv", frozenset((BINDINGS,)), (),
                 _W3C + "SPARQL_Results_TSV"),
    ResultFormat("turtle", "text/turtle", "Turtle", "ttl", _RDF,
                 ("application/x-turtle", "application/turtle"), _W3C + "Turtle"),
    ResultFormat("ntriples", "application/n-triples", "N-Triples", "nt", _RDF, (),
                 _W3C + "N-Triples"),
    ResultFormat("jsonld", "application/ld+json", "JSON-LD", "jsonld", _RDF,
                 ("application/x-json+ld", "application/json"), _W3C + "JSON-LD"),
    ResultFormat("rdfxml", "application/rdf+xml", "RDF/XML", "rdf", _RDF,
                 ("application/xml", "text/xml"), _W3C + "RDF_XML"),
    ResultFormat("html", "text/html", "HTML", "html",
                 frozenset((BINDINGS, BOOLEAN, GRAPH, DESCRIPTION)), ("application/xhtml+xml",)),
)
BY_KEY = {f.key: f for f in FORMATS}
# Short names people type in a `format` parameter, besides the keys and media types.
_SHORT = {"ttl": "turtle", "nt": "ntriples", "json-ld": "jsonld", "rdf": "rdfxml",
          "srj": "json", "srx": "xml", "sparql-json": "json", "sparql-xml": "xml"}


def offers(kind: str) -> list[ResultFormat]:
    """The formats for a kind of result, in the server's order of preference."""
    return [f for f in FORMATS if kind in f.kinds]


def by_name(name: str, kind: str) -> ResultFormat:
    """The format a `format` parameter names (a key, a short name or a media type).

    Raises BadRequest for a name we do not know, NotAcceptable for one that does not fit
    the kind of result.
    """
    wanted = name.strip().lower()
    wanted = _SHORT.get(wanted, wanted)
    candidates = [f for f in FORMATS if f.key == wanted] or \
        [f for f in FORMATS if wanted in f.names()]
    if not candidates:
        raise BadRequest(f"Unknown format {name!r}; use one of "
                         f"{', '.join(f.key for f in FORMATS)}.")
    for fmt in candidates:
        if kind in fmt.kinds:
            return fmt
    raise NotAcceptable(f"A {_KIND_NAMES[kind]} cannot be given as {candidates[0].label}.",
                        [f.media_type for f in offers(kind)])


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    # The publisher's one Accept parser; only the matching rules below are SPARQL's own.
    return [(r.type, r.subtype, r.q) for r in parse_accept(accept)]


def _quality(fmt: ResultFormat, ranges: list[tuple[str, str, float]]) -> tuple[float, int]:
    """(quality, specificity) of fmt: its most specifically matched name decides, so that
    `application/sparql-results+json;q=0, */*` excludes JSON even though `*/*` matches the
    alias application/json. (0, -1) when nothing matches."""
    best: tuple[int, float] | None = None  # (specificity, quality)
    for name in fmt.names():
        main, _, sub = name.partition("/")
        for r_main, r_sub, q in ranges:
            if r_main == main and r_sub == sub:
                specificity = 2
            elif r_main == main and r_sub == "*":
                specificity = 1
            elif r_main == "*":
                specificity = 0
            else:
                continue
            if best is None or (specificity, q) > best:
                best = (specificity, q)
    if best is None or best[1] <= 0:
        return (0.0, -1)
    return (best[1], best[0])


def choose(kind: str, accept: str | None, format_names: Sequence[str] = ()) -> ResultFormat:
    """The format to answer with; raises NotAcceptable (406) when nothing offered fits.

    format_names (the `format` parameters) win over Accept: the first known name decides.
    """
    if format_names:
        for name in format_names:
            with contextlib.suppress(BadRequest):
                return by_name(name, kind)
        return by_name(format_names[0], kind)  # none is known: say so
    available = offers(kind)
    if accept is not None and len(accept) > MAX_ACCEPT_LENGTH:
        raise BadRequest(f"The Accept header is longer than {MAX_ACCEPT_LENGTH} characters.")
    if not accept or not accept.strip():
        return available[0]
    ranges = _ranges(accept)
    if not ranges:
        return available[0]
    best: ResultFormat | None = None
    best_score = (0.0, -1)
    for fmt in available:
        score = _quality(fmt, ranges)
        if score > best_score:
            best, best_score = fmt, score
    if best is None:
        raise NotAcceptable(
            f"None of the formats for a {_KIND_NAMES[kind]} fits Accept: {accept}. Available: "
            + ", ".join(f.media_type for f in available) + ".",
            [f.media_type for f in available])
    return best


_KIND_NAMES = {BINDINGS: "SELECT result", BOOLEAN: "ASK result",
               GRAPH: "CONSTRUCT or DESCRIBE result", DESCRIPTION: "service description"}
