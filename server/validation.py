"""SHACL validation of the dataset with pyshacl, as a report people and tests can read."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from .dataset import Dataset
from .namespaces import SH


@dataclass(frozen=True)
class Result:
    """One SHACL validation result."""

    severity: str  # "Violation", "Warning" or "Info"
    focus: str
    path: str
    value: str
    message: str
    shape: str  # the sh:sourceShape, which tests assert on
    component: str
    constraint: str = ""  # the sh:sourceConstraint of a SPARQL-based constraint


@dataclass(frozen=True)
class Report:
    """The outcome of validating a dataset: conforms is False only on violations."""

    conforms: bool
    results: tuple[Result, ...]

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity != "Violation"]

    def text(self) -> str:
        """A readable report: one block per result, violations first."""
        if not self.results:
            return "The data conforms to the shapes: no violations, no warnings."
        lines = []
        for r in sorted(self.results, key=lambda r: (r.severity != "Violation", r.focus, r.path)):
            lines.append(f"{r.severity}: {r.message}")
            lines.append(f"  focus node: {r.focus}")
            if r.path:
                lines.append(f"  path:       {r.path}")
            if r.value:
                lines.append(f"  value:      {r.value}")
            lines.append(f"  shape:      {r.constraint or r.shape}")
        lines.append(
            f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)."
        )
        return "\n".join(lines)


def validate(dataset: Dataset) -> Report:
    """Validate the dataset's data graph against its shapes, with its vocabulary."""
    return validate_graph(
        dataset.graphs["data"], dataset.graphs["shapes"], dataset.graphs["vocabulary"]
    )


def validate_graph(data: Graph, shapes: Graph, ontology: Graph) -> Report:
    """Validate a data graph against shapes, with the vocabulary as ontology graph.

    The vocabulary is mixed in (RDFS inference off) so that class targets see subclasses.
    """
    # Imported here: the server only validates when no build record exists, and pyshacl
    # costs a sixth of a second to import on every start.
    from pyshacl import validate as shacl_validate

    # pyshacl adds OWL axioms to the shapes graph it is given: hand it a copy, so that the
    # published shapes graph stays as loaded.
    shapes_copy = Graph()
    shapes_copy += shapes
    conforms, report_graph, _ = shacl_validate(
        data, shacl_graph=shapes_copy, ont_graph=ontology, inference="none",
        advanced=True, allow_warnings=True,
    )
    results = tuple(
        _result(report_graph, node)
        for node in report_graph.subjects(RDF.type, SH.ValidationResult)
    )
    return Report(conforms=bool(conforms), results=results)


def _result(g: Graph, node: Node) -> Result:
    def one(pred: URIRef) -> str:
        value = g.value(node, pred)
        if value is None:
            return ""
        return str(value)

    severity = g.value(node, SH.resultSeverity)
    return Result(
        severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
        focus=one(SH.focusNode),
        path=one(SH.resultPath),
        value=one(SH.value),
        message=one(SH.resultMessage),
        shape=one(SH.sourceShape),
        component=one(SH.sourceConstraintComponent).rsplit("#", 1)[-1],
        constraint=one(SH.sourceConstraint),
    )


# --- the build record: validation runs at build time, the server trusts its record ---

def record_path(root: Path) -> Path:
    return root / "build" / "validation.json"


def write_record(root: Path, dataset: Dataset, report: Report, seconds: float) -> Path:
    """Record that this exact data version was validated, and how it came out."""
    path = record_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "version": dataset.version,
        "conforms": report.conforms,
        "violations": len(report.violations),
        "warnings": len(report.warnings),
        "seconds": round(seconds, 3),
        "validated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results": [asdict(r) for r in report.results],
    }, indent=1), encoding="utf-8")
    return path


def read_record(root: Path, version: str) -> dict | None:
    """The build record if it is for this data version, else None."""
    try:
        record = json.loads(record_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if record.get("version") == version else None


def validate_and_record(root: Path, dataset: Dataset) -> Report:
    """Validate now and write the build record."""
    started = time.perf_counter()
    report = validate(dataset)
    write_record(root, dataset, report, time.perf_counter() - started)
    return report
