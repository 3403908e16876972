"""Query results: run through the cache, and read back into a table for the HTML page."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from .sparql_cache import ResultCache
from .store import QueryRequest, QueryResult, Store

XSD = "http://www.w3.org/2001/XMLSchema#"


def cache_key(request: QueryRequest) -> tuple[object, ...]:
    """What makes two requests the same query (the timeout does not change a result)."""
    return (request.query, request.bindings_format, request.graph_format,
            request.default_graphs, request.named_graphs, request.max_rows)


def run(store: Store, cache: ResultCache, request: QueryRequest) -> tuple[QueryResult, bool]:
    """The result of a query, from the cache when the same query was answered before.

    Returns (result, came_from_cache). Errors (BadRequest, QueryTimeout, ...) are not cached.
    """
    key = cache_key(request)
    cached = cache.get(store.version, key)
    if cached is not None:
        return cached, True
    result = store.query(request)
    cache.put(store.version, key, result)
    return result, False


@dataclass(frozen=True)
class Cell:
    """One value as the page shows it: text, an optional link, and a note (language, type)."""

    kind: str  # "uri", "literal", "bnode", "triple", "" (unbound)
    text: str = ""
    href: str | None = None
    title: str | None = None
    note: str = ""


@dataclass
class Table:
    """A result as the page shows it."""

    kind: str  # "bindings", "boolean", "graph"
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    boolean: bool | None = None
    total: int = 0  # rows in the result (the table may show fewer)


def compact(iri: str, prefixes: Mapping[str, str]) -> str:
    """prefix:local for an IRI under a known namespace (the longest one), else the IRI.

    For display only: a local part may hold "/" (id:org/microsoft), which a query would
    have to escape.
    """
    best, best_ns = "", ""
    for prefix, ns in prefixes.items():
        local = iri[len(ns):]
        if (iri.startswith(ns) and len(ns) > len(best_ns) and local
                and all(c.isalnum() or c in "-_/" for c in local)):
            best, best_ns = prefix, ns
    return f"{best}:{iri[len(best_ns):]}" if best_ns else iri


def cell(term: Mapping[str, Any] | None, prefixes: Mapping[str, str],
         link: Callable[[str], str]) -> Cell:
    """A SPARQL JSON term as a Cell."""
    if term is None:
        return Cell("")
    kind, value = term["type"], term["value"]
    if kind == "uri":
        short = compact(value, prefixes)
        # Only web IRIs become links: a result can hold any IRI, javascript: included.
        href = link(value) if value.startswith(("http://", "https://")) else None
        return Cell("uri", short, href, value if short != value else None)
    if kind == "literal" or kind == "typed-literal":
        if "xml:lang" in term:
            return Cell("literal", value, note="@" + term["xml:lang"])
        datatype = term.get("datatype")
        return Cell("literal", value, note=("" if datatype is None
                                            else compact(datatype, prefixes)))
    if kind == "bnode":
        return Cell("bnode", "_:" + value)
    parts = [cell(value[k], prefixes, link).text for k in ("subject", "predicate", "object")]
    return Cell("triple", "<< " + " ".join(parts) + " >>")


def _json_of(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _json_of(term.subject),
                                        "predicate": _json_of(term.predicate),
                                        "object": _json_of(term.object)}}


def table(result: QueryResult, prefixes: Mapping[str, str], link: Callable[[str], str],
          max_rows: int) -> Table:
    """Read a result served as SPARQL JSON (SELECT, ASK) or N-Triples (graphs) into a Table."""
    if result.kind == "graph":
        triples = ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES)
        out = Table("graph", ["subject", "predicate", "object"], total=result.rows)
        for triple in triples:
            if len(out.rows) >= max_rows:
                break
            out.rows.append([cell(_json_of(t), prefixes, link)
                             for t in (triple.subject, triple.predicate, triple.object)])
        return out
    doc = json.loads(result.body)
    if "boolean" in doc:
        return Table("boolean", boolean=bool(doc["boolean"]), total=1)
    columns = list(doc["head"]["vars"])
    bindings = doc["results"]["bindings"]
    rows = [[cell(binding.get(name), prefixes, link) for name in columns]
            for binding in bindings[:max_rows]]
    return Table("bindings", columns, rows, total=len(bindings))
