"""HTML pages for people and crawlers, rendered from the same document graph as the RDF.

Jinja runs here without Flask (a package loader, autoescape on), so that pages render
without a request (the static export reuses this). Each page embeds schema.org JSON-LD.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, VOID
from rdflib.term import Node

from .documents import label
from .namespaces import MCM, ORG, PREFIXES, SDO, SH, WD
from .negotiation import DOCUMENT_FORMATS, HTML, Format

# Labels of the external terms pages show; the vocabulary's own come from its rdfs:label.
TERM_LABELS: dict[URIRef, str] = {
    RDF.type: "type", SKOS.prefLabel: "name", SKOS.altLabel: "also known as",
    SKOS.definition: "definition", SKOS.note: "note", SKOS.inScheme: "in scheme",
    SKOS.topConceptOf: "top concept of", SKOS.exactMatch: "same concept as",
    SKOS.closeMatch: "close match", SKOS.broadMatch: "broader match",
    SKOS.narrowMatch: "narrower match", DCTERMS.title: "title",
    DCTERMS.description: "description", DCTERMS.issued: "issued", DCTERMS.language: "language",
    DCTERMS.creator: "creator", DCTERMS.identifier: "identifier", DCTERMS.isPartOf: "part of",
    DCTERMS.license: "licence", DCTERMS.modified: "modified", DCTERMS.created: "created",
    DCTERMS.conformsTo: "conforms to", DCTERMS.publisher: "publisher",
    DCTERMS.format: "format", RDFS.label: "label", RDFS.comment: "comment",
    RDFS.seeAlso: "see also", RDFS.isDefinedBy: "defined by", RDFS.domain: "domain",
    RDFS.range: "range", RDFS.subClassOf: "subclass of", RDFS.subPropertyOf: "subproperty of",
    OWL.sameAs: "same as", OWL.versionIRI: "version IRI", OWL.versionInfo: "version",
    OWL.imports: "imports", OWL.inverseOf: "inverse of",
    ORG.classification: "organisation type", ORG.subOrganizationOf: "part of",
    SDO.affiliation: "affiliation", SDO.jobTitle: "role", SDO.text: "text",
    SDO.about: "about", SDO.position: "position", FOAF.nick: "nickname",
    VOID.sparqlEndpoint: "SPARQL endpoint", VOID.dataDump: "data dump",
    VOID.triples: "triples", DCAT.distribution: "distribution",
    DCAT.downloadURL: "download", DCAT.mediaType: "media type", DCAT.byteSize: "size (bytes)",
    # classes
    ORG.Organization: "Organisation", SDO.Organization: "schema.org Organization",
    FOAF.Person: "Person", SDO.Person: "schema.org Person", SKOS.Concept: "Concept",
    SKOS.ConceptScheme: "Concept scheme", OWL.Class: "Class", OWL.Ontology: "Ontology",
    OWL.ObjectProperty: "Object property", OWL.DatatypeProperty: "Datatype property",
    SH.NodeShape: "Node shape", SH.PropertyShape: "Property shape",
    SH.SPARQLConstraint: "SPARQL constraint", VOID.Dataset: "Dataset",
    VOID.Linkset: "Linkset", DCAT.Dataset: "DCAT Dataset", SDO.Dataset: "schema.org Dataset",
    DCAT.Distribution: "Distribution",
}

# How an inverse link is headed on the page of its object.
INVERSE_HEADINGS: dict[URIRef, str] = {
    MCM.sector: "Signatories in this sector",
    MCM.signed: "Signatories",
    MCM.signatory: "Signature",
    MCM.capacity: "Signatures in this capacity",
    MCM.principleGroup: "Principles in this group",
    MCM.initiatedBy: "Initiated",
    MCM.establishedBy: "Establishes",
    MCM.addresses: "Addressed by",
    ORG.subOrganizationOf: "Sub-organisations",
    ORG.classification: "Organisations of this type",
    SDO.affiliation: "Affiliated people",
    SDO.about: "About this",
    DCTERMS.isPartOf: "Parts",
    DCTERMS.creator: "Created",
    SKOS.inScheme: "Concepts",
    SKOS.topConceptOf: "Top concepts",
    OWL.imports: "Imported by",
}

# Long texts shown as paragraphs above the table, in this order.
TEXT_PREDICATES = (DCTERMS.description, SKOS.definition, SDO.text, RDFS.comment, SKOS.note)


@dataclass
class Value:
    """One value as shown: text, and a link when it is an IRI."""

    text: str
    href: str | None = None
    lang: str | None = None
    note: str | None = None
    items: list[Value] = field(default_factory=list)  # an RDF list or a blank node's values


@dataclass
class Row:
    label: str
    predicate: str
    values: list[Value]


@dataclass
class Section:
    """A resource shown on a page: the page's own, or one of its hash sub-resources."""

    anchor: str | None
    title: str
    types: list[Value]
    texts: list[tuple[str, Value]]
    rows: list[Row]
    iri: str | None = None  # shown under the title; None: the page's IRI and the anchor


@dataclass
class Page:
    """What the resource template needs."""

    iri: str
    title: str
    main: Section
    subsections: list[Section]
    inverse: list[Row]
    alternates: list[tuple[Format, str]]
    schema_org: Markup


@lru_cache(maxsize=4096)
def _local_name(iri: str) -> str:
    name = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower() if name else iri


def _curie(iri: str, base: str) -> str:
    if iri.startswith(base):
        return iri[len(base):]
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


class Labeller:
    """Names terms for people: the vocabulary's labels, then TERM_LABELS, then local names."""

    def __init__(self, vocabulary: dict[str, str], base: str) -> None:
        self.vocabulary = vocabulary
        self.base = base

    def term(self, iri: Node) -> str:
        text = self.vocabulary.get(str(iri))
        if text is None:
            text = TERM_LABELS.get(iri) if isinstance(iri, URIRef) else None
        return text or _local_name(str(iri))


def alternates(iri: str) -> list[tuple[Format, str]]:
    """Every document format and its URL: `{iri}.ttl`, ..."""
    return [(fmt, iri + fmt.suffix) for fmt in DOCUMENT_FORMATS]


class _PageBuilder:
    def __init__(self, graph: Graph, iri: str, labeller: Labeller) -> None:
        self.graph, self.iri, self.labeller = graph, iri, labeller
        self.base = labeller.base

    def name(self, node: Node) -> str | None:
        """A label, or a name made from what the node links to (signatures, listings)."""
        g = self.graph
        text = label(g, node)
        if text is not None:
            return text
        signatory = g.value(node, MCM.signatory)
        if signatory is not None:
            return f"Signature of {label(g, signatory) or _curie(str(signatory), self.base)}"
        source = g.value(node, MCM.listedIn)
        if source is not None:
            return f"Listed in {label(g, source) or _curie(str(source), self.base)}"
        return None

    def value(self, node: Node, depth: int = 0) -> Value:
        g = self.graph
        if isinstance(node, Literal):
            return Value(str(node), lang=node.language,
                         note=None if node.language or node.datatype is None
                         else _curie(str(node.datatype), self.base))
        if isinstance(node, BNode):
            items = _list_items(g, node)
            if items is not None:
                return Value("list", items=[self.value(i, depth + 1) for i in items])
            if depth > 3:
                return Value("…")
            return Value("", items=[
                Value(f"{self.labeller.term(p)}: ", items=[self.value(o, depth + 1)])
                for p, o in _by_str(g.predicate_objects(node))])
        iri = str(node)
        text = self.name(node)
        if iri.startswith(str(WD)):
            return Value(f"Wikidata {iri.rsplit('/', 1)[-1]}", href=iri)
        if text is None:
            text = self.labeller.vocabulary.get(iri) or _curie(iri, self.base)
        href = iri
        if iri.startswith(self.iri + "#"):
            href = iri[len(self.iri):]
        return Value(text, href=href)

    def _sorted(self, nodes: list[Node]) -> list[Node]:
        def key(n: Node) -> tuple[int, str]:
            pos = self.graph.value(n, SDO.position)
            return (int(pos) if isinstance(pos, Literal) and str(pos).isdigit() else 10**6,
                    (self.name(n) or str(n)).lower())
        return sorted(nodes, key=key)

    def section(self, subject: Node, anchor: str | None) -> Section:
        g = self.graph
        types = [Value(self.labeller.term(t), href=str(t))
                 for t in _by_str(g.objects(subject, RDF.type))]
        texts = []
        for text_pred in TEXT_PREDICATES:
            for o in _by_str(g.objects(subject, text_pred)):
                texts.append((self.labeller.term(text_pred), self.value(o)))
        rows = []
        for p in sorted(set(g.predicates(subject)), key=lambda p: self.labeller.term(p)):
            if p == RDF.type or p in TEXT_PREDICATES:
                continue
            values = [self.value(o) for o in self._sorted(list(g.objects(subject, p)))]
            rows.append(Row(self.labeller.term(p), str(p), values))
        title = self.name(subject) or (
            f"{types[0].text if types else 'Resource'} #{anchor}" if anchor
            else _curie(str(subject), self.base))
        return Section(anchor, title, types, texts, rows)

    def inverse(self, subjects: set[Node]) -> list[Row]:
        groups: dict[Node, list[Node]] = {}
        for s, p, o in self.graph:
            if o in subjects and s not in subjects and isinstance(s, URIRef):
                groups.setdefault(p, []).append(s)
        rows = []
        for p, nodes in groups.items():
            heading = INVERSE_HEADINGS.get(p) if isinstance(p, URIRef) else None
            heading = heading or f"Linked here as “{self.labeller.term(p)}” by"
            values = [self.value(n) for n in self._sorted(nodes)]
            rows.append(Row(f"{heading} ({len(values)})", str(p), values))
        rows.sort(key=lambda r: r.label)
        return rows


def _by_str(nodes: Any) -> list[Any]:
    """Nodes in a stable order (rdflib terms do not type-check as comparable)."""
    return sorted(nodes, key=str)


def _list_items(g: Graph, node: Node) -> list[Node] | None:
    items: list[Node] = []
    seen = set()
    while node != RDF.nil:
        first = g.value(node, RDF.first)
        if first is None or node in seen:
            return None
        seen.add(node)
        items.append(first)
        node = g.value(node, RDF.rest) or RDF.nil
    return items


def page_model(graph: Graph, iri: str, labeller: Labeller) -> Page:
    """The view model of a resource page."""
    builder = _PageBuilder(graph, iri, labeller)
    root = URIRef(iri)
    main = builder.section(root, None)
    hashes = _by_str({s for s in graph.subjects() if str(s).startswith(iri + "#")})
    subsections = [builder.section(s, str(s).split("#", 1)[1]) for s in hashes]
    # A signatory's page shows how each source lists it (the listings of its signature).
    for signature in _by_str(graph.subjects(MCM.signatory, root)):
        for listing in _by_str(graph.objects(signature, MCM.listing)):
            section = builder.section(listing, "as-" + str(listing).rsplit("#", 1)[-1])
            section.iri = str(listing)
            subsections.append(section)
    inverse = builder.inverse({root, *hashes})
    return Page(iri=iri, title=main.title, main=main, subsections=subsections,
                inverse=inverse, alternates=alternates(iri),
                schema_org=script_json(schema_org(graph, iri)))


# --- schema.org -------------------------------------------------------------------------

def _lit(g: Graph, s: Node, *preds: URIRef) -> str | None:
    for p in preds:
        for o in g.objects(s, p):
            if isinstance(o, Literal):
                return str(o)
    return None


def _ref(g: Graph, node: Node, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": kind, "@id": str(node), "url": str(node)}
    name = label(g, node)
    if name:
        out["name"] = name
    return out


def schema_org(g: Graph, iri: str) -> dict[str, Any]:
    """schema.org JSON-LD for a resource page, as search engines read it."""
    s = URIRef(iri)
    types = set(g.objects(s, RDF.type))
    out: dict[str, Any] = {"@context": "https://schema.org", "@id": iri, "url": iri}
    name = label(g, s)
    if name:
        out["name"] = name
    description = _lit(g, s, DCTERMS.description, SKOS.definition)
    if description:
        out["description"] = description
    if types & {ORG.Organization, SDO.Organization, FOAF.Person, SDO.Person}:
        person = bool(types & {FOAF.Person, SDO.Person})
        out["@type"] = "Person" if person else "Organization"
        alt = sorted(str(o) for o in g.objects(s, SKOS.altLabel))
        if alt:
            out["alternateName"] = alt
        same = sorted(str(o) for o in g.objects(s, OWL.sameAs))
        same += sorted(str(o) for o in g.objects(s, MCM.ror))
        if same:
            out["sameAs"] = same
        parents = [_ref(g, o, "Organization") for o in _by_str(g.objects(s, ORG.subOrganizationOf))]
        if parents:
            out["parentOrganization"] = parents[0] if len(parents) == 1 else parents
        subs = [_ref(g, x, "Organization") for x in _by_str(g.subjects(ORG.subOrganizationOf, s))]
        if subs:
            out["subOrganization"] = subs
        affiliations = [_ref(g, o, "Organization") for o in _by_str(g.objects(s, SDO.affiliation))]
        if affiliations:
            out["affiliation"] = affiliations
        job = _lit(g, s, SDO.jobTitle)
        if job:
            out["jobTitle"] = job
        docs = [_ref(g, o, "CreativeWork") for o in _by_str(g.objects(s, MCM.signed))]
        if docs:
            out["subjectOf"] = docs
    elif MCM.Principle in types:
        out["@type"] = "CreativeWork"
        out["text"] = _lit(g, s, SDO.text)
        pos = g.value(s, SDO.position)
        if pos is not None:
            out["position"] = int(str(pos))
        parts = [_ref(g, o, "CreativeWork") for o in _by_str(g.objects(s, DCTERMS.isPartOf))]
        if parts:
            out["isPartOf"] = parts[0]
        out["inLanguage"] = "en"
    elif types & {MCM.Manifesto, MCM.SourceDocument}:
        out["@type"] = "DigitalDocument" if MCM.Manifesto in types else "CreativeWork"
        issued = _lit(g, s, DCTERMS.issued)
        if issued:
            out["datePublished"] = issued
        out["inLanguage"] = "en"
        principles = sorted(g.subjects(DCTERMS.isPartOf, s),
                            key=lambda p: int(str(g.value(p, SDO.position) or 0)))
        if principles:
            out["hasPart"] = [{**_ref(g, p, "CreativeWork"),
                               "position": int(str(g.value(p, SDO.position) or 0))}
                              for p in principles]
        initiators = [_ref(g, o, "Organization") for o in _by_str(g.objects(s, MCM.initiatedBy))]
        if initiators:
            out["creator"] = initiators
        creators = [_ref(g, o, "Organization") for o in _by_str(g.objects(s, DCTERMS.creator))]
        if creators:
            out["author"] = creators
    elif SKOS.Concept in types:
        out["@type"] = "DefinedTerm"
        schemes = [_ref(g, o, "DefinedTermSet") for o in _by_str(g.objects(s, SKOS.inScheme))]
        if schemes:
            out["inDefinedTermSet"] = schemes[0]
    elif SKOS.ConceptScheme in types:
        out["@type"] = "DefinedTermSet"
        out["hasDefinedTerm"] = [_ref(g, c, "DefinedTerm")
                                 for c in _by_str(g.subjects(SKOS.inScheme, s))]
    elif VOID.Dataset in types:
        out["@type"] = "Dataset"
    else:
        out = {"@context": "https://schema.org", "@type": "WebPage", "url": iri,
               "name": name or iri, "about": {"@id": iri}}
    return out


def script_json(data: Any) -> Markup:
    """JSON safe inside <script type="application/ld+json"> (no </script>, no <!--)."""
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


# --- rendering ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment of the publisher's pages (autoescaped, no Flask needed)."""
    env = Environment(loader=PackageLoader("server", "templates"),
                      autoescape=select_autoescape(["html", "xml"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["HTML"] = HTML
    return env


def render(template: str, **context: Any) -> bytes:
    """Render a template to UTF-8 bytes."""
    return environment().get_template(template).render(**context).encode()


def resource_page(graph: Graph, iri: str, labeller: Labeller, base: str) -> bytes:
    """The HTML page of one resource."""
    return render("resource.html", page=page_model(graph, iri, labeller), base=base)


def dataset_schema_org(base: str, files: list[Any], modified: Any) -> dict[str, Any]:
    """schema.org Dataset for the landing page, as Google Dataset Search reads it."""
    from . import void

    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": str(void.dataset_iri(base)),
        "name": void.TITLE,
        "description": void.DESCRIPTION,
        "url": base,
        "license": str(void.LICENSE),
        "isAccessibleForFree": True,
        "inLanguage": "en",
        "keywords": list(void.KEYWORDS),
        "dateModified": modified.isoformat(),
        "creator": {"@type": "Organization", "name": void.PUBLISHER},
        "about": {"@type": "DigitalDocument", "@id": base + "id/manifesto",
                  "name": "Multistakeholder Manifesto on Cybercrime"},
        "distribution": [
            {"@type": "DataDownload", "name": f.dump.title, "contentUrl": base + f.dump.path,
             "encodingFormat": f.dump.format.media_type, "contentSize": f"{f.size} B"}
            for f in files
        ],
    }
