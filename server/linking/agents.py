"""The organisations and people of the data graph, as plain records the linkers work on."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import FOAF, OWL, RDF, SKOS

from ..namespaces import MCM, ORG, SDO, WD

WIKIDATA_ENTITY = str(WD)


@dataclass(frozen=True)
class Agent:
    """An organisation or a person: its names, kind, classification and Wikidata item."""

    iri: str
    kind: str  # "organisation" or "person"
    label: str
    alt_labels: tuple[str, ...] = ()
    listed_names: tuple[str, ...] = ()  # how the source documents spell it
    wikidata: str | None = None  # a QID such as "Q2283"
    signatory: bool = False
    related: tuple[str, ...] = ()  # parents (organisations) or affiliations (people): IRIs
    sector: str | None = None
    org_type: str | None = None

    @property
    def names(self) -> list[str]:
        """Every name we know it by, preferred first, without repeats."""
        return list(dict.fromkeys((self.label, *self.alt_labels, *self.listed_names)))

    @property
    def slug_path(self) -> str:
        """The IRI's path below id/, e.g. 'org/microsoft'."""
        return self.iri.split("/id/", 1)[-1]


def qid(iri: str) -> str | None:
    """'http://www.wikidata.org/entity/Q2283' -> 'Q2283'; None for any other IRI."""
    if iri.startswith(WIKIDATA_ENTITY):
        local = iri[len(WIKIDATA_ENTITY):]
        if local[:1] == "Q" and local[1:].isdigit():
            return local
    return None


def _strings(graph: Graph, subject: URIRef, predicate: URIRef) -> tuple[str, ...]:
    return tuple(sorted(str(o) for o in graph.objects(subject, predicate)))


def agents(graph: Graph) -> dict[str, Agent]:
    """Every org:Organization and foaf:Person in the graph, by IRI, sorted by IRI."""
    listed: dict[URIRef, set[str]] = {}
    for signature in graph.subjects(RDF.type, MCM.Signature):
        who = graph.value(signature, MCM.signatory)
        if isinstance(who, URIRef):
            for listing in graph.objects(signature, MCM.listing):
                name = graph.value(listing, MCM.nameAsListed)
                if name is not None:
                    listed.setdefault(who, set()).add(str(name))
    out: dict[str, Agent] = {}
    kinds = [(ORG.Organization, "organisation"), (FOAF.Person, "person")]
    for cls, kind in kinds:
        for subject in graph.subjects(RDF.type, cls):
            if not isinstance(subject, URIRef) or str(subject) in out:
                continue
            label = graph.value(subject, SKOS.prefLabel)
            links = [q for o in graph.objects(subject, OWL.sameAs) if (q := qid(str(o)))]
            related = graph.objects(subject, ORG.subOrganizationOf if kind == "organisation"
                                    else SDO.affiliation)
            sector = graph.value(subject, MCM.sector)
            org_type = graph.value(subject, ORG.classification)
            out[str(subject)] = Agent(
                iri=str(subject),
                kind=kind,
                label=str(label) if label is not None else str(subject).rsplit("/", 1)[-1],
                alt_labels=_strings(graph, subject, SKOS.altLabel),
                listed_names=tuple(sorted(listed.get(subject, ()))),
                wikidata=sorted(links)[0] if links else None,
                signatory=(subject, MCM.signed, None) in graph,
                related=tuple(sorted(str(r) for r in related)),
                sector=str(sector) if sector is not None else None,
                org_type=str(org_type) if org_type is not None else None,
            )
    return dict(sorted(out.items()))


def concept_labels(graph: Graph) -> dict[str, str]:
    """skos:prefLabel of every SKOS concept (sectors, organisation types), by IRI."""
    return {str(s): str(o) for s, o in graph.subject_objects(SKOS.prefLabel)
            if (s, RDF.type, SKOS.Concept) in graph}
