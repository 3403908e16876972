"""Response headers: caching and conditional requests, gzip, Vary, CORS, security.

`respond()` turns a cached Representation into a response with as little per-request
work as possible: header values are precomputed, the body is bytes already in memory.
`register()` installs what every response of the app gets (CORS, nosniff).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

from flask import Flask, Request, Response, current_app, request

from .errors import BadRequest
from .negotiation import accepts_gzip
from .representations import Representation

CACHE_CONTROL = "public, max-age=300"
# Pages load their own stylesheet and icon only; JSON-LD data blocks are not scripts.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
EXPOSED = "ETag, Link, Content-Location, Last-Modified, Location, Vary"
MAX_PATH = 1024

_HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$"
)


@lru_cache(maxsize=256)
def _origin(scheme: str, host: str, script_root: str) -> str:
    if not _HOST.match(host):
        raise BadRequest("The Host header is not a valid host name.")
    return f"{scheme}://{host}{script_root}/"


def request_origin(req: Request | None = None) -> str:
    """The origin a request came to, as a base (`http://127.0.0.1:8000/`); 400 on a bad Host."""
    req = req or request
    return _origin(req.scheme, req.host, req.script_root)


@lru_cache(maxsize=256)
def _etags(header: str) -> frozenset[str]:
    return frozenset(t.strip().removeprefix("W/") for t in header.split(","))


def not_modified(inm: str | None, ims: str | None, etags: tuple[str | None, ...],
                 last_modified: str) -> bool:
    """Whether a conditional GET/HEAD can be answered 304 (If-None-Match wins, RFC 9110)."""
    if inm is not None:
        tags = _etags(inm)
        return "*" in tags or any(t in tags for t in etags if t)
    if ims:
        try:
            return parsedate_to_datetime(ims) >= _http_date(last_modified)
        except (TypeError, ValueError, IndexError):
            return False  # an unreadable date is ignored, as RFC 9110 says
    return False


@lru_cache(maxsize=8)
def _http_date(value: str):  # type: ignore[no-untyped-def]
    return parsedate_to_datetime(value)


# What every response gets (after_request adds them to the ones Flask makes).
COMMON: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", EXPOSED),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)


@dataclass(frozen=True)
class Prepared:
    """A representation with its header lists computed once: 200 and 304, plain and gzip."""

    rep: Representation
    last_modified: str
    plain: list[tuple[str, str]]
    gzip: list[tuple[str, str]] | None
    plain_304: list[tuple[str, str]]
    gzip_304: list[tuple[str, str]] | None


def prepare(rep: Representation, *, last_modified: str, negotiated: bool,
            content_location: str | None = None, html: bool = False) -> Prepared:
    """The header lists of a representation (see Prepared)."""
    shared = [
        ("Last-Modified", last_modified),
        ("Cache-Control", CACHE_CONTROL),
        ("Vary", "Accept, Accept-Encoding" if negotiated else "Accept-Encoding"),
    ]
    if rep.link:
        shared.append(("Link", rep.link))
    if content_location:
        shared.append(("Content-Location", content_location))
    if html:
        shared.append(("Content-Security-Policy", CSP))
    shared += COMMON

    def full(etag: str, gzipped: bool) -> list[tuple[str, str]]:
        out = [("Content-Type", rep.content_type), ("ETag", etag), *shared]
        return [*out, ("Content-Encoding", "gzip")] if gzipped else out

    gz = rep.gzip_etag
    return Prepared(
        rep, last_modified,
        plain=full(rep.etag, False),
        gzip=full(gz, True) if gz else None,
        plain_304=[("ETag", rep.etag), *shared],
        gzip_304=[("ETag", gz), *shared] if gz else None,
    )


def answer(p: Prepared, accept_encoding: str | None, if_none_match: str | None,
           if_modified_since: str | None) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body for a request's Accept-Encoding and conditional headers."""
    use_gzip = p.gzip is not None and accepts_gzip(accept_encoding)
    if not_modified(if_none_match, if_modified_since, (p.rep.etag, p.rep.gzip_etag),
                    p.last_modified):
        return 304, (p.gzip_304 if use_gzip and p.gzip_304 else p.plain_304), b""
    if use_gzip and p.gzip is not None and p.rep.gzipped is not None:
        return 200, p.gzip, p.rep.gzipped
    return 200, p.plain, p.rep.body


def respond(rep: Representation, *, last_modified: str, negotiated: bool,
            content_location: str | None = None, html: bool = False) -> Response:
    """The response for a representation: 200 or 304, gzip when accepted, all headers.

    The request is remembered by the fast path, which answers the same request again
    without Flask.
    """
    prepared = prepare(rep, last_modified=last_modified, negotiated=negotiated,
                       content_location=content_location, html=html)
    h = request.headers
    status, headers, body = answer(prepared, h.get("Accept-Encoding"), h.get("If-None-Match"),
                                   h.get("If-Modified-Since"))
    fast = current_app.extensions.get(FASTPATH)
    if fast is not None:
        fast.remember(request.environ, prepared)
    return Response(body, status, headers)


FASTPATH = "mcm.fastpath"
_STATUS = {200: "200 OK", 304: "304 Not Modified"}


class FastPath:
    """WSGI middleware answering repeated GET/HEAD requests for cached representations.

    Flask costs about 200 us a request; a representation already rendered needs only a
    dictionary look-up. The first request for a (path, query, Accept, host) goes through
    Flask, whose view calls respond(), which remembers it here; the same request again is
    answered from here with the same headers. Only successful representations are
    remembered; errors always go through Flask. The table is bounded in entries and in the
    bytes it keeps alive: a client cycling Host headers must not make it grow without end.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], max_entries: int = 8192,
                 max_bytes: int = 64 * 1024 * 1024) -> None:
        self.app = app
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.table: dict[tuple[str | None, ...], Prepared] = {}
        self.bytes = 0

    @staticmethod
    def key(environ: dict[str, Any]) -> tuple[str | None, ...]:
        return (environ.get("PATH_INFO"), environ.get("QUERY_STRING"),
                environ.get("HTTP_ACCEPT"), environ.get("HTTP_HOST"),
                environ.get("wsgi.url_scheme"), environ.get("SCRIPT_NAME"),
                environ.get("SERVER_NAME"), environ.get("SERVER_PORT"))

    def remember(self, environ: dict[str, Any], prepared: Prepared) -> None:
        size = prepared.rep.size
        if len(self.table) >= self.max_entries or self.bytes + size > self.max_bytes:
            # Rare: only many distinct hosts or Accept headers get here. Counting a body
            # shared by several keys more than once errs on the side of clearing early.
            self.table.clear()
            self.bytes = 0
        self.table[self.key(environ)] = prepared
        self.bytes += size

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method == "GET" or method == "HEAD":
            prepared = self.table.get(self.key(environ))
            if prepared is not None:
                status, headers, body = answer(
                    prepared, environ.get("HTTP_ACCEPT_ENCODING"),
                    environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_IF_MODIFIED_SINCE"))
                if status == 200:
                    headers = [*headers, ("Content-Length", str(len(body)))]
                start_response(_STATUS[status], headers)
                return [b""] if method == "HEAD" else [body]
        return self.app(environ, start_response)


def register(app: Flask) -> None:
    """Headers every response gets: CORS (errors included), nosniff, a referrer policy."""

    app.wsgi_app = FastPath(app.wsgi_app)  # type: ignore[method-assign]
    app.extensions[FASTPATH] = app.wsgi_app

    @app.after_request
    def common_headers(response: Response) -> Response:
        h = response.headers
        for name, value in COMMON:
            if name not in h:
                h[name] = value
        if request.method == "OPTIONS":
            h.setdefault("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
            h.setdefault("Access-Control-Allow-Headers",
                         "Accept, Accept-Language, Content-Type, If-None-Match, "
                         "If-Modified-Since")
            h.setdefault("Access-Control-Max-Age", "86400")
        return response
