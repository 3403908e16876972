"""The published links: the committed snapshot and facts graph, SSSOM, the reverse lookup."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV

from server.dataset import Dataset
from server.linking import snapshot as snap
from server.linking.agents import agents, qid
from server.namespaces import WD
from server.rdfio import canonical_turtle

from .conftest import ROOT


def _links(graph: Graph) -> dict[str, str]:
    """Our IRI -> QID for every owl:sameAs to a Wikidata item."""
    return {str(s): q for s, o in graph.subject_objects(OWL.sameAs) if (q := qid(str(o)))}


def test_every_link_in_the_data_has_verified_evidence(data: Dataset) -> None:
    """A wrong link is worse than none: no owl:sameAs to Wikidata without a verified row."""
    verified = snap.read_verified(ROOT / snap.VERIFIED)
    links = _links(data.graphs["data"])
    assert links, "the data has Wikidata links"
    missing = {iri: q for iri, q in links.items() if q not in verified}
    assert not missing, f"links without evidence in verified.csv: {missing}"


def test_committed_snapshot_is_up_to_date_with_the_data(data: Dataset) -> None:
    committed = snap.load(ROOT / snap.SNAPSHOT)
    seeded, problems = snap.seed(agents(data.graphs["data"]),
                                 snap.read_verified(ROOT / snap.VERIFIED), committed)
    assert problems == []
    assert seeded.to_json() == committed.to_json(), "run `python -m server link snapshot`"
    assert {link.subject: link.wikidata for link in committed.links} == _links(
        data.graphs["data"])
    for link in committed.links:
        assert link.confidence in ("high", "medium") and link.how_verified


def test_snapshot_holds_no_fact_that_was_not_recorded_at_an_endpoint() -> None:
    committed = snap.load(ROOT / snap.SNAPSHOT)
    if committed.endpoint is None:
        assert all(link.facts is None and link.status is None for link in committed.links)
    else:
        assert committed.checked and all(link.status for link in committed.links)


def test_facts_file_is_generated_from_the_snapshot() -> None:
    expected = canonical_turtle(snap.facts_graph(snap.load(ROOT / snap.SNAPSHOT)))
    assert (ROOT / snap.FACTS).read_text(encoding="utf-8") == expected


def test_facts_are_their_own_named_graph(data: Dataset) -> None:
    facts = data.graphs["wikidata"]
    graph_iri = URIRef(str(data.graph_iri("wikidata")))
    assert (graph_iri, PROV.wasDerivedFrom, URIRef("https://www.wikidata.org/")) in facts
    assert (graph_iri, DCTERMS.license, None) in facts
    # the facts graph describes Wikidata items only; our entities stay in graph/data
    for s in set(facts.subjects()):
        assert s == graph_iri or str(s).startswith(str(WD)), s
    assert not list(facts.triples((None, OWL.sameAs, None)))
    assert not [s for s in data.graphs["data"].subjects() if str(s).startswith(str(WD))]


def test_sssom_mapping_set(client: FlaskClient, data: Dataset) -> None:
    response = client.get("/linksets/wikidata.sssom.tsv")
    assert response.status_code == 200
    assert response.mimetype == "text/tab-separated-values"
    text = response.get_data(as_text=True)
    header = [line[2:] for line in text.splitlines() if line.startswith("#")]
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    meta = {line.split(":", 1)[0]: line.split(":", 1)[1].strip()
            for line in header if not line.startswith(" ")}
    prefixes = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip()
                for line in header if line.startswith("  ")}
    for key in ("curie_map", "mapping_set_id", "license", "mapping_set_version"):
        assert key in meta
    assert meta["mapping_set_id"].endswith("/linksets/wikidata.sssom.tsv")
    assert meta["mapping_set_version"] == data.version
    rows = list(csv.DictReader(io.StringIO(body), delimiter="\t"))
    expected = _links(data.graphs["data"])
    assert len(rows) == len(expected)
    for row in rows:
        for column in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
            prefix = row[column].split(":", 1)[0]
            assert prefix in prefixes, f"{column} {row[column]} uses an undeclared prefix"
        subject = prefixes["mcmid"] + row["subject_id"].split(":", 1)[1]
        assert expected[subject] == row["object_id"].split(":", 1)[1]
        assert row["predicate_id"] == "owl:sameAs"
        assert row["mapping_justification"] == "semapv:ManualMappingCuration"
        assert row["comment"].startswith("confidence ")


@pytest.mark.parametrize("item", ["Q2283", "q2283"])
def test_reverse_lookup_redirects_to_our_iri(client: FlaskClient, item: str) -> None:
    response = client.get(f"/wikidata/{item}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/id/org/microsoft")


def test_reverse_lookup_of_a_parent(client: FlaskClient) -> None:
    response = client.get("/wikidata/Q95")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/id/org/google")


@pytest.mark.parametrize(("item", "status"), [
    ("Q1", 404), ("Q99999999999", 404), ("P31", 400), ("Q0", 400), ("Q2283x", 400),
    ("abc", 400), ("Q" + "9" * 40, 400), ("..%2F..%2Fetc", 400),
])
def test_reverse_lookup_rejects_what_it_cannot_answer(client: FlaskClient, item: str,
                                                       status: int) -> None:
    response = client.get(f"/wikidata/{item}")
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
