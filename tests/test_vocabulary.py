"""The contract between data and vocabulary: every term used is defined, every term documented."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from server.dataset import Dataset
from server.namespaces import EXTERNAL_VOCABULARIES, MCM, VANN

ONTOLOGY = URIRef("https://w3id.org/cybercrime-manifesto/def")


def used_terms(g: Graph) -> set[URIRef]:
    terms = {p for p in g.predicates() if isinstance(p, URIRef)}
    terms |= {c for c in g.objects(None, RDF.type) if isinstance(c, URIRef)}
    return terms


def test_every_term_used_in_data_is_defined(data: Dataset) -> None:
    vocabulary = data.graphs["vocabulary"]
    for term in used_terms(data.graphs["data"]):
        if term.startswith(str(MCM)):
            assert (term, RDF.type, None) in vocabulary, f"{term} is not defined in ontology/"
        else:
            # rdflib terms override startswith() and take no tuple
            assert str(term).startswith(EXTERNAL_VOCABULARIES), f"{term}: no listed vocabulary"


def test_every_vocabulary_term_is_documented(data: Dataset) -> None:
    g = data.graphs["vocabulary"]
    terms = [t for t in g.subjects(RDF.type, None)
             if isinstance(t, URIRef) and t.startswith(str(MCM))]
    assert len(terms) >= 10
    for term in terms:
        label, definition = g.value(term, RDFS.label), g.value(term, SKOS.definition)
        assert isinstance(label, Literal) and label.language == "en", term
        assert isinstance(definition, Literal) and definition.language == "en", term
        assert g.value(term, RDFS.isDefinedBy) == ONTOLOGY, term


def test_every_vocabulary_term_is_used_or_documented_as_reusable(data: Dataset) -> None:
    vocabulary, used = data.graphs["vocabulary"], used_terms(data.graphs["data"])
    defined = {t for t in vocabulary.subjects(RDFS.isDefinedBy, ONTOLOGY)}
    assert defined <= used, f"defined but never used: {sorted(defined - used)}"


def test_ontology_header(data: Dataset) -> None:
    g = data.graphs["vocabulary"]
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in g
    for prop in (DCTERMS.title, DCTERMS.description):
        value = g.value(ONTOLOGY, prop)
        assert isinstance(value, Literal) and value.language == "en", prop
    assert isinstance(g.value(ONTOLOGY, DCTERMS.license), URIRef)
    assert isinstance(g.value(ONTOLOGY, OWL.versionIRI), URIRef)
    for prop in (DCTERMS.created, DCTERMS.modified):
        value = g.value(ONTOLOGY, prop)
        assert isinstance(value, Literal) and value.datatype == XSD.date, prop
    assert str(g.value(ONTOLOGY, VANN.preferredNamespacePrefix)) == "mcm"


def test_human_text_is_language_tagged(data: Dataset) -> None:
    for name in ("vocabulary", "data"):
        g = data.graphs[name]
        for prop in (RDFS.label, RDFS.comment, SKOS.definition, DCTERMS.title,
                     DCTERMS.description):
            for value in g.objects(None, prop):
                if isinstance(value, Literal):
                    assert value.language, (name, prop, value)
