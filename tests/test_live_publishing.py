"""The publisher served for real (granian, as `make serve` runs it), read by real clients:
rdflib parses every format, pyld expands the JSON-LD (fetching the context over HTTP),
extruct reads the pages' schema.org, and the dumps in the VoID description download."""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import urllib.error
import urllib.request
from typing import Any

import extruct
import pytest
from pyld import jsonld
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, VOID

from server.void import IANA, SPDX

pytestmark = pytest.mark.slow

SAMPLE = ["id/org/microsoft", "id/org/harvard-university", "id/person/anne-marie-slaughter",
          "id/signature/christopher-painter", "id/principle/protect-victims",
          "id/sector/academia", "id/organisation-type/university", "id/scheme/sector",
          "id/manifesto", "id/announcement", "id/un-cybercrime-negotiations", "def", "shapes",
          "id/dataset"]
PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt",
           "application/rdf+xml": "xml"}


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (names in lower case, as HTTP/2-minded servers send them), body."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def http_loader(url: str, options: Any = None) -> dict[str, Any]:
    """A pyld document loader over real HTTP (pyld's own needs the requests package)."""
    status, headers, body = fetch(url, {"Accept": "application/ld+json"})
    assert status == 200, url
    assert headers["content-type"].startswith("application/ld+json")
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(body)}


def test_every_format_of_every_kind_of_resource_says_the_same(live_server: str) -> None:
    base = live_server + "/"
    for path in SAMPLE:
        status, headers, body = fetch(base + path, {"Accept": "text/turtle"})
        assert status == 200, path
        assert headers["content-location"] == base + path + ".ttl"
        turtle = Graph().parse(data=body, format="turtle")
        about = URIRef(base + path)
        assert (about, None, None) in turtle, path
        for media_type, parser in PARSERS.items():
            status, headers, body = fetch(base + path, {"Accept": media_type})
            assert headers["content-type"].startswith(media_type)
            assert isomorphic(Graph().parse(data=body, format=parser), turtle), (path, parser)
        status, headers, body = fetch(base + path, {"Accept": "application/ld+json"})
        nquads = jsonld.to_rdf(json.loads(body), {"format": "application/n-quads",
                                                  "documentLoader": http_loader})
        assert isomorphic(Graph().parse(data=nquads, format="nt"), turtle), (path, "json-ld")


def test_pages_embed_schema_org_for_harvesters(live_server: str) -> None:
    base = live_server + "/"
    expected = {"id/org/microsoft": "Organization", "id/person/anne-marie-slaughter": "Person",
                "id/manifesto": "DigitalDocument", "id/principle/protect-victims":
                "CreativeWork", "id/sector/academia": "DefinedTerm", "": "Dataset"}
    for path, kind in expected.items():
        status, headers, body = fetch(base + path, {"Accept": "text/html"})
        assert status == 200 and headers["content-type"].startswith("text/html")
        items = extruct.extract(body.decode(), base_url=base + path, syntaxes=["json-ld"],
                                uniform=True)["json-ld"]
        assert [item["@type"] for item in items] == [kind], path


def test_the_dumps_in_the_void_description_download_and_parse(live_server: str) -> None:
    base = live_server + "/"
    status, _, body = fetch(base + ".well-known/void")
    assert status == 200
    void = Graph().parse(data=body, format="turtle")
    dataset = URIRef(base + "id/dataset")
    dumps = set(void.objects(dataset, VOID.dataDump))
    assert len(dumps) == 6
    sizes = []
    for dist in void.objects(dataset, DCAT.distribution):
        url = str(void.value(dist, DCAT.downloadURL))
        status, headers, data = fetch(url)
        assert status == 200, url
        media_type = str(void.value(dist, DCAT.mediaType)).removeprefix(IANA)
        assert headers["content-type"].split(";")[0] == media_type, url
        checksum = void.value(void.value(dist, SPDX.checksum), SPDX.checksumValue)
        assert hashlib.sha256(data).hexdigest() == str(checksum), url
        if URIRef(url) in dumps and not url.endswith((".nq", ".trig", ".jsonld")):
            fmt = {"ttl": "turtle", "nt": "nt", "rdf": "xml"}[url.rsplit(".", 1)[1]]
            sizes.append(len(Graph().parse(data=data, format=fmt)))
    assert len(set(sizes)) == 1 and sizes[0] == int(void.value(dataset, VOID.triples))


def test_caching_and_compression_over_http(live_server: str) -> None:
    url = live_server + "/id/manifesto"
    status, headers, plain = fetch(url, {"Accept": "text/turtle"})
    assert headers["vary"] == "Accept, Accept-Encoding"
    status, zipped_headers, zipped = fetch(url, {"Accept": "text/turtle",
                                                 "Accept-Encoding": "gzip"})
    assert zipped_headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped) == plain
    status, _, body = fetch(url, {"Accept": "text/turtle", "If-None-Match": headers["etag"]})
    assert status == 304 and body == b""
    request = urllib.request.Request(url, method="HEAD", headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and response.read() == b""
        assert response.headers["Content-Length"] == str(len(plain))


def raw_request(base: str, request_line: bytes) -> int:
    """Send bytes the URL libraries would refuse to send; return the status code."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request_line + b"\r\nHost: " + host.encode() + b"\r\nAccept: text/turtle"
                     b"\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return int(reply.split(b" ", 2)[1])


@pytest.mark.parametrize("request_line", [
    b"GET /id/org/\xff\xfe HTTP/1.1",
    b"GET /id/org/%ff%fe%fd HTTP/1.1",
    b"GET /id/../../../../etc/passwd HTTP/1.1",
    b"GET /static/../../server/config.py HTTP/1.1",
    b"GET /id/" + b"a" * 20000 + b" HTTP/1.1",
    b"GET /id/org/microsoft?" + b"q=" * 10000 + b" HTTP/1.1",
])
def test_bad_requests_over_http_get_a_4xx(live_server: str, request_line: bytes) -> None:
    status = raw_request(live_server, request_line)
    assert 400 <= status < 500 or (status == 200 and b"?" in request_line), status
