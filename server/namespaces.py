"""The IRIs the dataset is built on, and the prefixes every serialization uses."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

# The base the committed files are written against. The served base is configurable
# (config.BASE_IRI); rdfio.rebase() maps one to the other on load.
FILE_BASE = "https://w3id.org/cybercrime-manifesto/"

MCM = Namespace(FILE_BASE + "def#")
ORG = Namespace("http://www.w3.org/ns/org#")
SDO = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
SH = Namespace("http://www.w3.org/ns/shacl#")
VANN = Namespace("http://purl.org/vocab/vann/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

PREFIXES: dict[str, str] = {
    "mcm": str(MCM),
    "org": str(ORG),
    "schema": str(SDO),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "wd": str(WD),
    "sh": str(SH),
    "void": str(VOID),
    "dcat": str(DCAT),
    "vann": str(VANN),
    "sd": str(SD),
}

# External vocabularies whose terms the data may use without defining them.
EXTERNAL_VOCABULARIES = (
    str(ORG), str(SDO), str(SKOS), str(DCTERMS), str(FOAF), str(PROV), str(OWL), str(RDF),
    str(RDFS), str(XSD), str(VANN), str(DCAT), str(VOID), str(SH),
)
