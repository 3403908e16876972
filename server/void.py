"""The dataset description: VoID, DCAT and schema.org in one graph about `{base}id/dataset`.

Served at /.well-known/void (RFC 5785, as the VoID specification registers it) and at
/id/dataset. It lists the SPARQL endpoint, every dump as void:dataDump and as a
dcat:Distribution / schema:DataDownload with media type, size and SHA-256, the licence,
dct:modified, counts, one void:Linkset per predicate linking to Wikidata, and
dct:conformsTo the shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, VOID, XSD

from .documents import canonical
from .dumps import Dump
from .namespaces import SD, SDO, WD
from .store import Store

SPDX = Namespace("http://spdx.org/rdf/terms#")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
IANA = "https://www.iana.org/assignments/media-types/"
DATASET_PATH = "id/dataset"
TITLE = "Multistakeholder Manifesto on Cybercrime: linked open data"
DESCRIPTION = (
    "The Multistakeholder Manifesto on Cybercrime (2021) as validated linked open data: its "
    "ten principles for the United Nations negotiations on a cybercrime convention, quoted "
    "exactly; its 69 signatories from industry, civil society, academia and the technical "
    "community, each with its sector, organisation type, parents or affiliation and verified "
    "Wikidata links; and the signatory lists of the two sources, entry by entry."
)
PUBLISHER = "Cybercrime Manifesto Linked Data project"
KEYWORDS = ("cybercrime", "United Nations", "cybercrime convention", "multistakeholder",
            "manifesto", "civil society", "linked open data")


@dataclass(frozen=True)
class DumpFile:
    """A rendered dump as served: what it is, its size and its SHA-256."""

    dump: Dump
    size: int
    sha256: str


def dataset_iri(base: str) -> URIRef:
    return URIRef(base + DATASET_PATH)


def describe(store: Store, base: str, graphs: dict[str, int], files: list[DumpFile],
             modified: date) -> Graph:
    """The description graph; graphs maps named-graph IRIs to their triple counts."""
    d = dataset_iri(base)
    g = Graph()
    add = g.add
    for t in (VOID.Dataset, DCAT.Dataset, SDO.Dataset):
        add((d, RDF.type, t))
    for p in (DCTERMS.title, SDO.name):
        add((d, p, Literal(TITLE, lang="en")))
    for p in (DCTERMS.description, SDO.description):
        add((d, p, Literal(DESCRIPTION, lang="en")))
    for p in (DCTERMS.license, SDO.license):
        add((d, p, LICENSE))
    publisher = URIRef(f"{d}#publisher")
    add((publisher, RDF.type, FOAF.Organization))
    add((publisher, RDF.type, SDO.Organization))
    add((publisher, FOAF.name, Literal(PUBLISHER, lang="en")))
    add((publisher, SDO.name, Literal(PUBLISHER, lang="en")))
    for p in (DCTERMS.creator, DCTERMS.publisher, SDO.creator):
        add((d, p, publisher))
    for p in (DCTERMS.modified, SDO.dateModified):
        add((d, p, Literal(modified.isoformat(), datatype=XSD.date)))
    for keyword in KEYWORDS:
        add((d, DCAT.keyword, Literal(keyword, lang="en")))
        add((d, SDO.keywords, Literal(keyword, lang="en")))
    manifesto = URIRef(base + "id/manifesto")
    add((d, VOID.rootResource, manifesto))
    add((d, SDO.about, manifesto))
    add((d, VOID.exampleResource, manifesto))
    add((d, DCAT.landingPage, URIRef(base)))
    add((d, SDO.url, URIRef(base)))
    add((d, DCTERMS.conformsTo, URIRef(base + "shapes")))
    add((d, VOID.uriSpace, Literal(base + "id/")))
    for ns in (base + "def#", str(SDO), "http://www.w3.org/ns/org#",
               "http://www.w3.org/2004/02/skos/core#", str(DCTERMS), str(FOAF),
               "http://www.w3.org/ns/prov#", str(OWL)):
        add((d, VOID.vocabulary, URIRef(ns)))

    sparql = URIRef(base + "sparql")
    add((d, VOID.sparqlEndpoint, sparql))
    add((d, DCAT.accessService, sparql))
    add((sparql, RDF.type, DCAT.DataService))
    add((sparql, RDF.type, SD.Service))
    add((sparql, DCAT.endpointURL, sparql))
    add((sparql, SD.endpoint, sparql))
    add((sparql, DCAT.servesDataset, d))
    add((sparql, DCTERMS.title, Literal("SPARQL 1.1 query endpoint", lang="en")))

    _counts(g, d, store, base, sum(graphs.values()))
    for name, triples in sorted(graphs.items()):
        sub = URIRef(name)
        add((d, VOID.subset, sub))
        add((sub, RDF.type, VOID.Dataset))
        add((sub, RDF.type, SD.NamedGraph))
        add((sub, SD.name, sub))
        add((sub, VOID.triples, Literal(triples)))
        add((sub, DCTERMS.title, Literal(f"Named graph {name.rsplit('/', 1)[-1]}", lang="en")))
    _linksets(g, d, store)
    for file in files:
        _distribution(g, d, base, file)
    return canonical(g)


def _counts(g: Graph, d: URIRef, store: Store, base: str, triples: int) -> None:
    g.add((d, VOID.triples, Literal(triples)))
    row = store.select(
        "SELECT (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties) "
        "(COUNT(DISTINCT ?o) AS ?objects) WHERE { ?s ?p ?o }")[0]
    g.add((d, VOID.distinctSubjects, Literal(int(str(row["subjects"])))))
    g.add((d, VOID.properties, Literal(int(str(row["properties"])))))
    g.add((d, VOID.distinctObjects, Literal(int(str(row["objects"])))))
    entities = store.select(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o . "
        f'FILTER(STRSTARTS(STR(?s), "{base}id/")) }}')[0]
    g.add((d, VOID.entities, Literal(int(str(entities["n"])))))
    classes = store.select(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c")
    g.add((d, VOID.classes, Literal(len(classes))))
    for row in classes:
        part = BNode()
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], row["c"]))
        g.add((part, VOID.entities, Literal(int(str(row["n"])))))


def _linksets(g: Graph, d: URIRef, store: Store) -> None:
    rows = store.select(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o . "
        f'FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{WD}")) }} GROUP BY ?p ORDER BY ?p')
    if not rows:
        return
    wikidata = URIRef(f"{d}#wikidata")
    g.add((wikidata, RDF.type, VOID.Dataset))
    g.add((wikidata, DCTERMS.title, Literal("Wikidata", lang="en")))
    g.add((wikidata, FOAF.homepage, URIRef("https://www.wikidata.org/")))
    g.add((wikidata, VOID.uriSpace, Literal(str(WD))))
    g.add((wikidata, OWL.sameAs, WD.Q2013))
    for row in rows:
        pred = URIRef(str(row["p"]))
        local = str(pred).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        linkset = URIRef(f"{d}#wikidata-{local}")
        g.add((d, VOID.subset, linkset))
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, VOID.linkPredicate, pred))
        g.add((linkset, VOID.subjectsTarget, d))
        g.add((linkset, VOID.objectsTarget, wikidata))
        g.add((linkset, VOID.target, d))
        g.add((linkset, VOID.target, wikidata))
        g.add((linkset, VOID.triples, Literal(int(str(row["n"])))))
        g.add((linkset, DCTERMS.title,
               Literal(f"Links to Wikidata by {local}", lang="en")))


def _distribution(g: Graph, d: URIRef, base: str, file: DumpFile) -> None:
    fmt = file.dump.format
    url = URIRef(base + file.dump.path)
    dist = URIRef(f"{d}#dump-{fmt.key}")
    media = URIRef(IANA + fmt.media_type)
    if fmt.key != "csv":
        g.add((d, VOID.dataDump, url))
    g.add((d, DCAT.distribution, dist))
    g.add((d, SDO.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, RDF.type, SDO.DataDownload))
    g.add((dist, DCTERMS.title, Literal(file.dump.title, lang="en")))
    g.add((dist, SDO.name, Literal(file.dump.title, lang="en")))
    g.add((dist, DCAT.downloadURL, url))
    g.add((dist, DCAT.accessURL, url))
    g.add((dist, SDO.contentUrl, url))
    g.add((dist, DCAT.mediaType, media))
    g.add((dist, DCTERMS.format, media))
    g.add((dist, SDO.encodingFormat, Literal(fmt.media_type)))
    g.add((dist, DCAT.byteSize, Literal(file.size, datatype=XSD.nonNegativeInteger)))
    g.add((dist, SDO.contentSize, Literal(f"{file.size} B")))
    g.add((dist, DCTERMS.license, LICENSE))
    checksum = BNode()
    g.add((dist, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((checksum, SPDX.checksumValue, Literal(file.sha256, datatype=XSD.hexBinary)))
