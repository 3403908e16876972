"""HTTP behaviour of the published resources, through the Flask test client."""

from __future__ import annotations

import gzip
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import create_app

ORIGIN = "http://localhost/"
DOC_TYPES = ["text/html", "text/turtle", "application/ld+json", "application/n-triples",
             "application/rdf+xml"]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# (path, Accept) -> (status, Content-Type prefix, Content-Location path or None)
CASES = [
    ("/id/org/microsoft", None, 200, "text/html", "id/org/microsoft.html"),
    ("/id/org/microsoft", "*/*", 200, "text/html", "id/org/microsoft.html"),
    ("/id/org/microsoft", BROWSER, 200, "text/html", "id/org/microsoft.html"),
    ("/id/org/microsoft", "text/turtle", 200, "text/turtle", "id/org/microsoft.ttl"),
    ("/id/org/microsoft", "application/ld+json", 200, "application/ld+json",
     "id/org/microsoft.jsonld"),
    ("/id/org/microsoft", "application/json", 200, "application/ld+json",
     "id/org/microsoft.jsonld"),
    ("/id/org/microsoft", "application/n-triples", 200, "application/n-triples",
     "id/org/microsoft.nt"),
    ("/id/org/microsoft", "application/rdf+xml", 200, "application/rdf+xml",
     "id/org/microsoft.rdf"),
    ("/id/org/microsoft", "text/turtle;q=0.2, application/rdf+xml", 200,
     "application/rdf+xml", "id/org/microsoft.rdf"),
    ("/id/org/microsoft.ttl", "text/html", 200, "text/turtle", None),
    ("/id/org/microsoft.jsonld", None, 200, "application/ld+json", None),
    ("/id/org/microsoft.nt", None, 200, "application/n-triples", None),
    ("/id/org/microsoft.rdf", None, 200, "application/rdf+xml", None),
    ("/id/org/microsoft.html", "text/turtle", 200, "text/html", None),
    ("/id/person/anne-marie-slaughter", "text/turtle", 200, "text/turtle",
     "id/person/anne-marie-slaughter.ttl"),
    ("/id/principle/protect-victims", "text/turtle", 200, "text/turtle",
     "id/principle/protect-victims.ttl"),
    ("/id/signature/microsoft", "text/turtle", 200, "text/turtle",
     "id/signature/microsoft.ttl"),
    ("/id/sector/civil-society", None, 200, "text/html", "id/sector/civil-society.html"),
    ("/id/scheme/sector", "text/turtle", 200, "text/turtle", "id/scheme/sector.ttl"),
    ("/id/manifesto", "application/ld+json", 200, "application/ld+json",
     "id/manifesto.jsonld"),
    ("/id/announcement", "text/turtle", 200, "text/turtle", "id/announcement.ttl"),
    ("/id/resolution/a-res-74-247", "text/turtle", 200, "text/turtle",
     "id/resolution/a-res-74-247.ttl"),
    ("/def", "text/turtle", 200, "text/turtle", "def.ttl"),
    ("/def/1.0.0", "text/turtle", 200, "text/turtle", "def.ttl"),
    ("/def.jsonld", None, 200, "application/ld+json", None),
    ("/shapes", "text/turtle", 200, "text/turtle", "shapes.ttl"),
    ("/graph/data", "application/n-triples", 200, "application/n-triples", "graph/data.nt"),
    ("/id/dataset", "text/turtle", 200, "text/turtle", "id/dataset.ttl"),
    ("/.well-known/void", None, 200, "text/turtle", "id/dataset.ttl"),
    ("/.well-known/void", "application/ld+json", 200, "application/ld+json",
     "id/dataset.jsonld"),
    ("/.well-known/void", BROWSER, 200, "text/html", "id/dataset.html"),
    ("/", None, 200, "text/html", None),
    ("/", "text/turtle", 200, "text/turtle", "id/dataset.ttl"),
    ("/context.jsonld", None, 200, "application/ld+json", None),
    ("/robots.txt", None, 200, "text/plain", None),
    ("/sitemap.xml", None, 200, "application/xml", None),
    ("/dumps/SHA256SUMS", None, 200, "text/plain", None),
    ("/dumps/signatories.csv", None, 200, "text/csv", None),
    # unknown: 404 in the requested family
    ("/id/org/no-such-org", "text/turtle", 404, "application/problem+json", None),
    ("/id/org/no-such-org", BROWSER, 404, "text/html", None),
    ("/id/org/no-such-org.html", None, 404, "text/html", None),
    ("/id/org/no-such-org.ttl", BROWSER, 404, "application/problem+json", None),
    ("/id/org/microsoft.exe", None, 404, "application/problem+json", None),
    ("/no/such/page", BROWSER, 404, "text/html", None),
    ("/dumps/passwd", None, 404, "application/problem+json", None),
    # nothing acceptable: 406 listing what is
    ("/id/org/microsoft", "image/png", 406, "application/problem+json", None),
    ("/id/org/microsoft", "text/turtle;q=0", 406, "application/problem+json", None),
    ("/id/org/microsoft", "application/trig", 406, "application/problem+json", None),
]


@pytest.mark.parametrize(("path", "accept", "status", "ctype", "location"), CASES)
def test_table(client: FlaskClient, path: str, accept: str | None, status: int, ctype: str,
               location: str | None) -> None:
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == status, response.data[:300]
    assert response.headers["Content-Type"].startswith(ctype)
    assert response.headers.get("Content-Location") == (ORIGIN + location if location else None)
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # errors included
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    vary = response.headers.get("Vary", "")
    if status == 200:
        assert response.headers["ETag"].startswith('"')
        assert response.headers["Last-Modified"].endswith("GMT")
        assert "Accept-Encoding" in vary
        assert ("Accept" in vary.replace("Accept-Encoding", "")) == (location is not None
                                                                     or path == "/")
        assert response.data
    else:
        assert "Accept" in vary
        problem_or_page = response.data.decode()
        assert str(status) in problem_or_page
    if status == 406:
        body = json.loads(response.data)
        assert body["available"] == DOC_TYPES
        assert 'rel="alternate"' in response.headers["Link"]
    if ctype == "text/html":
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_alternates_are_linked_in_the_header(client: FlaskClient) -> None:
    response = client.get("/id/org/microsoft", headers={"Accept": "text/turtle"})
    link = response.headers["Link"]
    for suffix, media_type in zip((".html", ".ttl", ".jsonld", ".nt", ".rdf"), DOC_TYPES,
                                  strict=True):
        assert f'<{ORIGIN}id/org/microsoft{suffix}>; rel="alternate"; type="{media_type}"' in link
    assert 'rel="license"' in link


def test_conditional_get_and_head(client: FlaskClient) -> None:
    headers = {"Accept": "text/turtle"}
    first = client.get("/id/org/microsoft", headers=headers)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get("/id/org/microsoft", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and "Accept" in again.headers["Vary"]
    weak = client.get("/id/org/microsoft", headers={**headers, "If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    other = client.get("/id/org/microsoft", headers={**headers, "If-None-Match": '"nope"',
                                                     "If-Modified-Since": modified})
    assert other.status_code == 200  # If-None-Match wins over If-Modified-Since
    since = client.get("/id/org/microsoft", headers={**headers, "If-Modified-Since": modified})
    assert since.status_code == 304
    old = client.get("/id/org/microsoft", headers={
        **headers, "If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
    assert old.status_code == 200
    bad = client.get("/id/org/microsoft", headers={**headers, "If-Modified-Since": "yesterday"})
    assert bad.status_code == 200
    head = client.head("/id/org/microsoft", headers=headers)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(first.data))
    assert head.headers["ETag"] == etag
    # Another format of the same resource has another strong ETag.
    jsonld = client.get("/id/org/microsoft", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["ETag"] != etag


def test_gzip_when_accepted(client: FlaskClient) -> None:
    plain = client.get("/id/manifesto", headers={"Accept": "text/turtle"})
    zipped = client.get("/id/manifesto", headers={"Accept": "text/turtle",
                                                  "Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    refused = client.get("/id/manifesto", headers={"Accept": "text/turtle",
                                                   "Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


@pytest.mark.parametrize("accept_encoding", [None, "gzip"])
@pytest.mark.parametrize("path", ["/id/org/microsoft", "/", "/dumps/cybercrime-manifesto.nt"])
def test_the_fast_path_answers_exactly_as_flask_does(app: Flask, path: str,
                                                     accept_encoding: str | None) -> None:
    client = create_client(app)
    headers = {"Accept": "text/turtle"}
    if accept_encoding:
        headers["Accept-Encoding"] = accept_encoding
    fast = app.extensions["mcm.fastpath"]
    fast.table.clear()
    through_flask = client.get(path, headers=headers)
    assert fast.table, "respond() should have remembered the request"
    from_table = client.get(path, headers=headers)
    assert from_table.data == through_flask.data
    assert sorted(from_table.headers.items()) == sorted(through_flask.headers.items())
    etag = through_flask.headers["ETag"]
    not_modified = [client.get(path, headers={**headers, "If-None-Match": etag})
                    for _ in range(2)]
    assert [r.status_code for r in not_modified] == [304, 304]
    head = client.head(path, headers=headers)
    assert head.headers["Content-Length"] == through_flask.headers["Content-Length"]


def create_client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_iris_are_rewritten_to_the_serving_origin(client: FlaskClient) -> None:
    body = client.get("/id/org/microsoft.ttl", base_url="http://example.test:8080").data
    assert b"http://example.test:8080/id/org/microsoft" in body
    assert b"https://w3id.org/cybercrime-manifesto/" not in body
    other = client.get("/id/org/microsoft.ttl", base_url="https://data.example.org").data
    assert b"https://data.example.org/def#" in other


def test_canonical_iris_are_kept_when_rewriting_is_off() -> None:
    app = create_app({"TESTING": True, "REWRITE_TO_ORIGIN": False})
    response = app.test_client().get("/id/org/microsoft", headers={"Accept": "text/turtle"})
    assert b"<https://w3id.org/cybercrime-manifesto/id/org/microsoft>" in response.data
    assert response.headers["Content-Location"] == (
        "https://w3id.org/cybercrime-manifesto/id/org/microsoft.ttl")


@pytest.mark.parametrize(("path", "headers"), [
    ("/id/../../../etc/passwd", {}),
    ("/id/%2e%2e/%2e%2e/etc/passwd", {}),
    ("/id/org/..%2f..%2f..%2fetc%2fpasswd", {}),
    ("/dumps/..%2f..%2fserver%2fconfig.py", {}),
    ("/static/../server/config.py", {}),
    ("/def/%00", {}),
    ("/id/org/%ff%fe", {"Accept": "text/turtle"}),
    ("/id/org/\u00e9t\u00e9", {}),
    ("/id/" + "a" * 5000, {}),
    ("/id/org/microsoft", {"Accept": "text/turtle;q=" + "9" * 100}),
    ("/id/org/microsoft", {"Accept": "text/" * 2000}),
    ("/id/org/microsoft", {"Accept": '"""";;;,,,=*/*;q=\x7f'}),
    ("/id/org/microsoft", {"Accept": "*/*", "Host": "evil.test/<script>"}),
    ("/id/org/microsoft", {"If-None-Match": "\x00\x01", "If-Modified-Since": "\xff"}),
    ("/id/org/microsoft", {"Accept-Encoding": "gzip;q=nan, *;q=1e999"}),
    ("/", {"Accept": "text/html;level=" + "x" * 3000}),
])
def test_bad_requests_get_a_4xx_never_a_5xx(client: FlaskClient, path: str,
                                             headers: dict[str, str]) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code < 500, response.data[:300]
    if response.status_code >= 400:
        assert b"Traceback" not in response.data
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_bad_host_is_refused(client: FlaskClient) -> None:
    response = client.get("/id/org/microsoft", headers={"Host": "evil.test/<script>"})
    assert response.status_code == 400
    assert b"<script>" not in response.data


def test_invalid_utf8_in_the_raw_path(app: Flask) -> None:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/id/org/\xff\xfe",
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
               "HTTP_ACCEPT": "text/turtle", "wsgi.input": None}
    from werkzeug.test import EnvironBuilder

    built = EnvironBuilder(path="/").get_environ()
    built.update(environ)
    statuses: list[str] = []
    body = b"".join(app.wsgi_app(built, lambda status, headers, exc=None: statuses.append(status)))
    assert statuses[0].startswith("4"), (statuses, body[:200])


def test_options_preflight(client: FlaskClient) -> None:
    response = client.options("/id/org/microsoft", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


def test_methods_other_than_get_are_refused(client: FlaskClient) -> None:
    response = client.post("/id/org/microsoft")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
