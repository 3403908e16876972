"""Reconciliation: noisy names against the real data, the API's documents, OpenRefine's calls.

The Reconciliation API's JSON schemas are not published in a package registry, so the
schemas below restate the fields the 0.2 specification documents (required members, the
{{id}} templates, result and extension shapes) and jsonschema checks our answers with them.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient

from server.dataset import Dataset
from server.linking.agents import agents
from server.linking.names import acronym, normalise
from server.reconcile_index import Index

ID_TEMPLATE = {"type": "string", "pattern": r".*\{\{id\}\}.*"}
SERVICE = {"type": "object", "properties": {"service_url": {"type": "string"},
                                            "service_path": {"type": "string"}},
           "required": ["service_url", "service_path"]}
TYPE = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
        "required": ["id", "name"]}
MANIFEST = {
    "type": "object",
    "required": ["versions", "name", "identifierSpace", "schemaSpace"],
    "properties": {
        "versions": {"type": "array", "items": {"type": "string"}, "contains": {"const": "0.2"}},
        "name": {"type": "string", "minLength": 1},
        "identifierSpace": {"type": "string", "format": "uri"},
        "schemaSpace": {"type": "string", "format": "uri"},
        "defaultTypes": {"type": "array", "items": TYPE, "uniqueItems": True},
        "view": {"type": "object", "properties": {"url": ID_TEMPLATE}, "required": ["url"]},
        "preview": {"type": "object", "required": ["url", "width", "height"],
                    "properties": {"url": ID_TEMPLATE, "width": {"type": "integer"},
                                   "height": {"type": "integer"}}},
        "suggest": {"type": "object", "properties": {"entity": SERVICE, "type": SERVICE,
                                                     "property": SERVICE}},
        "extend": {"type": "object", "properties": {
            "propose_properties": SERVICE,
            "property_settings": {"type": "array"}}},
    },
}
RESULTS = {
    "type": "object",
    "additionalProperties": {
        "type": "object", "required": ["result"],
        "properties": {"result": {"type": "array", "items": {
            "type": "object", "required": ["id", "name", "score"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                           "score": {"type": "number"}, "match": {"type": "boolean"},
                           "description": {"type": "string"},
                           "type": {"type": "array", "items": TYPE}}}}}},
}
CELL = {"oneOf": [
    {"type": "object", "required": ["id", "name"], "additionalProperties": False,
     "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
    {"type": "object", "required": ["str"], "additionalProperties": False,
     "properties": {"str": {"type": "string"}}},
]}
EXTENSION = {
    "type": "object", "required": ["meta", "rows"],
    "properties": {
        "meta": {"type": "array", "items": TYPE},
        "rows": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": {"type": "array", "items": CELL}}},
    },
}
SUGGEST = {"type": "object", "required": ["result"], "properties": {"result": {
    "type": "array", "items": TYPE}}}

# (a name as real lists write it, the entity it must find first; None: no sure match)
NOISY = [
    ("MICROSOFT CORPORATION", "org/microsoft"),
    ("Microsoft Corp.", "org/microsoft"),
    ("microsoft", "org/microsoft"),
    ("G Data CyberDefense", "org/g-data-cyberdefense"),
    ("Fundacao Getulio Vargas", "org/fundacao-getulio-vargas"),
    ("Fundacion Karisma", "org/fundacion-karisma"),
    ("internet sans frontieres", "org/internet-sans-frontieres"),
    ("The Centre for Internet & Society", "org/centre-for-internet-and-society"),
    ("Center for Internet and Society", "org/centre-for-internet-and-society"),
    ("CDT", "org/center-for-democracy-and-technology"),
    ("C.D.T.", "org/center-for-democracy-and-technology"),
    ("ISHR", "org/international-service-for-human-rights"),
    ("SNV", "org/stiftung-neue-verantwortung"),
    ("CyAN", "org/cybersecurity-advisors-network"),
    ("Centre for Democracy & Technology", "org/center-for-democracy-and-technology"),
    ("Cybersecurity Tech Acord", "org/cybersecurity-tech-accord"),
    ("Cyber Peace Institute", "org/cyberpeace-institute"),
    ("Cyber Governance and Policy Center, University of Oklahoma",
     "org/cyber-governance-and-policy-center"),
    ("Ostrom Workshop, Indiana University", "org/ostrom-workshop-cybersecurity-program"),
    ("Cyber Project, Belfer Center, Harvard", "org/belfer-center-cyber-project"),
    ("Tech Policy Design Centre, ANU", "org/tech-policy-design-centre"),
    ("Hitachi Ltd.", "org/hitachi"),
    ("SAP SE", "org/sap"),
    ("F-Secure Oyj", "org/f-secure"),
    ("Rapid7, Inc.", "org/rapid7"),
    ("ESET, spol. s r.o.", "org/eset"),
    ("Stiftung Neue Verantwortung e.V.", "org/stiftung-neue-verantwortung"),
    ("Wisekey International", "org/wisekey"),
    ("Vint Cerf", "person/vinton-cerf"),
    ("Cerf, Vinton", "person/vinton-cerf"),
    ("Katie Mousouris", "person/katie-moussouris"),
    ("Anne Marie Slaughter", "person/anne-marie-slaughter"),
    ("Packet Clearing House (PCH)", "org/packet-clearing-house"),
    ("Web Foundation", "org/world-wide-web-foundation"),
    ("Arab Center for Social Media Advancement", "org/7amleh"),
    ("Forum of Incident Response and Security Teams", "org/first"),
    ("Global Cyber Alliance", None),
    ("Center", None),
]
# Names that must be taken as sure matches (match: true), not only ranked first.
SURE = {"MICROSOFT CORPORATION", "CDT", "ISHR", "SNV", "CyAN", "Cybersecurity Tech Acord",
        "Cyber Governance and Policy Center, University of Oklahoma", "SAP SE", "Vint Cerf"}


@pytest.fixture(scope="module")
def index(data: Dataset) -> Index:
    return Index(agents(data.graphs["data"]))


@pytest.mark.parametrize(("name", "expected"), NOISY)
def test_noisy_names_find_the_right_entity(index: Index, name: str,
                                           expected: str | None) -> None:
    found = index.search(name, limit=3)
    if expected is None:
        assert not (found and found[0].match), found[:1]
        return
    assert found and found[0].agent.slug_path == expected, [
        (c.agent.slug_path, c.score) for c in found]
    if name in SURE:
        assert found[0].match


@pytest.mark.parametrize(("name", "expected"), [
    ("Center for Democracy and Technology", "cdt"),
    ("International Service for Human Rights", "ishr"),
    ("Stiftung Neue Verantwortung", "snv"),
    ("Cybersecurity Advisors Network", "can"),
    ("Microsoft", None),
])
def test_acronyms_are_derived_from_names(name: str, expected: str | None) -> None:
    assert acronym(name) == expected


@pytest.mark.parametrize(("a", "b"), [
    ("Fundação Getulio Vargas", "FUNDACAO GETULIO VARGAS"),
    ("The Azure Forum", "Azure Forum"),
    ("G DATA CyberDefense AG", "G Data CyberDefense"),
    ("Centre for Internet & Society", "Center for Internet and Society"),
    ("R Street’s", "R Street's"),
])
def test_normalisation(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


def test_type_filters_candidates(index: Index) -> None:
    people = index.search("Cerf", kinds={"person"}, limit=5)
    assert people and all(c.agent.kind == "person" for c in people)
    assert not index.search("Vint Cerf", kinds={"organisation"}, limit=5)[0].match


# --- the HTTP API with Flask's client ------------------------------------------------------

def _batch(client: FlaskClient, queries: dict[str, Any], method: str = "post") -> Any:
    if method == "post":
        response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    else:
        response = client.get("/reconcile", query_string={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_manifest_has_the_documented_fields(client: FlaskClient) -> None:
    response = client.get("/reconcile")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    manifest = response.get_json()
    jsonschema.validate(manifest, MANIFEST, format_checker=jsonschema.FormatChecker())
    assert manifest["identifierSpace"].endswith("/id/")


def test_every_service_in_the_manifest_answers(client: FlaskClient) -> None:
    manifest = client.get("/reconcile").get_json()
    for kind in ("entity", "type", "property"):
        service = manifest["suggest"][kind]
        path = urllib.parse.urlsplit(service["service_url"]).path + service["service_path"]
        response = client.get(path, query_string={"prefix": "c"})
        assert response.status_code == 200
        jsonschema.validate(response.get_json(), SUGGEST)
    preview = urllib.parse.urlsplit(manifest["preview"]["url"].replace("{{id}}", "org/sap"))
    assert client.get(preview.path + "?" + preview.query).status_code == 200
    view = manifest["view"]["url"].replace("{{id}}", "org/sap")
    assert view.endswith("/id/org/sap")


@pytest.mark.parametrize("method", ["post", "get"])
def test_batch_by_get_and_post(client: FlaskClient, method: str) -> None:
    answer = _batch(client, {"q0": {"query": "CDT"}, "q1": {"query": "Vint Cerf",
                                                             "type": "Person", "limit": 2}},
                    method)
    jsonschema.validate(answer, RESULTS)
    assert answer["q0"]["result"][0]["id"] == "org/center-for-democracy-and-technology"
    assert answer["q0"]["result"][0]["match"] is True
    assert len(answer["q1"]["result"]) <= 2
    assert answer["q1"]["result"][0]["type"][0]["id"] == "http://xmlns.com/foaf/0.1/Person"


def test_type_constraint_and_unknown_type(client: FlaskClient) -> None:
    answer = _batch(client, {
        "org": {"query": "Vint Cerf", "type": "http://www.w3.org/ns/org#Organization"},
        "none": {"query": "Microsoft", "type": "http://example.org/Unknown"},
    })
    assert all(r["type"][0]["name"] == "Organisation" for r in answer["org"]["result"])
    assert answer["none"]["result"] == []


def test_wikidata_property_settles_a_match(client: FlaskClient) -> None:
    answer = _batch(client, {"q0": {"query": "Microsof", "properties": [
        {"pid": "wikidata", "v": "Q2283"}]}})
    top = answer["q0"]["result"][0]
    assert top["id"] == "org/microsoft" and top["match"] is True and top["score"] == 100


def test_data_extension(client: FlaskClient) -> None:
    props = client.get("/reconcile/properties",
                       query_string={"type": "http://www.w3.org/ns/org#Organization"})
    assert {p["id"] for p in props.get_json()["properties"]} >= {
        "sector", "organisation-type", "wikidata"}
    extend = {"ids": ["org/microsoft", "person/vinton-cerf", "org/no-such-thing"],
              "properties": [{"id": "sector"}, {"id": "organisation-type"},
                             {"id": "wikidata"}, {"id": "parent"}]}
    response = client.post("/reconcile", data={"extend": json.dumps(extend)})
    assert response.status_code == 200
    body = response.get_json()
    jsonschema.validate(body, EXTENSION)
    rows = body["rows"]
    assert rows["org/microsoft"]["wikidata"] == [{"str": "Q2283"}]
    assert rows["org/microsoft"]["sector"] == [{"id": "sector/private-sector",
                                                "name": "Private sector"}]
    assert rows["org/microsoft"]["organisation-type"][0]["id"] == "organisation-type/company"
    assert rows["person/vinton-cerf"]["parent"] == [{"id": "org/google", "name": "Google"}]
    assert rows["org/no-such-thing"] == {"sector": [], "organisation-type": [],
                                         "wikidata": [], "parent": []}


def test_suggest_entity_by_prefix(client: FlaskClient) -> None:
    found = client.get("/reconcile/suggest/entity", query_string={"prefix": "stiftung"})
    assert found.get_json()["result"][0]["id"] == "org/stiftung-neue-verantwortung"
    typed = client.get("/reconcile/suggest/entity",
                       query_string={"prefix": "cerf", "type": "Person"}).get_json()
    assert [r["id"] for r in typed["result"]] == ["person/vinton-cerf"]


def test_preview_escapes_and_links(client: FlaskClient) -> None:
    response = client.get("/reconcile/preview", query_string={"id": "org/atlantic-arc-of-"
                                                                    "cybersecurity"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Cybersecurity &amp; Digital Landscape" in html
    assert client.get("/reconcile/preview", query_string={"id": "<script>"}).status_code == 404


def test_jsonp_callback_is_checked(client: FlaskClient) -> None:
    ok = client.get("/reconcile", query_string={"callback": "jQuery123_456"})
    assert ok.mimetype == "application/javascript"
    assert ok.get_data(as_text=True).startswith("/**/jQuery123_456(")
    assert client.get("/reconcile", query_string={"callback": "alert(1)//"}).status_code == 400


@pytest.mark.parametrize(("data", "status"), [
    ({"queries": "not json"}, 400),
    ({"queries": "[]"}, 400),
    ({"queries": "{}"}, 400),
    ({"queries": json.dumps({"q0": {"noquery": 1}})}, 400),
    ({"queries": json.dumps({"q0": {"query": 5}})}, 400),
    ({"queries": json.dumps({"q0": {"query": "x", "limit": -1}})}, 400),
    ({"queries": json.dumps({"q0": {"query": "x", "limit": "ten"}})}, 400),
    ({"queries": json.dumps({"q0": {"query": "x", "type": 7}})}, 400),
    ({"queries": json.dumps({"q0": {"query": "x", "properties": 5}})}, 400),
    ({"queries": json.dumps({"q0": {"query": "x", "properties": {"pid": "x"}}})}, 400),
    ({"queries": json.dumps({"q0": {"query": "x" * 501}})}, 400),
    ({"queries": json.dumps({f"q{i}": {"query": "x"} for i in range(101)})}, 400),
    ({"queries": json.dumps({"q0": {"query": "x", "properties": [{"v": 1}]}})}, 400),
    ({"extend": "{"}, 400),
    ({"extend": json.dumps({"ids": "org/sap", "properties": []})}, 400),
    ({"extend": json.dumps({"ids": ["org/sap"], "properties": [{"id": "nope"}]})}, 400),
    ({}, 400),
])
def test_bad_requests_get_a_clear_4xx(client: FlaskClient, data: dict[str, str],
                                      status: int) -> None:
    response = client.post("/reconcile", data=data)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # errors too


def test_body_type_and_size_limits(client: FlaskClient) -> None:
    assert client.post("/reconcile", json={"queries": {}}).status_code == 415
    huge = client.post("/reconcile", data={"queries": "x" * (300 * 1024)})
    assert huge.status_code == 413
    assert client.get("/reconcile/suggest/entity?prefix=a&limit=x").status_code == 400


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options("/reconcile", headers={
        "Origin": "http://localhost:3333", "Access-Control-Request-Method": "POST"})
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


# --- what OpenRefine sends, over real HTTP to the served publisher -------------------------

@pytest.mark.slow
def test_openrefine_session_over_http(live_server: str) -> None:
    """The manifest, then one batch of five noisy names as OpenRefine POSTs it."""
    headers = {"User-Agent": "OpenRefine/3.8 (test)", "Origin": "http://127.0.0.1:3333"}
    request = urllib.request.Request(live_server + "/reconcile", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        manifest = json.load(response)
    jsonschema.validate(manifest, MANIFEST)
    names = {
        "q0": ("Microsoft Corp.", "org/microsoft"),
        "q1": ("CDT", "org/center-for-democracy-and-technology"),
        "q2": ("Fundacion Karisma", "org/fundacion-karisma"),
        "q3": ("Cyber Governance and Policy Center, University of Oklahoma",
               "org/cyber-governance-and-policy-center"),
        "q4": ("Katie Mousouris", "person/katie-moussouris"),
    }
    queries = {key: {"query": name, "type": manifest["defaultTypes"][0]["id"]
                     if key != "q4" else manifest["defaultTypes"][1]["id"],
                     "type_strict": "should", "limit": 3}
               for key, (name, _) in names.items()}
    body = urllib.parse.urlencode({"queries": json.dumps(queries)}).encode()
    request = urllib.request.Request(
        live_server + "/reconcile", data=body, method="POST",
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.load(response)
    jsonschema.validate(answer, RESULTS)
    for key, (_, expected) in names.items():
        assert answer[key]["result"][0]["id"] == expected
        assert answer[key]["result"][0]["match"] is True
