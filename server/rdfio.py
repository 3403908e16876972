"""Reading and writing RDF files: precise syntax errors, re-basing, the canonical Turtle form."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import RDFSyntaxError
from .namespaces import FILE_BASE

_FORMATS = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".rdf": "xml",
            ".jsonld": "json-ld"}
_OX_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
               ".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG,
               ".rdf": ox.RdfFormat.RDF_XML}


def parse_file(path: Path | str, into: Graph | None = None) -> Graph:
    """Parse one RDF file into a new graph (or into `into`, which is returned).

    Raises RDFSyntaxError naming the file, line and column on any syntax error, so that a
    broken edit is reported where it is, never as a traceback.
    """
    path = Path(path)
    fmt = _FORMATS.get(path.suffix)
    if fmt is None:
        raise RDFSyntaxError(str(path), None, None, f"unknown RDF file type {path.suffix!r}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RDFSyntaxError(str(path), None, None, exc.strerror or str(exc)) from exc
    graph = Graph() if into is None else into
    ox_format = _OX_FORMATS.get(path.suffix)
    if ox_format is None:
        try:
            graph.parse(data=data, format=fmt)
        except Exception as exc:  # rdflib raises many unrelated types for bad input
            raise _locate(path, data, exc) from None
        return graph
    # Oxigraph's parser is about ten times faster than rdflib's (start-up time grows with
    # the data) and its errors carry the line.
    add = graph.add
    try:
        parser = ox.parse(data, format=ox_format, base_iri=FILE_BASE)
        for quad in parser:
            add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        for prefix, namespace in parser.prefixes.items():
            graph.bind(prefix, namespace, override=True, replace=True)
    except SyntaxError as exc:
        message = str(exc).split(" (", 1)[0] if exc.lineno else str(exc)
        raise RDFSyntaxError(str(path), exc.lineno, None, message) from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RDFSyntaxError(str(path), line, None, f"invalid UTF-8: {exc.reason}") from None
    return graph


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: object) -> Node:
    """Convert a pyoxigraph term to the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)  # rdflib keeps plain and xsd:string literals apart
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"cannot convert {term!r}")


def _locate(path: Path, data: bytes, rdflib_error: Exception) -> RDFSyntaxError:
    """The file and, where rdflib says it, the line of an rdflib parse error."""
    lines: int | None = getattr(rdflib_error, "lines", None)
    return RDFSyntaxError(str(path), None if lines is None else lines + 1, None,
                          str(rdflib_error).strip() or type(rdflib_error).__name__)


def rebase(graph: Graph, old: str, new: str) -> Graph:
    """Return the graph with every IRI under `old` moved under `new` (identity if equal)."""
    if old == new:
        return graph

    def move(term: Node) -> Node:
        if isinstance(term, URIRef) and term.startswith(old):
            return URIRef(new + term[len(old):])
        return term

    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, move(URIRef(ns)), replace=True)
    for s, p, o in graph:
        out.add((move(s), move(p), move(o)))
    return out


def canonical_turtle(graph: Graph) -> str:
    """The one Turtle form committed files are kept in (rdflib's deterministic longturtle)."""
    return graph.serialize(format="longturtle")


def format_file(path: Path | str, *, check: bool = False) -> bool:
    """Rewrite a Turtle file in canonical form; with check=True only report.

    Returns True when the file was already canonical.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    canonical = canonical_turtle(parse_file(path))
    if text == canonical:
        return True
    if not check:
        path.write_text(canonical, encoding="utf-8")
    return False
