"""The data is faithful to its two sources: counts, exact quotations, links, provenance."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, OWL, RDF, SKOS

from server.dataset import Dataset
from server.namespaces import MCM, ORG, SDO
from server.validation import validate

ROOT = Path(__file__).resolve().parent.parent
MANIFESTO_TXT = (ROOT / "sources" / "manifesto.txt").read_text(encoding="utf-8")
ANNOUNCEMENT_TXT = (ROOT / "sources" / "announcement.txt").read_text(encoding="utf-8")
ID = "https://w3id.org/cybercrime-manifesto/id/"
MANIFESTO = URIRef(ID + "manifesto")
ANNOUNCEMENT = URIRef(ID + "announcement")


@pytest.fixture(scope="module")
def g(data: Dataset) -> Graph:
    return data.graphs["data"]


def signatories(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects(MCM.signed, MANIFESTO) if isinstance(s, URIRef)}


def listed_in(g: Graph, source: URIRef) -> set[URIRef]:
    out = set()
    for listing in g.subjects(MCM.listedIn, source):
        signature = g.value(predicate=MCM.listing, object=listing)
        out.add(g.value(signature, MCM.signatory))
    return out


def test_the_data_conforms_to_the_shapes(data: Dataset) -> None:
    report = validate(data)
    assert report.conforms, report.text()
    assert not report.violations


def test_69_signatories_59_organisations_and_10_people(g: Graph) -> None:
    agents = signatories(g)
    kinds = Counter("org" if (a, RDF.type, ORG.Organization) in g else
                    "person" if (a, RDF.type, FOAF.Person) in g else "?" for a in agents)
    assert len(agents) == 69
    assert kinds == {"org": 59, "person": 10}


def test_56_in_the_manifesto_69_in_the_announcement_13_only_there(g: Graph) -> None:
    in_manifesto = listed_in(g, MANIFESTO)
    in_announcement = listed_in(g, ANNOUNCEMENT)
    assert len(in_manifesto) == 56
    assert len(in_announcement) == 69
    assert in_manifesto <= in_announcement
    assert len(in_announcement - in_manifesto) == 13


def test_each_source_entry_is_one_listing(g: Graph) -> None:
    """Every bullet of the announcement and every entry of the manifesto list is quoted once."""
    bullets = [line.split("•", 1)[1].strip() for line in ANNOUNCEMENT_TXT.splitlines()
               if "•" in line]
    quoted = sorted(str(g.value(listing, MCM.entryText))
                    for listing in g.subjects(MCM.listedIn, ANNOUNCEMENT))
    assert quoted == sorted(bullets)

    section = MANIFESTO_TXT.split("Signatories:", 1)[1].split("Featured Publications")[0]
    flowing = " ".join(line.strip() for line in section.splitlines() if line.strip())
    manifesto_entries = [str(g.value(listing, MCM.entryText))
                         for listing in g.subjects(MCM.listedIn, MANIFESTO)]
    assert len(manifesto_entries) == 56
    for entry in manifesto_entries:
        assert entry in flowing, entry
    # Together the entries use every line of the list exactly once.
    assert sum(len(e) for e in manifesto_entries) + len(manifesto_entries) - 1 == len(flowing)


def test_names_as_listed_keep_the_source_spelling(g: Graph) -> None:
    listed = {str(o) for o in g.objects(None, MCM.nameAsListed)}
    assert "Swiss Digital Initative" in listed  # the typo, as found
    assert "Internet Sans Frontieres" in listed
    prefs = {str(o) for o in g.objects(None, SKOS.prefLabel)}
    assert "Swiss Digital Initiative" in prefs  # corrected
    assert "Swiss Digital Initative" not in prefs


def test_ten_principles_quoted_exactly_six_on_content_four_on_process(g: Graph) -> None:
    principles = list(g.subjects(RDF.type, MCM.Principle))
    assert len(principles) == 10
    positions = sorted(int(g.value(p, SDO.position)) for p in principles)  # type: ignore[arg-type]
    assert positions == list(range(1, 11))
    groups = Counter(str(g.value(p, MCM.principleGroup)).rsplit("/", 1)[1] for p in principles)
    assert groups == {"treaty-content": 6, "negotiating-process": 4}
    for p in principles:
        title = str(g.value(p, URIRef("http://purl.org/dc/terms/title")))
        text = str(g.value(p, SDO.text))
        assert text in MANIFESTO_TXT.splitlines() or text in MANIFESTO_TXT, title
        assert text[0].isupper() and text.endswith(".")
        assert title.split()[0] in MANIFESTO_TXT
    # The heading that runs into its paragraph is whole, and the paragraph does not repeat it.
    p2 = URIRef(ID + "principle/effectively-combat-cybercrime")
    assert str(g.value(p2, URIRef("http://purl.org/dc/terms/title"))) == (
        "Effectively Combat Cybercrime By Enforcing International Cooperation")
    assert str(g.value(p2, SDO.text)).startswith("The primary purpose")
    by_position = {int(g.value(p, SDO.position)): p for p in principles}  # type: ignore[arg-type]
    assert [by_position[i] for i in (1, 7)] == [
        URIRef(ID + "principle/protect-victims"),
        URIRef(ID + "principle/pursue-a-systematic-multistakeholder-approach"),
    ]


def test_the_manifesto_document(g: Graph) -> None:
    initiators = {str(g.value(o, SKOS.prefLabel)) for o in g.objects(MANIFESTO, MCM.initiatedBy)}
    assert initiators == {"Cybersecurity Tech Accord", "CyberPeace Institute"}
    assert g.value(MANIFESTO, URIRef("http://purl.org/dc/terms/issued")) == Literal(
        "2021", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))
    process = g.value(MANIFESTO, MCM.addresses)
    resolution = g.value(process, MCM.establishedBy)
    assert str(g.value(resolution, URIRef("http://purl.org/dc/terms/identifier"))) == "A/RES/74/247"
    preamble = str(g.value(MANIFESTO, SDO.text))
    assert preamble == MANIFESTO_TXT.splitlines()[0]


def test_parents_where_the_name_says_so(g: Graph) -> None:
    def parent(slug: str) -> str:
        return str(g.value(g.value(URIRef(ID + "org/" + slug), ORG.subOrganizationOf),
                           SKOS.prefLabel))

    assert parent("cyber-governance-and-policy-center") == "University of Oklahoma"
    assert parent("tech-policy-design-centre") == "Australian National University"
    assert parent("belfer-center-cyber-project") == "Belfer Center"
    assert parent("ostrom-workshop-cybersecurity-program") == "Indiana University"
    assert parent("cippic") == "University of Ottawa"


def test_people_with_role_and_affiliation(g: Graph) -> None:
    cerf = URIRef(ID + "person/vinton-cerf")
    assert str(g.value(g.value(cerf, SDO.affiliation), SKOS.prefLabel)) == "Google"
    katie = URIRef(ID + "person/katie-moussouris")
    luta = g.value(katie, SDO.affiliation)
    assert luta == URIRef(ID + "org/luta-security") and (luta, MCM.signed, MANIFESTO) in g
    painter_signature = URIRef(ID + "signature/christopher-painter")
    assert str(g.value(painter_signature, MCM.capacityStatement)) == "signing in personal capacity"
    assert "signing in personal capacity" in MANIFESTO_TXT
    for person in g.subjects(RDF.type, FOAF.Person):
        assert (person, MCM.sector, URIRef(ID + "sector/individual-experts")) in g


def test_every_wikidata_link_is_a_verified_one(g: Graph) -> None:
    """No identifier from memory: each owl:sameAs is in the verified list, for that subject."""
    with (ROOT / "data" / "wikidata" / "verified.csv").open(encoding="utf-8") as handle:
        verified = {row["wikidata"]: row for row in csv.DictReader(handle)}
    links = list(g.subject_objects(OWL.sameAs))
    assert links, "the verified links are published"
    for subject, item in links:
        qid = str(item).rsplit("/", 1)[1]
        assert qid in verified, f"{subject} links {qid}, which is not verified"
        ours = str(g.value(subject, SKOS.prefLabel))
        assert verified[qid]["subject"] == ours, (qid, ours)
        ror = verified[qid]["ror"]
        assert (str(g.value(subject, MCM.ror) or "")) == ror, subject


def test_concepts_map_only_to_verified_wikidata_classes(g: Graph) -> None:
    with (ROOT / "data" / "wikidata" / "classes.csv").open(encoding="utf-8") as handle:
        classes = {row["wikidata"]: row for row in csv.DictReader(handle)}
    for rel in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch):
        for concept, item in g.subject_objects(rel):
            qid = str(item).rsplit("/", 1)[1]
            assert qid in classes, (concept, qid)
            if rel == SKOS.exactMatch:
                assert classes[qid]["confidence"] == "high", (concept, qid)
                assert "closeMatch at most" not in classes[qid]["note"]


def test_iris_are_readable_permanent_slugs(g: Graph) -> None:
    pattern = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
    for term in set(g.subjects()) | set(g.objects()):
        if isinstance(term, URIRef) and str(term).startswith(ID):
            path = str(term)[len(ID):].split("#", 1)[0]
            for segment in path.split("/"):
                assert pattern.match(segment), term
            assert not re.search(r"\.(ttl|jsonld|rdf|nt|html)$", path), term


def test_sectors_are_the_multistakeholder_groups(g: Graph) -> None:
    scheme = URIRef(ID + "scheme/sector")
    labels = {str(g.value(c, SKOS.prefLabel)) for c in g.subjects(SKOS.inScheme, scheme)}
    assert labels == {"Private sector", "Civil society", "Academia and research",
                      "Technical community", "Individual experts"}
    counts = Counter(str(o).rsplit("/", 1)[1] for o in g.objects(None, MCM.sector))
    assert sum(counts.values()) == 69
    assert counts["individual-experts"] == 10
