"""The SPARQL 1.1 Protocol's query operation, read from a request without Flask.

`parse` turns method, Content-Type, query string and body into a ProtocolRequest, or raises
the error the protocol asks for: 400 for a malformed request (two queries, an empty one,
bad percent-encoding or UTF-8), 403 for any update, 413 past the size limits, 415 for a POST
that is neither a form nor application/sparql-query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from .errors import BadRequest, Forbidden, PayloadTooLarge, UnsupportedMediaType
from .sparql_check import READ_ONLY

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"


@dataclass(frozen=True)
class ProtocolRequest:
    """A query operation. query is None for a GET without one (the service description)."""

    query: str | None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    # The `format` parameters, a convenience for browsers. Clients such as SPARQLWrapper send
    # several (a name, then media types), so all are kept and the first known one wins.
    formats: tuple[str, ...] = ()


def _params(encoded: str, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(encoded, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(f"The {where} is not valid percent-encoded UTF-8.") from None
    except ValueError as exc:
        raise BadRequest(f"The {where} cannot be read: {exc}") from None


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    main, *params = content_type.split(";")
    parsed = {}
    for param in params:
        name, _, value = param.partition("=")
        parsed[name.strip().lower()] = value.strip().strip('"').lower()
    return main.strip().lower(), parsed


def _decode(body: bytes, charset: str | None, what: str) -> str:
    if charset not in (None, "", "utf-8", "utf8", "us-ascii"):
        raise UnsupportedMediaType(f"The {what} must be UTF-8, not {charset}.")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(f"The {what} is not valid UTF-8.") from None


def _iris(values: Sequence[str], name: str) -> tuple[str, ...] | None:
    for value in values:
        parts = urlsplit(value)
        if not parts.scheme or any(c in value for c in ' <>"{}|^`\\'):
            raise BadRequest(f"{name} must be an absolute IRI, not {value!r}.")
    return tuple(values) if values else None


def parse(method: str, content_type: str | None, query_string: bytes, body: bytes,
          max_query_length: int) -> ProtocolRequest:
    """Read a query operation (GET, POST form, POST direct) into a ProtocolRequest."""
    try:
        url_text = query_string.decode("ascii")
    except UnicodeDecodeError:
        raise BadRequest("The query string has bytes that are not percent-encoded.") from None
    params = _params(url_text, "query string")
    queries = [v for k, v in params if k == "query"]
    media, media_params = _media_type(content_type)
    if method == "POST":
        if media == FORM:
            form = _params(_decode(body, media_params.get("charset"), "form body"), "form body")
            params += form
            queries = [v for k, v in params if k == "query"]
        elif media == QUERY:
            if queries:
                raise BadRequest("A direct POST carries its query in the body; the query "
                                 "string must not have one too.")
            queries = [_decode(body, media_params.get("charset"), "query")]
        elif media == UPDATE:
            raise Forbidden(READ_ONLY)
        elif not media:
            raise UnsupportedMediaType(f"A POST needs a Content-Type: {FORM} or {QUERY}.")
        else:
            raise UnsupportedMediaType(f"Content-Type {media} is not a SPARQL query; "
                                       f"send {FORM} or {QUERY}.")
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in params):
        raise Forbidden(READ_ONLY)
    if len(queries) > 1:
        raise BadRequest(f"The request has {len(queries)} queries; send exactly one.")
    formats = tuple(v for k, v in params if k == "format" and v.strip())
    default = _iris([v for k, v in params if k == "default-graph-uri"], "default-graph-uri")
    named = _iris([v for k, v in params if k == "named-graph-uri"], "named-graph-uri")
    query = queries[0] if queries else None
    if query is None:
        if method == "POST":
            raise BadRequest("The POST has no query parameter.")
    elif not query.strip():
        raise BadRequest("The query is empty.")
    elif len(query) > max_query_length:
        raise PayloadTooLarge(f"The query is {len(query)} characters long; the limit is "
                              f"{max_query_length}.")
    return ProtocolRequest(query=query, default_graphs=default, named_graphs=named,
                           formats=formats)
