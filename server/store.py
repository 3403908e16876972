"""The store behind the publisher: a few operations, an embedded implementation.

Everything the server reads goes through `Store`, so that the embedded pyoxigraph store
and a remote SPARQL 1.1 store are a configuration switch. pyoxigraph answers the typical
queries here in about 0.1 ms where rdflib's own engine takes about 16 ms; rdflib stays
for parsing, serializing and SHACL.

`select`, `ask` and `construct` run the server's own queries in this process. `query` runs
anyone's query for the SPARQL endpoint: with a time limit, a row limit and the protocol's
dataset, returning the result already serialized (a remote store forwards the same request
to its endpoint with the matching Accept header).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from .dataset import Dataset
from .errors import BadRequest, StoreUnavailable
from .namespaces import FILE_BASE, PREFIXES
from .rdfio import to_rdflib
from .sparql_pool import WorkerPool

Row = dict[str, Node]


@dataclass(frozen=True)
class QueryRequest:
    """A read query as the SPARQL protocol gives it, with the endpoint's limits.

    Formats are keys of sparql_formats.FORMATS: `bindings_format` serializes SELECT and ASK
    results ("json", "xml", "csv", "tsv"), `graph_format` CONSTRUCT and DESCRIBE results
    ("turtle", "ntriples", "jsonld", "rdfxml"). default_graphs / named_graphs are the
    protocol's default-graph-uri / named-graph-uri (None: not given).
    """

    query: str
    bindings_format: str = "json"
    graph_format: str = "turtle"
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    timeout: float = 5.0
    max_rows: int = 10_000


@dataclass(frozen=True)
class QueryResult:
    """A serialized query result. kind is "bindings", "boolean" or "graph"."""

    kind: str
    format: str
    body: bytes
    rows: int
    truncated: bool  # more rows (or triples) than max_rows: the body holds the first ones
    engine_ms: float = 0.0
    serialize_ms: float = 0.0


class Store(Protocol):
    """What the server needs from a store. The default graph is the union of named graphs."""

    version: str

    def select(self, query: str) -> list[Row]:
        """Run a SELECT; rows map variable names to rdflib terms (unbound ones absent)."""
        ...

    def ask(self, query: str) -> bool:
        """Run an ASK."""
        ...

    def construct(self, query: str) -> Graph:
        """Run a CONSTRUCT or DESCRIBE into a new rdflib graph."""
        ...

    def query(self, request: QueryRequest) -> QueryResult:
        """Run a read query for the endpoint.

        Raises BadRequest (syntax or evaluation error, with the engine's message),
        QueryTimeout (stopped at request.timeout) or StoreUnavailable.
        """
        ...


def rows_of(solutions: object) -> list[Row]:
    """SELECT solutions from pyoxigraph as rows of rdflib terms (unbound variables absent)."""
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError("select() needs a SELECT query")
    names = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = to_rdflib(term)
        rows.append(row)
    return rows


def query_prefixes(base: str) -> dict[str, str]:
    """The prefixes every endpoint query may use undeclared, under the served base."""
    prefixes = {name: iri.replace(FILE_BASE, base, 1) for name, iri in PREFIXES.items()}
    prefixes["id"] = base + "id/"
    return prefixes


class EmbeddedStore:
    """An in-memory pyoxigraph store loaded from the dataset, one named graph per part.

    The default graph holds the union of the named graphs, written once at load: a set, so
    a triple in two graphs counts once (pyoxigraph's union-default-graph option would
    repeat it). Endpoint queries run in a pool of worker processes over a copy of it.
    """

    def __init__(self, dataset: Dataset, workers: int = 2,
                 worker_memory_mb: int | None = 1024) -> None:
        self.version = dataset.version
        self.base = dataset.base
        self.graph_names = {name: str(dataset.graph_iri(name)) for name in dataset.graphs}
        self.oxigraph = ox.Store()
        for name, graph in dataset.graphs.items():
            for target in (ox.NamedNode(self.graph_names[name]), ox.DefaultGraph()):
                self._load(dataset, name, graph, target)
        self._quads = len(dataset)
        self.prefixes = query_prefixes(self.base)
        self.workers = workers
        self.worker_memory_mb = worker_memory_mb
        self._pool: WorkerPool | None = None

    def _load(self, dataset: Dataset, name: str, graph: Graph, target: ox.NamedNode
              | ox.DefaultGraph) -> None:
        files = dataset.files.get(name)
        if files and dataset.base == FILE_BASE:
            # Straight from the files: serializing the rdflib graph to N-Triples first took
            # a quarter of the start-up time.
            for path in files:
                self.oxigraph.bulk_load(path=path, format=ox.RdfFormat.TURTLE,
                                        base_iri=FILE_BASE, to_graph=target)
        else:  # re-based, or built in memory: the rdflib graph holds the truth
            self.oxigraph.load(graph.serialize(format="nt", encoding="utf-8"),
                               format=ox.RdfFormat.N_TRIPLES, to_graph=target)

    def configure_pool(self, workers: int, worker_memory_mb: int | None) -> None:
        """Set the worker pool's size and memory limit (before the first endpoint query)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        self.workers, self.worker_memory_mb = workers, worker_memory_mb

    @property
    def pool(self) -> WorkerPool:
        """The endpoint's worker processes, started on first use."""
        if self._pool is None:
            init = {"nquads": self.oxigraph.dump(format=ox.RdfFormat.N_QUADS),
                    "prefixes": self.prefixes, "base_iri": self.base,
                    # Not id: in results: its local names need "/" escaped (id:org\/x).
                    "output_prefixes": {k: v for k, v in self.prefixes.items() if k != "id"},
                    "memory_mb": self.worker_memory_mb}
            self._pool = WorkerPool(init, self.workers)
        return self._pool

    def _run(self, query: str) -> object:
        return self.oxigraph.query(query)

    def select(self, query: str) -> list[Row]:
        return rows_of(self._run(query))

    def ask(self, query: str) -> bool:
        result = self._run(query)
        if not isinstance(result, ox.QueryBoolean):
            raise TypeError("ask() needs an ASK query")
        return bool(result)

    def construct(self, query: str) -> Graph:
        triples = self._run(query)
        if not isinstance(triples, ox.QueryTriples):
            raise TypeError("construct() needs a CONSTRUCT or DESCRIBE query")
        graph = Graph()
        for triple in triples:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate),
                       to_rdflib(triple.object)))
        return graph

    def query(self, request: QueryRequest) -> QueryResult:
        job = {"query": request.query, "bindings_format": request.bindings_format,
               "graph_format": request.graph_format, "default_graphs": request.default_graphs,
               "named_graphs": request.named_graphs, "max_rows": request.max_rows}
        reply = self.pool.run(job, request.timeout)
        return result_from_reply(reply, request)

    def close(self) -> None:
        """Stop the worker processes (they also stop by themselves when this process ends)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __len__(self) -> int:
        """The number of quads in the named graphs (the default graph only repeats them)."""
        return self._quads


def result_from_reply(reply: Mapping[str, Any], request: QueryRequest) -> QueryResult:
    """A worker's reply as a QueryResult, or the error it reports raised as ours."""
    if not reply.get("ok"):
        message = str(reply.get("message", "unknown error"))
        if reply.get("error") == "syntax":
            raise BadRequest(f"Query syntax error: {message}")
        if reply.get("error") == "io":
            raise StoreUnavailable(f"The query failed on input/output: {message}")
        raise BadRequest(f"The query could not be evaluated: {message}")
    kind = str(reply["kind"])
    return QueryResult(
        kind=kind, format=request.graph_format if kind == "graph" else request.bindings_format,
        body=bytes(reply["body"]), rows=int(reply["rows"]), truncated=bool(reply["truncated"]),
        engine_ms=float(reply.get("engine_ms", 0.0)),
        serialize_ms=float(reply.get("serialize_ms", 0.0)))
