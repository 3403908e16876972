"""The media types the publisher serves, and the one function that chooses among them.

Decisions (see README, "Publishing"):
- No Accept header, an empty one, or `*/*`: the first offered format (server preference).
- Equal q-values are broken by specificity, then by server preference (the order of
  `offered`), never by the order in the header (RFC 9110 gives that order no meaning).
- A format's q is the q of the most specific range that matches it (RFC 9110 §12.5.1):
  `text/turtle;q=0, */*` excludes Turtle.
- Aliases: `application/json` is answered with JSON-LD, `application/xml` and `text/xml`
  with RDF/XML, `text/n3` and `application/x-turtle` with Turtle, `application/xhtml+xml`
  with HTML; the response always carries the format's own media type.
- Parameters: `charset` other than UTF-8 does not match; a JSON-LD `profile` asking for the
  expanded or flattened form does not match (documents are compacted and framed); other
  parameters are ignored.
- A range that cannot be parsed (no slash, bad q) is skipped; if nothing acceptable remains
  the answer is NotAcceptable (406), listing what is available.
- A suffix (`.ttl`, `.jsonld`, ...) names a format for people who cannot set headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import BadRequest, NotAcceptable


@dataclass(frozen=True)
class Format:
    """One representation format: its key, media type, URL suffix and rdflib/ox names."""

    key: str
    media_type: str
    suffix: str
    label: str
    charset: bool = True  # text formats carry "; charset=utf-8"
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


HTML = Format("html", "text/html", ".html", "HTML", aliases=("application/xhtml+xml",))
TURTLE = Format("ttl", "text/turtle", ".ttl", "Turtle",
                aliases=("application/x-turtle", "text/n3"))
JSONLD = Format("jsonld", "application/ld+json", ".jsonld", "JSON-LD",
                aliases=("application/json",))
NTRIPLES = Format("nt", "application/n-triples", ".nt", "N-Triples")
RDFXML = Format("rdf", "application/rdf+xml", ".rdf", "RDF/XML",
                aliases=("application/xml", "text/xml"))
NQUADS = Format("nq", "application/n-quads", ".nq", "N-Quads")
TRIG = Format("trig", "application/trig", ".trig", "TriG")
CSV = Format("csv", "text/csv", ".csv", "CSV")
PROBLEM = Format("problem", "application/problem+json", ".json", "Problem details",
                 charset=False, aliases=("application/json",))
TEXT = Format("txt", "text/plain", ".txt", "Plain text")
XML = Format("xml", "application/xml", ".xml", "XML")

# What an entity document is offered in, in order of server preference: HTML first, because
# browsers and crawlers that send only */* are people's tools; RDF clients say what they want.
DOCUMENT_FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)
RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML)
# The error body: machines get problem+json unless they prefer HTML.
ERROR_FORMATS: tuple[Format, ...] = (PROBLEM, HTML)

BY_SUFFIX: dict[str, Format] = {f.suffix: f for f in DOCUMENT_FORMATS}
BY_KEY: dict[str, Format] = {f.key: f for f in (*DOCUMENT_FORMATS, NQUADS, TRIG, CSV)}

MAX_ACCEPT_LENGTH = 4096
_JSONLD_NS = "http://www.w3.org/ns/json-ld#"
_TOKEN = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+$|^\*$")


@dataclass(frozen=True)
class MediaRange:
    """One parsed element of an Accept header."""

    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    q: float

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 3 if self.params else 2


def _split(header: str, sep: str) -> list[str]:
    """Split on sep outside double quotes (parameter values may quote commas)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in header:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def parse_media_range(text: str) -> MediaRange | None:
    """Parse `type/subtype;param=value;q=0.5`; None when it is malformed."""
    pieces = _split(text, ";")
    full = pieces[0].strip().lower()
    if full.count("/") != 1:
        return None
    mtype, subtype = full.split("/")
    if not _TOKEN.match(mtype) or not _TOKEN.match(subtype) or (mtype == "*" != subtype):
        return None
    q = 1.0
    params = []
    for piece in pieces[1:]:
        name, eq, value = piece.partition("=")
        name = name.strip().lower()
        value = value.strip()
        if not name or not eq:
            return None
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if name == "q":
            # RFC 9110 qvalue: 0, 1, or three decimals at most.
            if not re.fullmatch(r"0(\.\d{0,3})?|1(\.0{0,3})?", value):
                return None
            q = float(value)
            break  # what follows q are accept-extensions, not media type parameters
        params.append((name, value))
    return MediaRange(mtype, subtype, tuple(params), q)


def parse_accept(header: str) -> list[MediaRange]:
    """Every well-formed media range of an Accept header, malformed ones skipped."""
    ranges = []
    for part in _split(header, ","):
        if part.strip():
            parsed = parse_media_range(part)
            if parsed is not None:
                ranges.append(parsed)
    return ranges


def _params_fit(fmt: Format, params: tuple[tuple[str, str], ...]) -> bool:
    for name, value in params:
        if name == "charset" and value.lower() not in ("utf-8", "utf8"):
            return False
        if name == "profile" and fmt is JSONLD:
            profiles = value.split()
            if any(p in (_JSONLD_NS + "expanded", _JSONLD_NS + "flattened") for p in profiles):
                return False
    return True


def _quality(fmt: Format, ranges: list[MediaRange]) -> tuple[float, int]:
    """The q of the most specific range matching fmt, and that specificity (-1: none)."""
    best_q, best_spec = 0.0, -1
    names = (fmt.media_type, *fmt.aliases)
    for r in ranges:
        if r.type == "*":
            spec = 0
        elif r.subtype == "*":
            # Only the served media type counts here: `application/*` is not answered with
            # text/html because HTML has an application/xhtml+xml alias.
            if fmt.media_type.split("/")[0] != r.type:
                continue
            spec = 1
        elif f"{r.type}/{r.subtype}" in names:
            if not _params_fit(fmt, r.params):
                continue
            spec = r.specificity
        else:
            continue
        if spec > best_spec or (spec == best_spec and r.q > best_q):
            best_q, best_spec = r.q, spec
    return best_q, best_spec


def choose(accept: str | None, offered: tuple[Format, ...]) -> Format:
    """The format to answer with, or raise NotAcceptable listing the offered media types.

    Raises BadRequest for an Accept header longer than MAX_ACCEPT_LENGTH.
    """
    if accept is not None and len(accept) > MAX_ACCEPT_LENGTH:
        raise BadRequest(f"The Accept header is longer than {MAX_ACCEPT_LENGTH} characters.")
    return _choose(accept or "", offered)


@lru_cache(maxsize=1024)
def _choose(accept: str, offered: tuple[Format, ...]) -> Format:
    # Cached: clients send a handful of distinct Accept headers, and this runs per request.
    if not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    best: Format | None = None
    best_key = (0.0, -1)
    for fmt in offered:  # in preference order, so that ties keep the earlier format
        q, spec = _quality(fmt, ranges)
        if q > 0 and (q, spec) > best_key:
            best, best_key = fmt, (q, spec)
    if best is None:
        available = [f.media_type for f in offered]
        raise NotAcceptable(
            "None of the formats this resource has fits the Accept header; available: "
            + ", ".join(available) + ".", available)
    return best


def fallback(accept: str | None, offered: tuple[Format, ...]) -> Format:
    """Like choose(), but the first offered format instead of an error (for error bodies)."""
    try:
        return choose(accept, offered)
    except (NotAcceptable, BadRequest):
        return offered[0]


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (explicitly or by `*`), q > 0."""
    if not accept_encoding:
        return False
    allowed = None
    star = None
    for part in accept_encoding.lower().split(","):
        coding, _, rest = part.strip().partition(";")
        q = 1.0
        rest = rest.strip()
        if rest.startswith("q="):
            try:
                q = float(rest[2:])
            except ValueError:
                continue
        if coding.strip() in ("gzip", "x-gzip"):
            allowed = q > 0
        elif coding.strip() == "*":
            star = q > 0
    return allowed if allowed is not None else bool(star)


def split_suffix(path: str) -> tuple[str, Format | None]:
    """Split a known format suffix off a path: `id/org/x.ttl` -> (`id/org/x`, TURTLE)."""
    dot = path.rfind(".")
    if dot > path.rfind("/"):
        fmt = BY_SUFFIX.get(path[dot:])
        if fmt is not None:
            return path[:dot], fmt
    return path, None
