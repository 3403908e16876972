"""The snapshot of our Wikidata links, and the facts graph published from it.

data/wikidata/snapshot.json records every owl:sameAs link in the data with the evidence it
was verified on (data/wikidata/verified.csv) and, once the link tool has run against an
endpoint, what it saw there (endpoint, date, label, description, instance-of, official
website, country). The publisher works offline from it, and the next run flags what changed.
data/wikidata/facts.ttl, the named graph graph/wikidata, is generated from it: only facts
the tool recorded, never typed in.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from ..errors import BadRequest
from ..namespaces import FILE_BASE, SDO, WD
from ..rdfio import canonical_turtle
from .agents import Agent

WDT = Namespace("http://www.wikidata.org/prop/direct/")
FOLDER = Path("data") / "wikidata"
SNAPSHOT = FOLDER / "snapshot.json"
FACTS = FOLDER / "facts.ttl"
VERIFIED = FOLDER / "verified.csv"
FACTS_GRAPH = URIRef(FILE_BASE + "graph/wikidata")
WIKIDATA_LICENSE = URIRef("http://creativecommons.org/publicdomain/zero/1.0/")
FORMAT = "mcm-wikidata-snapshot/1"


@dataclass
class Facts:
    """What the endpoint said of one item. Item lists hold {"id": QID, "label": str}."""

    label: str | None = None
    description: str | None = None
    aliases: list[str] = field(default_factory=list)
    instance_of: list[dict[str, str]] = field(default_factory=list)
    website: list[str] = field(default_factory=list)
    country: list[dict[str, str]] = field(default_factory=list)

    def changes_from(self, old: Facts) -> list[str]:
        """What differs from an earlier record, one readable line per field."""
        out = []
        for name in ("label", "description"):
            before, after = getattr(old, name), getattr(self, name)
            if before != after:
                out.append(f"{name}: {before!r} -> {after!r}")
        for name in ("instance_of", "country"):
            before_ids = sorted(i["id"] for i in getattr(old, name))
            after_ids = sorted(i["id"] for i in getattr(self, name))
            if before_ids != after_ids:
                out.append(f"{name}: {before_ids} -> {after_ids}")
        if sorted(old.website) != sorted(self.website):
            out.append(f"website: {sorted(old.website)} -> {sorted(self.website)}")
        return out


@dataclass
class Link:
    """One owl:sameAs link: our entity, its item, the evidence, and the last check."""

    subject: str
    label: str
    kind: str
    wikidata: str
    role: str = ""
    ror: str = ""
    confidence: str = ""
    how_verified: str = ""
    status: str | None = None  # None: never checked against an endpoint
    problems: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    facts: Facts | None = None


@dataclass
class Snapshot:
    """The whole record: where and when the links were last checked, and each link."""

    endpoint: str | None = None
    checked: str | None = None  # ISO 8601 UTC time of the last run against the endpoint
    links: list[Link] = field(default_factory=list)

    def by_qid(self) -> dict[str, Link]:
        return {link.wikidata: link for link in self.links}

    def to_json(self) -> str:
        """Stable JSON (sorted links, two-space indent) so that diffs show what changed."""
        body: dict[str, Any] = {
            "format": FORMAT,
            "about": "Wikidata links of the dataset, the evidence they were verified on, "
                     "and what `python -m server link verify` last saw at the endpoint.",
            "endpoint": self.endpoint,
            "checked": self.checked,
            "links": [asdict(link) for link in sorted(self.links, key=lambda x: x.subject)],
        }
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> Snapshot:
    """Read a snapshot file; a missing file is an empty snapshot. Bad JSON is a BadRequest."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Snapshot()
    except (OSError, ValueError) as exc:
        raise BadRequest(f"{path}: not a readable snapshot ({exc})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise BadRequest(f"{path}: not a {FORMAT} file")
    links = []
    try:
        for item in raw.get("links", []):
            facts = item.pop("facts", None)
            links.append(Link(**item, facts=Facts(**facts) if facts else None))
    except TypeError as exc:  # an unknown or missing field
        raise BadRequest(f"{path}: a link record does not fit {FORMAT} ({exc})") from None
    return Snapshot(endpoint=raw.get("endpoint"), checked=raw.get("checked"), links=links)


def save(snapshot: Snapshot, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(snapshot.to_json(), encoding="utf-8")


def read_verified(path: Path) -> dict[str, dict[str, str]]:
    """data/wikidata/verified.csv by QID: role, ror, confidence, how_verified."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["wikidata"].strip(): row for row in csv.DictReader(handle)}


def seed(agents: dict[str, Agent], verified: dict[str, dict[str, str]],
         previous: Snapshot) -> tuple[Snapshot, list[str]]:
    """The snapshot for the links now in the data, keeping what earlier runs recorded.

    Returns it with a list of problems: a link in the data without verified evidence (it
    must be checked and recorded in verified.csv, or removed: a wrong link is worse than none).
    """
    old = previous.by_qid()
    links, problems = [], []
    for agent in agents.values():
        if not agent.wikidata:
            continue
        evidence = verified.get(agent.wikidata)
        if evidence is None:
            problems.append(f"{agent.iri} owl:sameAs wd:{agent.wikidata} has no row in "
                            f"{VERIFIED}: verify it and record the evidence, or remove it")
        kept = old.get(agent.wikidata)
        link = Link(
            subject=agent.iri, label=agent.label, kind=agent.kind, wikidata=agent.wikidata,
            role=(evidence or {}).get("role", ""), ror=(evidence or {}).get("ror", ""),
            confidence=(evidence or {}).get("confidence", ""),
            how_verified=(evidence or {}).get("how_verified", ""),
        )
        if kept is not None and kept.subject == agent.iri:
            link.status, link.problems, link.changes = kept.status, kept.problems, kept.changes
            link.facts = kept.facts
        links.append(link)
    return (Snapshot(endpoint=previous.endpoint, checked=previous.checked, links=links),
            problems)


def facts_graph(snapshot: Snapshot) -> Graph:
    """The graph/wikidata named graph: recorded facts about the linked items, with provenance.

    Facts are said of the Wikidata items (wd:Q…) in Wikidata's own terms (wdt:P31, wdt:P856,
    wdt:P17), so that a query reads as it would at the Wikidata Query Service, joined to our
    entities through their owl:sameAs links. Items that were missing or redirected are left out.
    """
    g = Graph()
    for prefix, ns in (("wd", WD), ("wdt", WDT), ("schema", SDO), ("dct", DCTERMS),
                       ("prov", PROV), ("rdfs", RDFS), ("xsd", XSD)):
        g.bind(prefix, ns)
    g.add((FACTS_GRAPH, RDF.type, PROV.Entity))
    g.add((FACTS_GRAPH, DCTERMS.title, Literal("Facts recorded from Wikidata", lang="en")))
    g.add((FACTS_GRAPH, DCTERMS.license, WIKIDATA_LICENSE))
    g.add((FACTS_GRAPH, PROV.wasDerivedFrom, URIRef("https://www.wikidata.org/")))
    if snapshot.endpoint and snapshot.checked:
        g.add((FACTS_GRAPH, DCTERMS.source, URIRef(snapshot.endpoint)))
        g.add((FACTS_GRAPH, PROV.generatedAtTime,
               Literal(snapshot.checked, datatype=XSD.dateTime)))
        g.add((FACTS_GRAPH, DCTERMS.description, Literal(
            "Country, official website, instance-of, English label and description of each "
            "Wikidata item the dataset links to, as the link tool recorded them.", lang="en")))
    else:
        g.add((FACTS_GRAPH, DCTERMS.description, Literal(
            "No facts recorded yet: the links were verified offline (see "
            "data/wikidata/verified.csv); `python -m server link verify` fills this graph "
            "from the Wikidata Query Service.", lang="en")))
    for link in snapshot.links:
        f = link.facts
        if f is None or link.status in ("missing", "redirect"):
            continue
        item = WD[link.wikidata]
        if f.label:
            g.add((item, RDFS.label, Literal(f.label, lang="en")))
        if f.description:
            g.add((item, SDO.description, Literal(f.description, lang="en")))
        for prop, values in ((WDT.P31, f.instance_of), (WDT.P17, f.country)):
            for v in values:
                g.add((item, prop, WD[v["id"]]))
                if v.get("label"):
                    g.add((WD[v["id"]], RDFS.label, Literal(v["label"], lang="en")))
        for site in f.website:
            g.add((item, WDT.P856, URIRef(site)))
    return g


def write_facts(snapshot: Snapshot, path: Path) -> None:
    """Write the facts graph in the canonical Turtle form every data file is kept in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(canonical_turtle(facts_graph(snapshot)), encoding="utf-8")
