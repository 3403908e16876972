"""Documents describe their resource completely, and every format says the same thing."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, ORG, RDF, SKOS

from server import documents
from server import jsonld as jsonld_mod
from server.namespaces import MCM, SDO
from server.negotiation import JSONLD, NTRIPLES, RDFXML, TURTLE
from server.representations import DOC, Renderer
from server.serializers import serialize


@pytest.fixture(scope="module")
def renderer(app: Flask) -> Renderer:
    r: Renderer = app.extensions["mcm.renderer"]
    return r


def graph_of(renderer: Renderer, path: str) -> Graph:
    return renderer.graph(renderer.base + path)


def expand(body: bytes, base: str) -> Graph:
    """Expand a served JSON-LD document with pyld (context from the package) into a graph."""
    context = jsonld_mod.context(base)

    def loader(url: str, options: object = None) -> dict[str, object]:
        assert url == base + jsonld_mod.CONTEXT_PATH, url
        return {"contextUrl": None, "documentUrl": url, "document": context}

    nquads = jsonld.to_rdf(json.loads(body), {"format": "application/n-quads",
                                              "documentLoader": loader})
    return Graph().parse(data=nquads, format="nt") if nquads else Graph()


def test_an_organisation_document(renderer: Renderer) -> None:
    base = renderer.base
    g = graph_of(renderer, "id/org/harvard-university")
    harvard = URIRef(base + "id/org/harvard-university")
    belfer = URIRef(base + "id/org/belfer-center")
    assert (harvard, SKOS.prefLabel, Literal("Harvard University")) in g
    # The inverse link (a sub-organisation) with the label of what it links to.
    assert (belfer, ORG.subOrganizationOf, harvard) in g
    assert (belfer, SKOS.prefLabel, Literal("Belfer Center")) in g
    university = URIRef(base + "id/organisation-type/university")
    assert (university, SKOS.prefLabel, Literal("University", lang="en")) in g
    # Linked resources are labelled, not described: no classification of the type.
    assert (university, SKOS.definition, None) not in g


def test_a_person_lists_under_its_affiliation(renderer: Renderer) -> None:
    base = renderer.base
    g = graph_of(renderer, "id/org/princeton-university")
    people = set(g.subjects(SDO.affiliation, URIRef(base + "id/org/princeton-university")))
    assert URIRef(base + "id/person/anne-marie-slaughter") in people


def test_a_sector_lists_its_signatories(renderer: Renderer) -> None:
    base = renderer.base
    sector = URIRef(base + "id/sector/private-sector")
    g = graph_of(renderer, "id/sector/private-sector")
    members = set(g.subjects(MCM.sector, sector))
    expected = set(renderer.store.construct(
        f"CONSTRUCT {{ ?s <{MCM.sector}> <{sector}> }} WHERE {{ ?s <{MCM.sector}> <{sector}> }}"
    ).subjects())
    assert members == expected and len(members) > 5
    assert all(g.value(m, SKOS.prefLabel) is not None for m in members)


def test_the_manifesto_lists_its_principles_and_signatories(renderer: Renderer) -> None:
    base = renderer.base
    manifesto = URIRef(base + "id/manifesto")
    g = graph_of(renderer, "id/manifesto")
    principles = set(g.subjects(DCTERMS.isPartOf, manifesto))
    assert len(principles) == 10
    assert sorted(int(g.value(p, SDO.position)) for p in principles) == list(range(1, 11))
    assert len(set(g.subjects(MCM.signed, manifesto))) == 69
    # Too many to be useful: the 130 listings point at their source through mcm:listedIn.
    assert not set(g.subjects(MCM.listedIn, manifesto))


def test_a_signature_holds_its_listings(renderer: Renderer) -> None:
    base = renderer.base
    iri = base + "id/signature/christopher-painter"
    g = graph_of(renderer, "id/signature/christopher-painter")
    for source in ("manifesto", "announcement"):
        listing = URIRef(f"{iri}#{source}")
        assert (URIRef(iri), MCM.listing, listing) in g
        assert g.value(listing, MCM.entryText) is not None
        assert g.value(listing, MCM.listedIn) == URIRef(base + "id/" + source)


def test_a_signatory_carries_its_signature_and_how_each_source_lists_it(
    renderer: Renderer,
) -> None:
    base = renderer.base
    person = URIRef(base + "id/person/cris-thomas")
    g = graph_of(renderer, "id/person/cris-thomas")
    signature = g.value(predicate=MCM.signatory, object=person)
    assert signature == URIRef(base + "id/signature/cris-thomas")
    listed = {str(g.value(listing, MCM.nameAsListed)) for listing in g.objects(signature,
                                                                              MCM.listing)}
    assert listed == {"Cris Thomas", "Cris Thomas (Space Rogue)"}
    assert g.value(signature, MCM.capacity) == URIRef(base + "id/signing-capacity/individual")


def test_a_scheme_lists_its_concepts(renderer: Renderer) -> None:
    base = renderer.base
    scheme = URIRef(base + "id/scheme/sector")
    g = graph_of(renderer, "id/scheme/sector")
    assert len(set(g.subjects(SKOS.inScheme, scheme))) == 5


def test_the_vocabulary_and_shapes_documents_hold_their_hash_terms(renderer: Renderer) -> None:
    base = renderer.base
    vocab = graph_of(renderer, "def")
    assert (URIRef(base + "def#Signature"), RDF.type, None) in vocab
    shapes = graph_of(renderer, "shapes")
    shapes_in_data = set(renderer.pub.dataset.graphs["shapes"].subjects(RDF.type, None))
    assert {s for s in shapes_in_data if str(s).startswith(base + "shapes#")} <= set(
        shapes.subjects())
    # Blank nodes (sh:or lists) come along, and only those the shapes lead to.
    data = renderer.pub.dataset.graphs["shapes"]
    assert len([t for t in shapes if t[0].__class__.__name__ == "BNode"]) == len(
        [t for t in data if t[0].__class__.__name__ == "BNode"])


def test_unknown_iris_describe_nothing(renderer: Renderer) -> None:
    assert len(renderer.graph(renderer.base + "id/org/no-such-thing")) == 0
    assert renderer.lookup("id/org/no-such-thing") is None
    assert renderer.lookup("def/1.0.0") == renderer.base + "def"  # the version IRI


def test_the_catalogue_covers_every_subject(renderer: Renderer, app: Flask) -> None:
    base = renderer.base
    subjects = {documents.document_iri(str(s)) for g in renderer.pub.dataset.graphs.values()
                for s in g.subjects() if str(s).startswith(base)}
    assert subjects <= renderer.catalogue


def test_every_document_in_json_ld_expands_to_the_turtle_triples(renderer: Renderer) -> None:
    base = renderer.base
    checked = 0
    for iri in sorted(renderer.catalogue):
        if iri in renderer.graph_iris:
            continue  # the named graphs are checked with the dumps
        turtle = Graph().parse(data=renderer.render(iri, TURTLE.media_type), format="turtle")
        expanded = expand(renderer.render(iri, JSONLD.media_type), base)
        assert isomorphic(turtle, expanded), iri
        checked += 1
    assert checked > 150


@pytest.mark.parametrize("path", ["id/org/microsoft", "id/manifesto", "shapes", "def",
                                  "id/dataset"])
def test_every_rdf_format_says_the_same(renderer: Renderer, path: str) -> None:
    iri = renderer.base + path
    turtle = Graph().parse(data=renderer.render(iri, TURTLE.media_type), format="turtle")
    assert len(turtle) > 5
    for fmt, parser in ((NTRIPLES, "nt"), (RDFXML, "xml")):
        other = Graph().parse(data=renderer.render(iri, fmt.media_type), format=parser)
        assert isomorphic(turtle, other), (path, fmt.label)


def test_json_ld_reads_like_plain_json(renderer: Renderer) -> None:
    doc = json.loads(renderer.render(renderer.base + "id/org/microsoft", JSONLD.media_type))
    assert doc["@context"] == renderer.base + "context.jsonld"
    assert doc["@id"] == renderer.base + "id/org/microsoft"
    assert doc["name"] == "Microsoft"
    assert doc["sector"]["prefLabel"] == "Private sector"  # nested, labelled
    assert doc["signatures"]["@id"] == renderer.base + "id/signature/microsoft"  # inverse
    assert "@graph" not in doc


def test_rendering_is_deterministic_across_fresh_renderers(renderer: Renderer) -> None:
    fresh = Renderer(renderer.pub)
    for path in ("shapes", "id/org/microsoft", "id/dataset"):
        for fmt in (TURTLE, JSONLD, NTRIPLES, RDFXML):
            iri = renderer.base + path
            first = renderer.get(DOC, iri, fmt, renderer.base)
            assert fresh.get(DOC, iri, fmt, renderer.base).etag == first.etag, (path, fmt)


def test_serialize_refuses_quad_formats() -> None:
    from server.negotiation import TRIG

    with pytest.raises(ValueError):
        serialize(Graph(), TRIG)
