"""The static export, served by real nginx on loopback, answers as the Flask server does.

The export is written once for an origin on a free port; nginx serves it there with the
configuration the export wrote (nginx.conf, around site.conf). The same tables as the Flask
server's tests run against it, and every body is compared with the Flask server's bytes
for the same origin.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyld import jsonld
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from server import export as export_mod
from server.errors import NotAcceptable
from server.negotiation import DOCUMENT_FORMATS, ERROR_FORMATS, MAX_ACCEPT_LENGTH, choose
from server.nginx_accept import rules
from server.representations import Renderer

from . import test_negotiation, test_resources
from .servers import free_port, stop, wait_until_up

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")


class Answer:
    """An HTTP answer: status, headers (case-insensitive), body."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.body = status, body
        self.headers = {k.lower(): v for k, v in headers.items()}

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def media_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip()


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Answer:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, dict(exc.headers), exc.read())


@pytest.fixture(scope="module")
def served(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The export for a free loopback port, served there by nginx: (origin, folder)."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}/"
    folder = tmp_path_factory.mktemp("export") / "release"
    renderer: Renderer = app.extensions["mcm.renderer"]  # shares what other tests rendered
    export_mod.export(app.extensions["mcm"], folder, origin, listen=f"127.0.0.1:{port}",
                      renderer=renderer)
    command = [NGINX, "-p", str(folder / "nginx"), "-c", "nginx.conf",
               "-e", str(folder / "nginx" / "error.log")]
    if os.geteuid() == 0:  # nginx's workers would run as nobody, who cannot read tmp dirs
        command += ["-g", "user root;"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until_up(origin + "robots.txt", process)
        yield origin, folder
    finally:
        stop(process)


@pytest.fixture()
def origin(served: tuple[str, Path]) -> str:
    return served[0]


def flask_get(client: FlaskClient, origin: str, path: str,
              headers: dict[str, str] | None = None) -> Answer:
    """The Flask server's answer for the same origin (so that its bytes are comparable)."""
    response = client.get(path, headers=headers or {}, base_url=origin.rstrip("/"))
    answer = Answer(response.status_code, dict(response.headers), response.data)
    response.close()  # a static file is streamed from an open file
    return answer


# --- the Flask server's tables, against nginx --------------------------------------------

@pytest.mark.parametrize(("path", "accept", "status", "ctype", "location"),
                         test_resources.CASES)
def test_the_resources_table(origin: str, client: FlaskClient, path: str, accept: str | None,
                             status: int, ctype: str, location: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    got = get(origin + path.lstrip("/"), headers)
    assert got.status == status, got.body[:300]
    assert (got.header("Content-Type") or "").startswith(ctype)
    assert got.header("Content-Location") == (origin + location if location else None)
    assert got.header("Access-Control-Allow-Origin") == "*"  # errors included
    assert got.header("X-Content-Type-Options") == "nosniff"
    vary = got.header("Vary") or ""
    flask = flask_get(client, origin, path, headers)
    if status == 200:
        assert got.header("ETag") and (got.header("Last-Modified") or "").endswith("GMT")
        assert got.header("Last-Modified") == flask.header("Last-Modified")
        assert vary == flask.header("Vary")
        assert got.header("Link") == flask.header("Link")
        assert got.body == flask.body, path  # the Flask server's bytes for this origin
    else:
        assert "Accept" in vary
        assert str(status) in got.body.decode()
    if status == 406:
        assert json.loads(got.body)["available"] == test_resources.DOC_TYPES
        assert got.header("Link") == flask.header("Link")
    if ctype == "text/html":
        assert "default-src 'none'" in (got.header("Content-Security-Policy") or "")


@pytest.mark.parametrize(("accept", "expected"), test_negotiation.CASES)
def test_the_negotiation_table(origin: str, accept: str | None, expected: object) -> None:
    got = get(origin + "id/org/microsoft", {"Accept": accept} if accept is not None else {})
    if expected is None:
        assert got.status == 406
    else:
        assert (got.status, got.media_type) == (200, expected.media_type)  # type: ignore[attr-defined]


def test_an_overlong_accept_header_is_a_bad_request(origin: str) -> None:
    # Over 4096 characters, and under nginx's own limit on a header line (8 KiB by default,
    # past which nginx answers 400 itself).
    got = get(origin + "id/org/microsoft", {"Accept": "text/turtle," * 400})
    assert got.status == 400 and got.media_type == "application/problem+json"
    assert get(origin + "id/org/microsoft", {"Accept": "text/turtle," * 1000}).status == 400


def test_every_representation_is_the_flask_servers(served: tuple[str, Path],
                                                   client: FlaskClient) -> None:
    origin, folder = served
    manifest = json.loads((folder / export_mod.MANIFEST).read_text())
    sitemap = get(origin + "sitemap.xml").body.decode()
    pages = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert len(pages) == manifest["documents"] + 1  # and the landing page
    for page in pages[1:]:
        path = page[len(origin):]
        for fmt in DOCUMENT_FORMATS:
            got = get(page + fmt.suffix)
            assert got.status == 200 and got.media_type == fmt.media_type, page + fmt.suffix
            assert got.body == flask_get(client, origin, "/" + path + fmt.suffix).body, path


def test_documents_parse_and_say_the_same_in_every_format(origin: str) -> None:
    for path in ("id/org/microsoft", "id/manifesto", "def"):
        turtle = Graph().parse(data=get(origin + path, {"Accept": "text/turtle"}).body,
                               format="turtle")
        assert (URIRef(origin + path), None, None) in turtle
        for media_type, parser in (("application/n-triples", "nt"),
                                   ("application/rdf+xml", "xml")):
            body = get(origin + path, {"Accept": media_type}).body
            assert isomorphic(Graph().parse(data=body, format=parser), turtle), path
        # JSON-LD, its context fetched from nginx as any client would.
        body = get(origin + path, {"Accept": "application/ld+json"}).body

        def loader(url: str, options: object = None) -> dict[str, object]:
            assert url == origin + "context.jsonld"
            return {"contextUrl": None, "documentUrl": url,
                    "document": json.loads(get(url).body)}

        nquads = jsonld.to_rdf(json.loads(body), {"format": "application/n-quads",
                                                  "documentLoader": loader})
        assert isomorphic(Graph().parse(data=nquads, format="nt"), turtle), path


@pytest.mark.parametrize("path", ["dumps/cybercrime-manifesto.ttl", "dumps/SHA256SUMS",
                                  "dumps/signatories.csv", "dumps/cybercrime-manifesto.nq",
                                  "context.jsonld", "robots.txt", "sitemap.xml",
                                  "linksets/wikidata.sssom.tsv", "static/site.css"])
def test_fixed_files_are_the_flask_servers(origin: str, client: FlaskClient, path: str) -> None:
    got, flask = get(origin + path), flask_get(client, origin, "/" + path)
    assert got.status == flask.status == 200
    assert got.body == flask.body
    assert got.header("Content-Type") == flask.header("Content-Type")
    assert got.header("Access-Control-Allow-Origin") == "*"


def test_gzip_and_conditional_requests(origin: str, client: FlaskClient) -> None:
    url = origin + "id/org/microsoft"
    plain = get(url, {"Accept": "text/turtle"})
    zipped = get(url, {"Accept": "text/turtle", "Accept-Encoding": "gzip"})
    assert zipped.header("Content-Encoding") == "gzip"
    assert gzip.decompress(zipped.body) == plain.body
    assert zipped.body == flask_get(client, origin, "/id/org/microsoft",
                                    {"Accept": "text/turtle", "Accept-Encoding": "gzip"}).body
    since = plain.header("Last-Modified") or ""
    assert get(url, {"Accept": "text/turtle", "If-Modified-Since": since}).status == 304
    etag = plain.header("ETag") or ""
    assert get(url, {"Accept": "text/turtle", "If-None-Match": etag}).status == 304
    assert get(url, {"Accept": "text/turtle"}, method="HEAD").body == b""


@pytest.mark.parametrize(("path", "status"), [
    ("id/org/microsoft.ttl.gz", 404), ("index.html", 404), ("_errors/404.json", 404),
    ("id/", 404), ("id/org/microsoft/", 404), ("export.json", 404), ("nginx/site.conf", 404),
])
def test_only_published_urls_answer(origin: str, path: str, status: int) -> None:
    assert get(origin + path).status == status


def test_a_post_is_refused_in_the_error_family(origin: str) -> None:
    got = get(origin + "id/org/microsoft", method="POST")
    assert got.status == 405 and got.media_type == "application/problem+json"


# --- the export itself --------------------------------------------------------------------

def test_the_map_rules_follow_the_negotiation_function() -> None:
    """The generated regexes (run here by Python's re) choose as choose() does, on the
    table and on headers with one-decimal q-values (finer ones are the documented
    approximation)."""
    compiled = {offered: [(re.compile("^" + r, re.IGNORECASE), f) for r, f in rules(offered)]
                for offered in (DOCUMENT_FORMATS, ERROR_FORMATS)}

    def by_map(accept: str, offered: tuple) -> object:  # type: ignore[type-arg]
        if len(accept) > MAX_ACCEPT_LENGTH:
            return "400"
        if not accept.strip():
            return offered[0]
        return next((f for rx, f in compiled[offered] if rx.match(accept)), None)

    def by_flask(accept: str, offered: tuple) -> object:  # type: ignore[type-arg]
        try:
            return choose(accept, offered)
        except NotAcceptable:
            return None

    headers = [accept or "" for accept, _ in test_negotiation.CASES]
    ranges = ["text/html", "text/turtle", "application/ld+json", "application/json",
              "application/n-triples", "application/rdf+xml", "application/xml", "text/*",
              "application/*", "*/*", "image/png", "application/problem+json",
              "text/turtle;charset=utf-8", "application/ld+json;profile=x"]
    qs = ["", ";q=0", ";q=0.1", ";q=0.5", ";q=0.9", ";q=1"]
    rnd = random.Random(6)
    headers += [", ".join(rnd.choice(ranges) + rnd.choice(qs) for _ in range(rnd.randint(1, 4)))
                for _ in range(1500)]
    for offered in (DOCUMENT_FORMATS, ERROR_FORMATS):
        for accept in headers:
            assert by_map(accept, offered) is by_flask(accept, offered), (accept, offered)


def test_an_export_replaces_an_earlier_one_whole(app: Flask, tmp_path: Path) -> None:
    renderer: Renderer = app.extensions["mcm.renderer"]
    pub = app.extensions["mcm"]
    folder = tmp_path / "release"
    (tmp_path / "unrelated").mkdir()
    (tmp_path / "unrelated" / "notes.txt").write_text("mine")
    with pytest.raises(export_mod.ExportError):
        export_mod.export(pub, tmp_path / "unrelated", renderer=renderer)
    export_mod.export(pub, folder, "https://example.org/", renderer=renderer)
    (folder / "site" / "stale.txt").write_text("from an earlier export")
    done = export_mod.export(pub, folder, "https://example.org/", renderer=renderer)
    assert not (folder / "site" / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release", "unrelated"]
    assert done.documents == json.loads((folder / export_mod.MANIFEST).read_text())["documents"]
    body = (folder / "site" / "id" / "org" / "microsoft.ttl").read_text()
    assert "<https://example.org/id/org/microsoft>" in body
    assert "root " + str(folder / "site") + ";" in (folder / "nginx" / "site.conf").read_text()
