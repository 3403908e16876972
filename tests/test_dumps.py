"""Dumps, checksums and the VoID/DCAT description."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, VOID

from server import dataset as dataset_mod
from server import jsonld as jsonld_mod
from server.dataset import Dataset
from server.dumps import DUMPS
from server.store import to_rdflib
from server.void import SPDX

ORIGIN = "http://localhost/"
RDF_PARSERS = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}


@pytest.fixture(scope="module")
def data() -> Dataset:
    """The repository's data freshly parsed: the session fixture is shared with tests that
    may add to it, and the dumps must match the files, not someone's edits."""
    return dataset_mod.load(Path(__file__).resolve().parent.parent)


@pytest.fixture(scope="module")
def module_client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def void(module_client: FlaskClient) -> Graph:
    client = module_client
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return Graph().parse(data=response.data, format="turtle")


@pytest.fixture(scope="module")
def downloads(module_client: FlaskClient) -> dict[str, bytes]:
    client = module_client
    out = {}
    for dump in DUMPS:
        response = client.get("/" + dump.path)
        assert response.status_code == 200, dump.name
        assert response.headers["Content-Type"].split(";")[0] == dump.format.media_type
        out[dump.name] = response.data
    return out


def expected_union(data: Dataset) -> Graph:
    union = Graph()
    for graph in data.graphs.values():
        union += graph
    return _rebased(union)


def _rebased(graph: Graph) -> Graph:
    """The graph as a server at ORIGIN serves it: the base rewritten in IRIs and in the
    literals that spell it out (vann:preferredNamespaceUri), so they stay true there."""
    from server.rdfio import rebase

    canonical = "https://w3id.org/cybercrime-manifesto/"
    out = Graph()
    for s, p, o in rebase(graph, canonical, ORIGIN):
        if isinstance(o, Literal) and canonical in o:
            o = Literal(str(o).replace(canonical, ORIGIN), lang=o.language, datatype=o.datatype)
        out.add((s, p, o))
    return out


def test_every_triple_dump_holds_the_whole_dataset(downloads: dict[str, bytes],
                                                   data: Dataset) -> None:
    expected = expected_union(data)
    for dump in DUMPS:
        parser = RDF_PARSERS.get(dump.format.key)
        if parser is None:
            continue
        body = downloads[dump.name]
        if parser == "json-ld":
            graph = expand_jsonld(body)
        else:
            graph = Graph().parse(data=body, format=parser)
        assert isomorphic(graph, expected), dump.name


def expand_jsonld(body: bytes) -> Graph:
    context = jsonld_mod.context(ORIGIN)

    def loader(url: str, options: object = None) -> dict[str, object]:
        assert url == ORIGIN + "context.jsonld"
        return {"contextUrl": None, "documentUrl": url, "document": context}

    nquads = jsonld.to_rdf(json.loads(body), {"format": "application/n-quads",
                                              "documentLoader": loader})
    return Graph().parse(data=nquads, format="nt")


@pytest.mark.parametrize("name", ["cybercrime-manifesto.nq", "cybercrime-manifesto.trig"])
def test_quad_dumps_keep_the_named_graphs(downloads: dict[str, bytes], data: Dataset,
                                          name: str) -> None:
    fmt = ox.RdfFormat.N_QUADS if name.endswith(".nq") else ox.RdfFormat.TRIG
    parsed: dict[str, Graph] = {}
    for quad in ox.parse(downloads[name], format=fmt):
        graph = parsed.setdefault(str(quad.graph_name.value), Graph())
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    assert set(parsed) == {ORIGIN + "graph/" + n for n in data.graphs}
    for graph_name, graph in data.graphs.items():
        assert isomorphic(parsed[ORIGIN + "graph/" + graph_name], _rebased(graph)), graph_name


def test_the_csv_has_one_row_per_signatory(downloads: dict[str, bytes], data: Dataset) -> None:
    rows = list(csv.DictReader(io.StringIO(downloads["signatories.csv"].decode())))
    from server.namespaces import MCM

    signatories = set(data.graphs["data"].subjects(MCM.signed, None))
    assert len(rows) == len(signatories) == 69
    by_iri = {r["iri"]: r for r in rows}
    microsoft = by_iri[ORIGIN + "id/org/microsoft"]
    assert microsoft["name"] == "Microsoft"
    assert microsoft["sector"] == "Private sector"
    assert microsoft["wikidata"] == "http://www.wikidata.org/entity/Q2283"
    person = by_iri[ORIGIN + "id/person/anne-marie-slaughter"]
    assert person["kind"] == "person" and person["affiliation"] == "Princeton University"


def test_checksums_match_the_downloads(client: FlaskClient, downloads: dict[str, bytes],
                                       void: Graph) -> None:
    sums = client.get("/dumps/SHA256SUMS").data.decode().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in sums)
    assert set(listed) == set(downloads)
    for name, body in downloads.items():
        assert listed[name] == hashlib.sha256(body).hexdigest()
    # The VoID/DCAT description states the same checksums and sizes.
    for dist in void.objects(None, DCAT.distribution):
        url = str(void.value(dist, DCAT.downloadURL))
        name = url.rsplit("/", 1)[-1]
        checksum = void.value(void.value(dist, SPDX.checksum), SPDX.checksumValue)
        assert str(checksum) == listed[name]
        assert int(void.value(dist, DCAT.byteSize)) == len(downloads[name])


def test_the_void_description(void: Graph, data: Dataset) -> None:
    d = URIRef(ORIGIN + "id/dataset")
    assert {VOID.Dataset, DCAT.Dataset, URIRef("https://schema.org/Dataset")} <= set(
        void.objects(d, RDF.type))
    assert void.value(d, VOID.sparqlEndpoint) == URIRef(ORIGIN + "sparql")
    assert void.value(d, DCTERMS.conformsTo) == URIRef(ORIGIN + "shapes")
    assert void.value(d, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    assert str(void.value(d, DCTERMS.modified)) == "2026-11-23"
    assert int(void.value(d, VOID.triples)) == len(data)
    dumps = {str(u) for u in void.objects(d, VOID.dataDump)}
    assert dumps == {ORIGIN + dump.path for dump in DUMPS if dump.format.key != "csv"}
    # One linkset per predicate that links to Wikidata, with its count.
    sameas = sum(1 for _, _, o in data.graphs["data"].triples((None, OWL.sameAs, None))
                 if str(o).startswith("http://www.wikidata.org/entity/"))
    linksets = {void.value(ls, VOID.linkPredicate): int(void.value(ls, VOID.triples))
                for ls in void.subjects(RDF.type, VOID.Linkset)}
    assert linksets[OWL.sameAs] == sameas > 10
    media = {str(void.value(dist, DCAT.mediaType)) for dist in void.objects(d, DCAT.distribution)}
    assert "https://www.iana.org/assignments/media-types/text/turtle" in media


def test_dumps_and_documents_are_the_same_bytes_in_every_process(
        downloads: dict[str, bytes], client: FlaskClient) -> None:
    # ETags and published checksums only hold if every worker renders identical bytes,
    # whatever its hash seed (blank nodes, set order).
    shapes = client.get("/shapes.ttl").data
    script = (
        "import hashlib, sys\n"
        "from server import create_app\n"
        "c = create_app({'TESTING': True}).test_client()\n"
        "for path in sys.argv[1:]:\n"
        "    print(hashlib.sha256(c.get(path).data).hexdigest())\n"
    )
    paths = ["/dumps/cybercrime-manifesto.trig", "/dumps/cybercrime-manifesto.rdf",
             "/shapes.ttl", "/shapes.jsonld"]
    outputs = set()
    for seed in ("1", "2"):
        result = subprocess.run([sys.executable, "-c", script, *paths], capture_output=True,
                                text=True, env={"PYTHONHASHSEED": seed, "PATH": ""},
                                check=True, timeout=120)
        outputs.add(result.stdout)
    assert len(outputs) == 1
    first = outputs.pop().split()
    assert first[0] == hashlib.sha256(downloads["cybercrime-manifesto.trig"]).hexdigest()
    assert first[2] == hashlib.sha256(shapes).hexdigest()


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(value: str) -> None:
    from server.dumps import _cell

    assert _cell(value) == "'" + value
    assert _cell("Microsoft") == "Microsoft"
