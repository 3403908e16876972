"""Every shape proves itself on examples: <Shape>-valid.ttl conforms, <Shape>-invalid-NN.ttl
makes the shapes named on its `# fires:` line fire (asserted on sh:sourceShape or
sh:sourceConstraint, never on message text)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from server.dataset import Dataset
from server.namespaces import SH
from server.validation import Report, validate_graph

EXAMPLES = Path(__file__).parent / "shapes"
SHP = "https://w3id.org/cybercrime-manifesto/shapes#"
PREFIXES = (EXAMPLES / "_prefixes.ttl").read_text(encoding="utf-8")


def example_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*Shape-*.ttl"))


def load_example(path: Path) -> Graph:
    graph = Graph()
    graph.parse(data=PREFIXES + (EXAMPLES / "base.ttl").read_text(encoding="utf-8"),
                format="turtle")
    graph.parse(data=PREFIXES + path.read_text(encoding="utf-8"), format="turtle")
    return graph


def fired(report: Report) -> set[str]:
    names = set()
    for result in report.results:
        for iri in (result.shape, result.constraint):
            if iri.startswith(SHP):
                names.add(iri[len(SHP):])
    return names


def header(path: Path, key: str) -> str:
    for line in path.read_text(encoding="utf-8").splitlines()[:3]:
        if line.startswith(f"# {key}:"):
            return line.split(":", 1)[1].strip()
    return ""


@pytest.fixture(scope="module")
def shapes(data: Dataset) -> tuple[Graph, Graph]:
    return data.graphs["shapes"], data.graphs["vocabulary"]


def test_base_world_conforms_without_any_result(shapes: tuple[Graph, Graph]) -> None:
    report = validate_graph(load_example(EXAMPLES / "base.ttl"), *shapes)
    assert report.results == (), report.text()


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_example(path: Path, shapes: tuple[Graph, Graph]) -> None:
    assert header(path, "why"), f"{path.name}: the first line must say why (# why: ...)"
    report = validate_graph(load_example(path), *shapes)
    if path.stem.endswith("-valid"):
        assert report.results == (), report.text()
    else:
        expected = set(header(path, "fires").split())
        assert expected, f"{path.name}: an invalid example names the shapes it fires"
        assert expected <= fired(report), report.text()


def test_every_shape_has_valid_and_invalid_examples(data: Dataset) -> None:
    shapes = data.graphs["shapes"]
    node_shapes = {str(s)[len(SHP):] for s in shapes.subjects(RDF.type, SH.NodeShape)
                   if isinstance(s, URIRef) and str(s).startswith(SHP)}
    stems = {p.stem for p in example_files()}
    missing = sorted(
        f"{shape}-{kind}" for shape in node_shapes for kind in ("valid", "invalid-01")
        if f"{shape}-{kind}" not in stems
    )
    assert not missing, f"shapes without examples: {missing}"


def test_every_named_constraint_is_fired_by_some_example(data: Dataset) -> None:
    shapes = data.graphs["shapes"]
    constraints = {str(s)[len(SHP):] for s in shapes.subjects(SH.path, None)}
    constraints |= {str(s)[len(SHP):] for s in shapes.subjects(RDF.type, SH.SPARQLConstraint)}
    exercised = set()
    for path in example_files():
        exercised |= set(header(path, "fires").split())
    # A value-set shape's own property fires through the property shape that uses it
    # (sh:node), which the examples name instead.
    unexercised = sorted(c for c in constraints
                         if c not in exercised and not c.endswith("Concept-inScheme"))
    assert not unexercised, f"constraints no invalid example fires: {unexercised}"


def test_validation_leaves_the_published_graphs_as_loaded(data: Dataset) -> None:
    sizes = {name: len(graph) for name, graph in data.graphs.items()}
    validate_graph(load_example(EXAMPLES / "base.ttl"), data.graphs["shapes"],
                   data.graphs["vocabulary"])
    assert {name: len(graph) for name, graph in data.graphs.items()} == sizes


def test_shapes_are_named_and_have_messages(data: Dataset) -> None:
    shapes = data.graphs["shapes"]
    for prop in shapes.subjects(SH.path, None):
        assert isinstance(prop, URIRef), "property shapes are named, never blank nodes"
        assert shapes.value(prop, SH.message) is not None, f"{prop} has no sh:message"
    for constraint in shapes.subjects(RDF.type, SH.SPARQLConstraint):
        assert shapes.value(constraint, SH.message) is not None, f"{constraint} has no sh:message"
