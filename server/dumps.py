"""Dumps of the whole dataset: every RDF format, named graphs kept in N-Quads and TriG, and a
CSV of the signatories for spreadsheet users. Rendered once per data version.

The triple formats hold the union of the named graphs (data, vocabulary, shapes); N-Quads
and TriG keep each triple in its graph.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

from rdflib import BNode, Graph
from rdflib.term import Node

from .dataset import Dataset
from .documents import canonical
from .namespaces import FILE_BASE
from .negotiation import CSV, JSONLD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE, Format
from .serializers import serialize, serialize_quads
from .store import Store

DUMP_FOLDER = "dumps/"
STEM = "cybercrime-manifesto"


@dataclass(frozen=True)
class Dump:
    """One downloadable file: its name under dumps/, its format and what it holds."""

    name: str
    format: Format
    title: str

    @property
    def path(self) -> str:
        return DUMP_FOLDER + self.name


DUMPS: tuple[Dump, ...] = (
    Dump(f"{STEM}.ttl", TURTLE, "The whole dataset in Turtle"),
    Dump(f"{STEM}.nt", NTRIPLES, "The whole dataset in N-Triples"),
    Dump(f"{STEM}.jsonld", JSONLD, "The whole dataset in JSON-LD"),
    Dump(f"{STEM}.rdf", RDFXML, "The whole dataset in RDF/XML"),
    Dump(f"{STEM}.nq", NQUADS, "The whole dataset in N-Quads, with its named graphs"),
    Dump(f"{STEM}.trig", TRIG, "The whole dataset in TriG, with its named graphs"),
    Dump("signatories.csv", CSV, "The signatories as a spreadsheet (CSV)"),
)
BY_NAME: dict[str, Dump] = {d.name: d for d in DUMPS}
CHECKSUMS = "SHA256SUMS"


def render(dump: Dump, dataset: Dataset, store: Store, base: str = FILE_BASE) -> bytes:
    """The bytes of one dump, IRIs under the dataset's base (rewritten later if asked)."""
    if dump.format is CSV:
        return signatories_csv(store, base)
    named = [(str(dataset.graph_iri(n)), _own_blank_nodes(canonical(g), n))
             for n, g in sorted(dataset.graphs.items())]
    if dump.format in (NQUADS, TRIG):
        return serialize_quads(named, dump.format, base)
    union = Graph()
    for _, graph in named:
        union += graph
    return serialize(union, dump.format, None, base)


def _own_blank_nodes(graph: Graph, name: str) -> Graph:
    """Blank node labels prefixed by the graph's name: canonical labels are per graph, and
    two graphs' `cb0` must not become one node in a merged dump."""
    def own(term: Node) -> Node:
        return BNode(f"{name}{term}") if isinstance(term, BNode) else term

    out = Graph()
    for s, p, o in graph:
        out.add((own(s), p, own(o)))
    return out


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def checksums_file(files: dict[str, bytes]) -> bytes:
    """A SHA256SUMS file, as `sha256sum -c` reads it."""
    return "".join(f"{sha256(body)}  {name}\n" for name, body in files.items()).encode()


_CSV_QUERY = """
PREFIX mcm: <%(mcm)s>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX schema: <https://schema.org/>
SELECT ?s ?name ?kind ?sector ?type ?parents ?job ?affiliation ?wikidata ?ror ?capacity
       ?manifesto ?announcement WHERE {
  { SELECT ?s (SAMPLE(?n) AS ?name) (SAMPLE(?k) AS ?kind) (SAMPLE(?sec) AS ?sector)
           (SAMPLE(?t) AS ?type) (GROUP_CONCAT(DISTINCT ?pn; separator=" | ") AS ?parents)
           (SAMPLE(?j) AS ?job) (SAMPLE(?an) AS ?affiliation) (SAMPLE(?w) AS ?wikidata)
           (SAMPLE(?r) AS ?ror)
    WHERE {
      ?s mcm:signed ?doc ; skos:prefLabel ?n .
      BIND(IF(EXISTS { ?s a foaf:Person }, "person", "organisation") AS ?k)
      OPTIONAL { ?s mcm:sector/skos:prefLabel ?sec }
      OPTIONAL { ?s org:classification/skos:prefLabel ?t }
      OPTIONAL { ?s org:subOrganizationOf/skos:prefLabel ?pn }
      OPTIONAL { ?s schema:jobTitle ?j }
      OPTIONAL { ?s schema:affiliation/skos:prefLabel ?an }
      OPTIONAL { ?s owl:sameAs ?w }
      OPTIONAL { ?s mcm:ror ?r }
    } GROUP BY ?s }
  OPTIONAL { ?sig mcm:signatory ?s ; mcm:capacity/skos:prefLabel ?capacity }
  OPTIONAL { ?sig mcm:signatory ?s ; mcm:listing ?lm .
             ?lm mcm:listedIn <%(base)sid/manifesto> ; mcm:nameAsListed ?manifesto }
  OPTIONAL { ?sig mcm:signatory ?s ; mcm:listing ?la .
             ?la mcm:listedIn <%(base)sid/announcement> ; mcm:nameAsListed ?announcement }
} ORDER BY LCASE(STR(?name)) ?s
"""

CSV_COLUMNS = (
    ("s", "iri"), ("name", "name"), ("kind", "kind"), ("sector", "sector"),
    ("type", "organisation_type"), ("parents", "part_of"), ("job", "job_title"),
    ("affiliation", "affiliation"), ("wikidata", "wikidata"), ("ror", "ror"),
    ("capacity", "signing_capacity"), ("manifesto", "name_in_manifesto"),
    ("announcement", "name_in_announcement"),
)


def signatories_csv(store: Store, base: str = FILE_BASE) -> bytes:
    """One row per signatory: name, kind, sector, type, parents, role, links, listings."""
    rows = store.select(_CSV_QUERY % {"mcm": base + "def#", "base": base})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    writer.writerow([header for _, header in CSV_COLUMNS])
    for row in rows:
        writer.writerow([_cell(str(row[var])) if var in row else "" for var, _ in CSV_COLUMNS])
    return out.getvalue().encode()


def _cell(value: str) -> str:
    # A cell starting with = + - @ (or a tab or carriage return before one) is a formula to
    # a spreadsheet: quote it (CSV injection, as OWASP lists the characters).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
