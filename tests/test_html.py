"""HTML pages: what people read, what crawlers extract, and that data is escaped."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import extruct
import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from server.html import Labeller, resource_page, script_json
from server.namespaces import ORG

ORIGIN = "http://localhost/"
BROWSER = {"Accept": "text/html"}


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 200, path
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return response.data.decode()


def schema_org(html: str, url: str) -> list[dict[str, object]]:
    data = extruct.extract(html, base_url=url, syntaxes=["json-ld"], uniform=True)
    items: list[dict[str, object]] = data["json-ld"]
    return items


def test_the_landing_page(client: FlaskClient) -> None:
    html = page(client, "/")
    titles = re.findall(r'<a href="http://localhost/id/principle/[^"]+"><strong>([^<]+)</strong>',
                        html)
    assert len(titles) == 10
    assert titles[0] == "Protect Victims" and titles[-1] == "Adopt a consensus-driven approach"
    counts = [int(n) for n in re.findall(r"</a> \((\d+)\)</h3>", html)]
    assert sum(counts) == 69 and len(counts) == 5
    for href in ("sparql", ".well-known/void", "dumps/cybercrime-manifesto.ttl",
                 "dumps/signatories.csv", "dumps/SHA256SUMS", "id/manifesto.ttl", "def"):
        assert f'href="{ORIGIN}{href}"' in html, href
    (dataset,) = schema_org(html, ORIGIN)
    assert dataset["@type"] == "Dataset"
    assert dataset["license"] == "https://creativecommons.org/licenses/by/4.0/"
    downloads = dataset["distribution"]
    assert isinstance(downloads, list) and len(downloads) == 7
    assert {d["encodingFormat"] for d in downloads} >= {"text/turtle", "text/csv"}
    for download in downloads:
        assert client.get(download["contentUrl"]).status_code == 200


def test_an_organisation_page(client: FlaskClient) -> None:
    html = page(client, "/id/org/microsoft")
    assert "<h1>Microsoft</h1>" in html
    assert f'<link rel="canonical" href="{ORIGIN}id/org/microsoft">' in html
    for suffix, media in ((".ttl", "text/turtle"), (".jsonld", "application/ld+json"),
                          (".nt", "application/n-triples"), (".rdf", "application/rdf+xml")):
        assert f'<link rel="alternate" type="{media}" href="{ORIGIN}id/org/microsoft{suffix}"' \
            in html
    assert f'href="{ORIGIN}id/sector/private-sector">Private sector</a>' in html
    assert 'href="http://www.wikidata.org/entity/Q2283">Wikidata Q2283</a>' in html
    assert "Signature of Microsoft" in html
    (org,) = schema_org(html, ORIGIN + "id/org/microsoft")
    assert org["@type"] == "Organization" and org["name"] == "Microsoft"
    assert "http://www.wikidata.org/entity/Q2283" in org["sameAs"]


def test_a_person_page(client: FlaskClient) -> None:
    html = page(client, "/id/person/anne-marie-slaughter")
    (person,) = schema_org(html, ORIGIN)
    assert person["@type"] == "Person"
    affiliation = person["affiliation"]
    assert isinstance(affiliation, list) and affiliation[0]["name"] == "Princeton University"
    assert "Bert G. Kerstetter ’66" in html


def test_a_signatory_page_shows_how_each_source_lists_it(client: FlaskClient) -> None:
    html = page(client, "/id/org/swiss-digital-initiative")
    assert "<h1>Swiss Digital Initiative</h1>" in html
    assert 'id="as-announcement"' in html and 'id="as-manifesto"' not in html
    assert "<span>Swiss Digital Initative</span>" in html  # the spelling as found


def test_the_manifesto_and_a_principle(client: FlaskClient) -> None:
    html = page(client, "/id/manifesto")
    (doc,) = schema_org(html, ORIGIN)
    assert doc["@type"] == "DigitalDocument" and doc["datePublished"] == "2021"
    parts = doc["hasPart"]
    assert isinstance(parts, list) and [p["position"] for p in parts] == list(range(1, 11))
    html = page(client, "/id/principle/protect-victims")
    (principle,) = schema_org(html, ORIGIN)
    assert principle["@type"] == "CreativeWork" and principle["position"] == 1
    assert "<blockquote" in html


def test_a_sector_page_lists_its_signatories(client: FlaskClient) -> None:
    html = page(client, "/id/sector/academia")
    assert re.search(r"Signatories in this sector \(\d+\)", html)
    (term,) = schema_org(html, ORIGIN)
    assert term["@type"] == "DefinedTerm"


def test_hash_resources_are_sections_of_their_page(client: FlaskClient) -> None:
    html = page(client, "/id/signature/christopher-painter")
    assert '<section class="sub" id="manifesto">' in html
    assert '<a href="#manifesto">Listed in Multistakeholder Manifesto on Cybercrime</a>' in html
    vocab = page(client, "/def")
    assert '<section class="sub" id="Signature">' in vocab


def test_pages_without_javascript_and_with_a_csp(client: FlaskClient) -> None:
    response = client.get("/id/org/microsoft", headers=BROWSER)
    html = response.data.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts == [' type="application/ld+json"']
    assert "script-src" not in response.headers["Content-Security-Policy"]  # none at all


def test_labels_from_the_data_are_escaped() -> None:
    base = "https://w3id.org/cybercrime-manifesto/"
    evil = '</script><script>alert(1)</script><b onmouseover="x">'
    g = Graph()
    s = URIRef(base + "id/org/evil")
    g.add((s, RDF.type, ORG.Organization))
    g.add((s, SKOS.prefLabel, Literal(evil)))
    g.add((s, SKOS.altLabel, Literal("a & b <i>")))
    html = resource_page(g, str(s), Labeller({}, base), base).decode()
    assert "<script>alert" not in html and "<b onmouseover" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html
    assert "a &amp; b &lt;i&gt;" in html
    # Inside the JSON-LD block the label cannot close the script element either.
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block is not None and json.loads(block.group(1))["name"] == evil


def test_script_json_escapes_markup() -> None:
    text = str(script_json({"x": "</script><!--&"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"x": "</script><!--&"}


def test_error_pages_for_people(client: FlaskClient) -> None:
    response = client.get("/id/org/nowhere", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert response.status_code == 404
    assert re.search(r"<h1>Not found</h1>", response.data.decode(), re.I)
    assert "There is no resource at /id/org/nowhere" in response.data.decode()


def test_sitemap_and_robots(client: FlaskClient) -> None:
    robots = client.get("/robots.txt").data.decode()
    assert f"Sitemap: {ORIGIN}sitemap.xml" in robots
    root = ET.fromstring(client.get("/sitemap.xml").data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in root.findall("s:url/s:loc", ns)]
    lastmods = {e.text for e in root.findall("s:url/s:lastmod", ns)}
    assert lastmods == {"2026-11-23"}
    assert ORIGIN in locs and ORIGIN + "id/org/microsoft" in locs and ORIGIN + "def" in locs
    assert len(locs) == len(set(locs)) > 190
    assert all("#" not in loc for loc in locs if loc)


@pytest.mark.parametrize("path", ["/id/org/microsoft", "/def", "/shapes", "/id/dataset",
                                  "/graph/data", "/id/scheme/sector"])
def test_every_kind_of_page_renders(client: FlaskClient, path: str) -> None:
    html = page(client, path)
    assert "<title>" in html and "</html>" in html
