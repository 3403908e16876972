"""Reading and writing RDF files: precise syntax errors, re-basing, the canonical Turtle form."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from .errors import RDFSyntaxError
from .namespaces import FILE_BASE

_FORMATS = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".rdf": "xml",
            ".jsonld": "json-ld"}
_OX_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
               ".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG,
               ".rdf": ox.RdfFormat.RDF_XML}


def parse_file(path: Path | str) -> Graph:
    """Parse one RDF file into a new graph.

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
    graph = Graph()
    try:
        graph.parse(data=data, format=fmt)
    except Exception as exc:  # rdflib raises many unrelated types for bad input
        raise _locate(path, data, exc) from None
    return graph


def _locate(path: Path, data: bytes, rdflib_error: Exception) -> RDFSyntaxError:
    """Re-parse with Oxigraph, whose errors carry line and column, to say where it broke."""
    ox_format = _OX_FORMATS.get(path.suffix)
    if ox_format is not None:
        try:
            for _ in ox.parse(data, format=ox_format, base_iri=FILE_BASE):
                pass
        except SyntaxError as exc:
            message = str(exc).split(" (", 1)[0] if exc.lineno else str(exc)
            return RDFSyntaxError(str(path), exc.lineno, None, message)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            return RDFSyntaxError(str(path), line, None, f"invalid UTF-8: {exc.reason}")
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
