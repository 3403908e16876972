"""The SPARQL 1.1 Service Description of the endpoint, as an rdflib graph.

It says where the endpoint is (sd:endpoint is the URL the client used), what it speaks,
which result formats it writes, what its default dataset is (the default graph is the union
of the named graphs, with their sizes) and its limits; the example queries are linked as
sh:SPARQLExecutable resources, as SIB and UniProt publish theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SH, VOID, XSD

from .dataset import Dataset
from .namespaces import SD, SDO
from .sparql_examples import Example
from .sparql_formats import FORMATS

ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")
# SHACL-AF has executables for SELECT, ASK and CONSTRUCT (none for DESCRIBE).
_EXECUTABLE = {"SELECT": SH.SPARQLSelectExecutable, "ASK": SH.SPARQLAskExecutable,
               "CONSTRUCT": SH.SPARQLConstructExecutable}
_QUERY_PROPERTY = {"SELECT": SH.select, "ASK": SH.ask, "CONSTRUCT": SH.construct}


def limits_text(config: Mapping[str, Any]) -> str:
    """The endpoint's limits and policies in one paragraph (also shown on the query page)."""
    allow = tuple(config.get("SPARQL_SERVICE_ALLOWLIST") or ())
    service = ("SERVICE may call only " + ", ".join(allow) if allow
               else "SERVICE (federated query) is refused")
    return (f"Read-only: updates are refused. Queries stop after {config['SPARQL_TIMEOUT']:g} s; "
            f"results are cut at {config['SPARQL_MAX_ROWS']} rows or triples (the response "
            f"then has the header SPARQL-Results-Truncated: true); queries are at most "
            f"{config['SPARQL_MAX_QUERY_LENGTH']} characters and request bodies at most "
            f"{config['SPARQL_MAX_BODY']} bytes. {service}.")


DEFAULT_GRAPH_TEXT = (
    "The default graph is the union (an RDF merge) of the named graphs; GRAPH sees each named "
    "graph. A query's FROM / FROM NAMED, or the protocol's default-graph-uri / "
    "named-graph-uri, replace that dataset with the graphs they name.")


def description(endpoint: str, dataset: Dataset, config: Mapping[str, Any],
                examples: Iterable[Example], example_url: str) -> Graph:
    """The service description for the endpoint at `endpoint` (an absolute URL).

    example_url is a format string with {slug}: where each example's text is served.
    """
    g = Graph()
    for prefix, ns in (("sd", SD), ("void", VOID), ("dct", DCTERMS), ("sh", SH),
                       ("schema", SDO), ("formats", Namespace("http://www.w3.org/ns/formats/")),
                       ("ent", ENTAILMENT)):
        g.bind(prefix, ns)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, DCTERMS.title,
           Literal("SPARQL endpoint of the Multistakeholder Manifesto on Cybercrime", lang="en")))
    g.add((service, RDFS.comment, Literal(DEFAULT_GRAPH_TEXT + " " + limits_text(config),
                                          lang="en")))
    for fmt in FORMATS:
        if fmt.iri:
            g.add((service, SD.resultFormat, URIRef(fmt.iri)))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if config.get("SPARQL_SERVICE_ALLOWLIST"):
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))

    data = URIRef(endpoint + "#dataset")
    g.add((service, SD.defaultDataset, data))
    g.add((data, RDF.type, SD.Dataset))
    g.add((data, RDF.type, VOID.Dataset))
    g.add((data, VOID.sparqlEndpoint, service))
    g.add((data, DCTERMS.hasVersion, Literal(dataset.version)))
    default = URIRef(endpoint + "#default-graph")
    g.add((data, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, RDFS.comment, Literal(DEFAULT_GRAPH_TEXT, lang="en")))
    g.add((default, VOID.triples, Literal(len(dataset.union()), datatype=XSD.integer)))
    for name, graph in dataset.graphs.items():
        named = URIRef(f"{endpoint}#graph-{name}")
        described = BNode()
        g.add((data, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, dataset.graph_iri(name)))
        g.add((named, SD.graph, described))
        g.add((described, RDF.type, SD.Graph))
        g.add((described, VOID.triples, Literal(len(graph), datatype=XSD.integer)))

    for example in examples:
        node = URIRef(example_url.format(slug=example.slug))
        g.add((service, RDFS.seeAlso, node))
        g.add((node, RDF.type, SH.SPARQLExecutable))
        if example.form in _EXECUTABLE:
            g.add((node, RDF.type, _EXECUTABLE[example.form]))
            g.add((node, _QUERY_PROPERTY[example.form], Literal(example.text)))
        g.add((node, RDFS.label, Literal(example.title, lang="en")))
        if example.description:
            g.add((node, RDFS.comment, Literal(example.description, lang="en")))
        g.add((node, SDO.target, service))
    return g
