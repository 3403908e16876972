"""The media-type table and the one negotiation function, case by case."""

from __future__ import annotations

import pytest

from server.errors import BadRequest, NotAcceptable
from server.negotiation import (
    DOCUMENT_FORMATS,
    ERROR_FORMATS,
    HTML,
    JSONLD,
    NTRIPLES,
    PROBLEM,
    RDF_FORMATS,
    RDFXML,
    TURTLE,
    accepts_gzip,
    choose,
    fallback,
    parse_accept,
    split_suffix,
)

JLD = "http://www.w3.org/ns/json-ld#"

# (Accept header, expected format or None for 406) for an entity document.
CASES = [
    (None, HTML),
    ("", HTML),
    ("   ", HTML),
    ("*/*", HTML),
    ("text/turtle", TURTLE),
    ("application/ld+json", JSONLD),
    ("application/json", JSONLD),
    ("application/n-triples", NTRIPLES),
    ("application/rdf+xml", RDFXML),
    ("application/xml", RDFXML),
    ("text/xml", RDFXML),
    ("text/n3", TURTLE),
    ("application/x-turtle", TURTLE),
    ("application/xhtml+xml", HTML),
    ("TEXT/TURTLE", TURTLE),
    # q-values
    ("text/turtle;q=0.5, application/ld+json", JSONLD),
    ("text/turtle;q=0.9, application/ld+json;q=0.8", TURTLE),
    ("application/ld+json;q=0.5, text/turtle;q=0.5", TURTLE),  # tie: server order
    ("text/turtle;q=0", None),
    ("text/turtle;q=0, */*", HTML),
    ("text/html;q=0, */*", TURTLE),
    ("*/*;q=0", None),
    ("text/*", HTML),
    ("text/*;q=0.5, text/turtle", TURTLE),
    ("application/*", JSONLD),
    ("text/turtle;q=1.000", TURTLE),
    # browsers and crawlers
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
     "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7", HTML),
    # RDF clients (rdflib, Jena, curl with a list)
    ("application/rdf+xml, text/rdf+n3;q=0.9, application/n-triples;q=0.8", RDFXML),
    ("text/turtle, application/n-triples;q=0.9, */*;q=0.1", TURTLE),
    # parameters
    ("text/turtle;charset=utf-8", TURTLE),
    ("text/turtle; charset=UTF-8", TURTLE),
    ("text/turtle;charset=iso-8859-1", None),
    (f'application/ld+json;profile="{JLD}compacted"', JSONLD),
    (f'application/ld+json;profile="{JLD}expanded"', None),
    (f'application/ld+json;profile="{JLD}expanded", text/turtle;q=0.1', TURTLE),
    (f'application/ld+json; profile="{JLD}flattened {JLD}compacted"', None),
    ('application/ld+json;profile="a, b", text/html;q=0.1', JSONLD),  # quoted comma
    ("text/turtle;level=1;q=0.2, text/turtle;q=0.8", TURTLE),
    # odd and malformed
    ("image/png", None),
    ("garbage", None),
    ("text/turtle;q=abc", None),
    ("text/turtle;q=2", None),
    ("text/turtle;q=-1", None),
    ("*/turtle", None),
    ("text/turtle;;", None),
    (",,,text/turtle,,", TURTLE),
    ("text/html;q=0.1, garbage, image/png", HTML),
    ("application/trig", None),
]


@pytest.mark.parametrize(("accept", "expected"), CASES)
def test_choose_for_a_document(accept: str | None, expected: object) -> None:
    if expected is None:
        with pytest.raises(NotAcceptable) as info:
            choose(accept, DOCUMENT_FORMATS)
        assert info.value.available == [f.media_type for f in DOCUMENT_FORMATS]
        assert "text/turtle" in str(info.value)
    else:
        assert choose(accept, DOCUMENT_FORMATS) is expected


@pytest.mark.parametrize(("accept", "expected"), [
    (None, TURTLE), ("*/*", TURTLE), ("text/html", HTML), ("application/json", JSONLD),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML),
])
def test_server_preference_follows_the_offer(accept: str | None, expected: object) -> None:
    assert choose(accept, (*RDF_FORMATS, HTML)) is expected


@pytest.mark.parametrize(("accept", "expected"), [
    (None, PROBLEM), ("*/*", PROBLEM), ("application/json", PROBLEM), ("text/turtle", PROBLEM),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML),
    ("garbage", PROBLEM), ("x" * 5000, PROBLEM),
])
def test_error_bodies_never_fail_to_negotiate(accept: str | None, expected: object) -> None:
    assert fallback(accept, ERROR_FORMATS) is expected


def test_an_overlong_accept_header_is_a_bad_request() -> None:
    with pytest.raises(BadRequest):
        choose("text/turtle," * 1000, DOCUMENT_FORMATS)


def test_parse_accept_keeps_parameters_and_quality() -> None:
    (r,) = parse_accept('application/ld+json; profile="x, y"; q=0.3; ext=1')
    assert (r.type, r.subtype, r.params, r.q) == ("application", "ld+json",
                                                   (("profile", "x, y"),), 0.3)


@pytest.mark.parametrize(("header", "expected"), [
    (None, False), ("", False), ("gzip", True), ("gzip, deflate, br", True),
    ("br;q=1.0, gzip;q=0.8", True), ("gzip;q=0", False), ("*", True),
    ("*;q=0", False), ("identity", False), ("gzip;q=0, *", False), ("deflate, *;q=0.1", True),
    ("gzip;q=x", False),
])
def test_accepts_gzip(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


@pytest.mark.parametrize(("path", "stem", "fmt"), [
    ("id/org/microsoft.ttl", "id/org/microsoft", TURTLE),
    ("id/org/microsoft.jsonld", "id/org/microsoft", JSONLD),
    ("id/org/microsoft.html", "id/org/microsoft", HTML),
    ("def.rdf", "def", RDFXML),
    ("id/org/microsoft", "id/org/microsoft", None),
    ("def/1.0.0", "def/1.0.0", None),
    ("id/org/x.y/z", "id/org/x.y/z", None),
    ("id/org/microsoft.exe", "id/org/microsoft.exe", None),
])
def test_split_suffix(path: str, stem: str, fmt: object) -> None:
    assert split_suffix(path) == (stem, fmt)
