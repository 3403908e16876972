"""The published dataset: which files make it, its named graphs, and its version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from .namespaces import FILE_BASE
from .rdfio import parse_file, rebase

# Named graph -> the folder whose Turtle files fill it. The SPARQL default graph is the
# union of all of them (see README, "Default graph").
PARTS = {"data": "data", "vocabulary": "ontology", "shapes": "shapes",
         # facts the link tool recorded from Wikidata, with provenance (server/linking)
         "wikidata": "data/wikidata"}


def project_root() -> Path:
    """The folder holding ontology/, data/ and shapes/ (the repository root)."""
    return Path(__file__).resolve().parent.parent


def input_files(root: Path) -> dict[str, list[Path]]:
    """Each named graph's input files, sorted, so that builds are reproducible."""
    return {name: sorted((root / folder).glob("*.ttl")) for name, folder in PARTS.items()}


def inputs_digest(root: Path) -> str:
    """A SHA-256 over every input file's name and bytes: the data version."""
    digest = hashlib.sha256()
    for name, files in input_files(root).items():
        for path in files:
            digest.update(f"{name}/{path.name}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class Dataset:
    """The parsed dataset: one rdflib graph per named graph, under the served base."""

    base: str
    version: str
    graphs: dict[str, Graph] = field(default_factory=dict)
    # The files each graph was parsed from (empty for a dataset built in memory), so that a
    # store can load them with its own, faster parser.
    files: dict[str, list[Path]] = field(default_factory=dict)

    def graph_iri(self, name: str) -> URIRef:
        """The IRI of a named graph, e.g. <{base}graph/data>."""
        return URIRef(f"{self.base}graph/{name}")

    def union(self) -> Graph:
        """All named graphs merged into one new graph (the SPARQL default graph)."""
        merged = Graph()
        for graph in self.graphs.values():
            for prefix, ns in graph.namespaces():
                merged.bind(prefix, ns, replace=False)
            merged += graph
        return merged

    def __len__(self) -> int:
        return sum(len(g) for g in self.graphs.values())


def load(root: Path | None = None, base: str = FILE_BASE) -> Dataset:
    """Parse every input file under root; IRIs are moved from FILE_BASE to `base`.

    Raises RDFSyntaxError (file and line) on the first file that does not parse.
    """
    root = root or project_root()
    dataset = Dataset(base=base, version=inputs_digest(root))
    for name, files in input_files(root).items():
        graph = Graph()
        for path in files:
            parse_file(path, into=graph)
        dataset.graphs[name] = rebase(graph, FILE_BASE, base)
        dataset.files[name] = files
    return dataset
