"""pyoxigraph (the endpoint's engine) and rdflib's SPARQL engine give identical results on the
example queries, and the measurement that chose pyoxigraph.

Run with `-s` to see the timings table (milliseconds, median of repeated runs).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.term import Node

from server.dataset import Dataset
from server.sparql_examples import Example, examples
from server.store import EmbeddedStore

LOCAL = [e for e in examples() if not e.federated]
CONSTRUCT = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { <https://w3id.org/cybercrime-manifesto/id/org/microsoft> ?p ?o . ?o skos:prefLabel ?l }
WHERE { <https://w3id.org/cybercrime-manifesto/id/org/microsoft> ?p ?o
        OPTIONAL { ?o skos:prefLabel ?l } }"""


@pytest.fixture(scope="module")
def engines(data: Dataset) -> Iterator[tuple[EmbeddedStore, Graph]]:
    """Both engines over the same default graph, the union of the named graphs.

    (rdflib's Dataset with default_union warns of its own deprecations in rdflib 7.)
    """
    store = EmbeddedStore(data, workers=1)
    yield store, data.union()
    store.close()


def rows_of_rdflib(dataset: Graph, query: str) -> list[tuple[tuple[str, str], ...]]:
    result = dataset.query(query)
    names = [str(v) for v in result.vars or []]
    out = []
    for row in result:
        values: dict[str, Node | None] = dict(zip(names, row, strict=True))  # type: ignore[arg-type]
        out.append(tuple(sorted((k, v.n3()) for k, v in values.items() if v is not None)))
    return out


def rows_of_oxigraph(store: EmbeddedStore, query: str) -> list[tuple[tuple[str, str], ...]]:
    return [tuple(sorted((k, v.n3()) for k, v in row.items())) for row in store.select(query)]


@pytest.mark.parametrize("ex", LOCAL, ids=lambda e: e.slug)
def test_identical_results(engines: tuple[EmbeddedStore, Graph], ex: Example) -> None:
    store, union = engines
    ours = rows_of_oxigraph(store, ex.text)
    theirs = rows_of_rdflib(union, ex.text)
    assert ours, "the example finds nothing"
    # Every example orders by unique keys, so the order must agree too.
    assert ours == theirs


def test_identical_construct(engines: tuple[EmbeddedStore, Graph]) -> None:
    store, union = engines
    ours = store.construct(CONSTRUCT)
    theirs = Graph()
    for triple in union.query(CONSTRUCT):
        theirs.add(triple)  # type: ignore[arg-type]
    assert len(ours) > 5 and isomorphic(ours, theirs)


def median_ms(run: Callable[[], object], repeat: int) -> float:
    run()  # warm up (parsing caches, lazy imports)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def test_pyoxigraph_is_the_faster_engine(engines: tuple[EmbeddedStore, Graph]) -> None:
    store, union = engines
    print("\nengine time per query, ms (median): pyoxigraph / rdflib")
    for ex in LOCAL:
        # The engine alone, as the worker runs it: evaluate and read every solution.
        ox_ms = median_ms(lambda ex=ex: [tuple(s) for s in store.oxigraph.query(ex.text)],  # type: ignore[misc]
                          50)
        rdflib_ms = median_ms(lambda ex=ex: list(union.query(ex.text)), 3)  # type: ignore[misc]
        print(f"  {ex.slug:32} {ox_ms:8.3f} / {rdflib_ms:8.1f}  ({rdflib_ms / ox_ms:.0f}x)")
        assert ox_ms < rdflib_ms
        assert ox_ms < 5.0  # well under 1 ms on an idle machine; generous for a loaded one
