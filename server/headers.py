"""Response headers: caching and conditional requests, gzip, Vary, CORS, security.

`respond()` turns a cached Representation into a response with as little per-request
work as possible: header values are precomputed, the body is bytes already in memory.
`register()` installs what every response of the app gets (CORS, nosniff).
"""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from functools import lru_cache

from flask import Flask, Request, Response, request

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


def not_modified(req: Request, etags: tuple[str | None, ...], last_modified: str) -> bool:
    """Whether a conditional GET/HEAD can be answered 304 (If-None-Match wins, RFC 9110)."""
    inm = req.headers.get("If-None-Match")
    if inm is not None:
        tags = _etags(inm)
        return "*" in tags or any(t in tags for t in etags if t)
    ims = req.headers.get("If-Modified-Since")
    if ims:
        try:
            return parsedate_to_datetime(ims) >= _http_date(last_modified)
        except (TypeError, ValueError, IndexError):
            return False  # an unreadable date is ignored, as RFC 9110 says
    return False


@lru_cache(maxsize=8)
def _http_date(value: str):  # type: ignore[no-untyped-def]
    return parsedate_to_datetime(value)


def respond(rep: Representation, *, last_modified: str, negotiated: bool,
            content_location: str | None = None, html: bool = False) -> Response:
    """The response for a representation: 200 or 304, gzip when accepted, all headers."""
    use_gzip = rep.gzipped is not None and accepts_gzip(request.headers.get("Accept-Encoding"))
    headers = {
        "ETag": (rep.gzip_etag if use_gzip else rep.etag) or rep.etag,
        "Last-Modified": last_modified,
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept, Accept-Encoding" if negotiated else "Accept-Encoding",
    }
    if rep.link:
        headers["Link"] = rep.link
    if content_location:
        headers["Content-Location"] = content_location
    if html:
        headers["Content-Security-Policy"] = CSP
    if not_modified(request, (rep.etag, rep.gzip_etag), last_modified):
        return Response(status=304, headers=headers)
    headers["Content-Type"] = rep.content_type
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
        return Response(rep.gzipped, 200, headers)
    return Response(rep.body, 200, headers)


def register(app: Flask) -> None:
    """Headers every response gets: CORS (errors included), nosniff, a referrer policy."""

    @app.after_request
    def common_headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Access-Control-Allow-Origin", "*")
        h.setdefault("Access-Control-Expose-Headers", EXPOSED)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if request.method == "OPTIONS":
            h.setdefault("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
            h.setdefault("Access-Control-Allow-Headers",
                         "Accept, Accept-Language, Content-Type, If-None-Match, "
                         "If-Modified-Since")
            h.setdefault("Access-Control-Max-Age", "86400")
        return response
