"""RDF graphs to bytes in every served format, deterministically (same bytes in every worker).

Determinism matters: ETags are hashes of the bytes and dump checksums are published, so
two worker processes must render identical bytes. rdflib's longturtle is deterministic;
N-Triples and N-Quads are sorted; RDF/XML and TriG are written by Oxigraph from sorted input.
Blank nodes are relabelled canonically before any of this (documents.canonical).
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.serializers.longturtle import LongTurtleSerializer
from rdflib.term import Node

from . import jsonld
from .namespaces import FILE_BASE, PREFIXES
from .negotiation import JSONLD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE, Format


def prefixes(base: str) -> dict[str, str]:
    """The prefixes written into Turtle, TriG and RDF/XML, for the served base."""
    out = {p: ns.replace(FILE_BASE, base) for p, ns in PREFIXES.items()}
    out["shp"] = base + "shapes#"
    out["spdx"] = "http://spdx.org/rdf/terms#"
    return out


def _bound(graph: Graph, base: str) -> Graph:
    out = Graph()
    for prefix, ns in prefixes(base).items():
        out.bind(prefix, ns, override=True, replace=True)
    out += graph
    return out


class _DocumentTurtle(LongTurtleSerializer):
    """longturtle with the document's resource first, then its hash sub-resources."""

    root: str | None = None

    def orderSubjects(self) -> list:  # type: ignore[override,type-arg]
        subjects = super().orderSubjects()
        root = self.root
        if root:
            subjects.sort(key=lambda s: 0 if str(s) == root
                          else 1 if str(s).startswith(root + "#") else 2)
        return subjects


def turtle(graph: Graph, root: str | None = None, base: str = FILE_BASE) -> bytes:
    """Turtle in the repository's canonical style, the document's resource first."""
    serializer = _DocumentTurtle(_bound(graph, base))
    serializer.root = root
    out = BytesIO()
    serializer.serialize(out, encoding="utf-8")
    return out.getvalue()


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The equal pyoxigraph term of an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _sorted_triples(graph: Graph) -> list[ox.Triple]:
    triples = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph]  # type: ignore[arg-type]
    triples.sort(key=str)
    return triples


def serialize(graph: Graph, fmt: Format, root: str | None = None,
              base: str = FILE_BASE) -> bytes:
    """A document graph in one RDF format; root is the resource JSON-LD nests under."""
    if fmt is TURTLE:
        return turtle(graph, root, base)
    if fmt is NTRIPLES:
        lines = {str(t) + " .\n" for t in _sorted_triples(graph)}
        return "".join(sorted(lines)).encode()
    if fmt is RDFXML:
        out = ox.serialize(_sorted_triples(graph), format=ox.RdfFormat.RDF_XML,
                           prefixes=prefixes(base))
        assert out is not None
        return bytes(out)
    if fmt is JSONLD:
        if root is None:
            return jsonld.dump(graph, base)
        return jsonld.document(graph, root, base)
    raise ValueError(f"{fmt.label} is not a triple format")


def serialize_quads(graphs: Iterable[tuple[str, Graph]], fmt: Format,
                    base: str = FILE_BASE) -> bytes:
    """Named graphs in N-Quads or TriG, each triple in its graph."""
    quads = []
    for name, graph in graphs:
        g = ox.NamedNode(name)
        quads += [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g)  # type: ignore[arg-type]
                  for s, p, o in graph]
    quads.sort(key=str)
    if fmt is NQUADS:
        return "".join(sorted({str(q) + " .\n" for q in quads})).encode()
    if fmt is TRIG:
        out = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes(base))
        assert out is not None
        return bytes(out)
    raise ValueError(f"{fmt.label} is not a quad format")
