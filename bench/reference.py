"""The expected answers, computed in this process with pyoxigraph straight from the files.

Independent of every server under test: the same input files, the same named graphs
(`graph/data`, `graph/vocabulary`, `graph/shapes`), the default graph as their union.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from server.dataset import input_files

from .workloads import BASE, ENTITY, Workload

Triple = tuple[Node, Node, Node]


class Reference:
    """The data of one data root, in an in-memory pyoxigraph store, and its right answers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = ox.Store()
        for name, files in input_files(root).items():
            graph = ox.NamedNode(f"{BASE}graph/{name}")
            for path in files:
                self.store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)

    def dump_nquads(self, path: Path) -> Path:
        """Write the whole dataset, named graphs kept, as N-Quads (what the peers load)."""
        self.store.dump(str(path), format=ox.RdfFormat.N_QUADS)
        return path

    def rows(self, workload: Workload) -> list[tuple[str, ...]]:
        """A SELECT's rows as tuples of term values, in the query's variable order."""
        solutions = self.store.query(workload.query(), use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        return [tuple(_value(s[n]) for n in names) for s in solutions]

    def entity_triples(self) -> set[Triple]:
        """What every description of the entity must hold: the triples it is subject of."""
        subject = ox.NamedNode(BASE + ENTITY)
        return _without_blank_nodes(self.store.quads_for_pattern(subject, None, None))

    def data_triples(self) -> set[Triple]:
        """Every triple of graph/data without blank nodes: what the dump must hold."""
        graph = ox.NamedNode(f"{BASE}graph/data")
        return _without_blank_nodes(self.store.quads_for_pattern(None, None, None, graph))


def _without_blank_nodes(quads: object) -> set[Triple]:
    # Blank node labels differ between any two parses, so they cannot be compared by value.
    return {_triple(q) for q in quads  # type: ignore[attr-defined]
            if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}


def _value(term: object) -> str:
    return "" if term is None else str(getattr(term, "value", term))


def _term(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        return plain(Literal(term.value, lang=term.language,
                             datatype=None if term.language else URIRef(term.datatype.value)))
    return term  # type: ignore[return-value]  # blank nodes are filtered by callers


def _triple(quad: ox.Quad) -> Triple:
    return (_term(quad.subject), _term(quad.predicate), _term(quad.object))


def plain(literal: Literal) -> Literal:
    """xsd:string literals as plain ones: rdflib keeps them apart, RDF 1.1 does not."""
    if literal.datatype == XSD.string:
        return Literal(str(literal))
    return literal
