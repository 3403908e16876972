"""/sparql: the read-only SPARQL 1.1 Protocol endpoint, its service description and query page.

Thin views: sparql_protocol reads the request, sparql_check refuses updates and SERVICE,
sparql_formats negotiates, sparql_results runs (cached) and tables, sparql_description
describes. Every response, errors and timeouts included, carries CORS headers.
"""

from __future__ import annotations

import dataclasses
import threading
from email.utils import formatdate
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for

from . import headers as headers_mod
from . import sparql_check, sparql_formats, sparql_protocol, sparql_results
from .errorhandlers import problem
from .errors import NotAcceptable, PayloadTooLarge, PublisherError
from .headers import EXPOSED
from .publication import publication, served_iri
from .representations import make as make_representation
from .sparql_cache import Memo, ResultCache
from .sparql_description import DEFAULT_GRAPH_TEXT, description, limits_text
from .sparql_examples import example, examples
from .sparql_formats import BINDINGS, BOOLEAN, BY_KEY, DESCRIPTION, GRAPH, ResultFormat
from .store import QueryRequest, QueryResult, query_prefixes

bp = Blueprint("sparql", __name__)
_STARTED = formatdate(usegmt=True)  # Last-Modified when the publisher does not say

ALLOW = "GET, HEAD, POST, OPTIONS"
HTML_ROWS = 1000  # the page shows at most this many rows; downloads have them all
_KIND = {"SELECT": BINDINGS, "ASK": BOOLEAN, "CONSTRUCT": GRAPH, "DESCRIBE": GRAPH}
_RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}
_EXPOSED = EXPOSED + ", SPARQL-Results-Truncated, SPARQL-Results-Limit, Server-Timing"
# The query page loads its own script and stylesheet, nothing from elsewhere.
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@bp.record_once
def _setup(state: Any) -> None:
    app: Flask = state.app
    store = app.extensions["mcm"].store
    if hasattr(store, "configure_pool"):
        memory = int(app.config["SPARQL_WORKER_MEMORY_MB"]) or None
        store.configure_pool(int(app.config["SPARQL_WORKERS"]), memory)
        if not app.config.get("TESTING"):
            # Served for real: have the workers ready before the first query arrives.
            threading.Thread(target=store.pool.start, name="sparql-pool-start",
                             daemon=True).start()
    app.extensions["mcm.sparql_cache"] = ResultCache(int(app.config["SPARQL_CACHE_BYTES"]))
    app.extensions["mcm.sparql_memo"] = Memo(1024)


def cache() -> ResultCache:
    """The app's result cache."""
    result: ResultCache = current_app.extensions["mcm.sparql_cache"]
    return result


@bp.after_request
def _cors(response: Response) -> Response:
    # A public read-only endpoint: any web page may query it (no cookies are involved).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = _EXPOSED
    return response


_METHODS = ["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"]


@bp.route("/sparql", methods=_METHODS, provide_automatic_options=False)
def endpoint() -> Response:
    """The SPARQL 1.1 Protocol query operation; without a query, the service description."""
    if request.method == "OPTIONS":
        return _preflight()
    if request.method in ("GET", "HEAD"):
        repeated = _repeated_get()
        if repeated is not None:
            return repeated
    if request.method not in ("GET", "HEAD", "POST"):
        response = problem(405, "Method not allowed",
                           f"{request.method} is not a SPARQL query operation; use GET or POST. "
                           "This endpoint is read-only.")
        response.headers["Allow"] = ALLOW
        return response
    try:
        config = current_app.config
        body = _body(int(config["SPARQL_MAX_BODY"])) if request.method == "POST" else b""
        proto = sparql_protocol.parse(
            "POST" if request.method == "POST" else "GET", request.headers.get("Content-Type"),
            request.query_string, body, int(config["SPARQL_MAX_QUERY_LENGTH"]))
        if proto.query is None:
            return _service_description(proto)
        return _answer(proto)
    except PublisherError as exc:
        if _wants_html():
            return _page(status=exc.status, error=str(exc), query=_query_for_page())
        raise


# /sparql/ answers too (the W3C protocol tests use it); links name /sparql.
bp.add_url_rule("/sparql/", "endpoint_slash", endpoint, methods=_METHODS,
                provide_automatic_options=False)


@bp.get("/sparql/examples/<slug>")
def example_text(slug: str) -> Response:
    """One example query's text (application/sparql-query), as linked from the description."""
    found = example(slug, publication().dataset.base)
    if found is None:
        return problem(404, "Not found", f"There is no example query {slug!r}.")
    return Response(found.text, content_type="application/sparql-query; charset=utf-8")


def _preflight() -> Response:
    response = Response(status=204)
    response.headers["Allow"] = ALLOW
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers", "Accept, Content-Type")
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _body(limit: int) -> bytes:
    """The request body, refusing more than `limit` bytes before reading them."""
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(f"The request body is {length} bytes; the limit is {limit}.")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
    return data


def _wants_html() -> bool:
    try:
        fmt = sparql_formats.choose(BINDINGS, request.headers.get("Accept"),
                                    request.args.getlist("format"))
    except PublisherError:
        return False
    return fmt.key == "html"


def _query_for_page() -> str:
    if request.method == "POST" and request.mimetype == sparql_protocol.FORM:
        return request.form.get("query", "")
    return request.args.get("query", "")


# A GET seen before (same query string, same Accept) maps straight to its cached result,
# skipping parsing, checks and negotiation: the common case of a page or a dashboard polling.
_MEMO_MAX_QUERY_STRING = 8192


def _repeated_get() -> Response | None:
    memo: Memo = current_app.extensions["mcm.sparql_memo"]
    entry = memo.get((request.query_string, request.headers.get("Accept")))
    if not isinstance(entry, tuple):
        return None
    key, served, max_rows = entry
    result = cache().get(publication().store.version, key)
    if result is None:
        return None
    return _result_response(result, served, max_rows, cached=True)


def _result_response(result: QueryResult, served: ResultFormat, max_rows: int,
                     cached: bool) -> Response:
    extra = [("SPARQL-Results-Limit", str(max_rows))]
    if result.truncated:
        extra.append(("SPARQL-Results-Truncated", "true"))
    if request.method != "POST" and len(result.body) <= _FAST_PATH_MAX_BODY:
        fast = _through_fast_path(result, served, extra, _timing(result, cached))
        if fast is not None:
            return fast
    response = Response(result.body, content_type=served.content_type)
    response.headers["Vary"] = "Accept"
    for name, value in extra:
        response.headers[name] = value
    response.headers["Server-Timing"] = _timing(result, cached)
    return response


# Small GET results are also handed to the publisher's WSGI fast path (server/headers.py),
# which answers the same request again without Flask, with an ETag, 304s and gzip. Only
# small ones: that table is bounded by its number of entries, and queries vary without end.
_FAST_PATH_MAX_BODY = 16 * 1024


def _through_fast_path(result: QueryResult, served: ResultFormat,
                       extra: list[tuple[str, str]], timing: str) -> Response | None:
    fast = current_app.extensions.get(headers_mod.FASTPATH)
    if fast is None:
        return None
    renderer = current_app.extensions.get("mcm.renderer")
    last_modified = getattr(renderer, "last_modified", None) or _STARTED
    rep = make_representation(result.body, served.content_type)
    base = headers_mod.prepare(rep, last_modified=last_modified, negotiated=True)

    def ours(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        kept = [(k, _EXPOSED if k == "Access-Control-Expose-Headers" else v)
                for k, v in headers if k != "Vary"]
        return [*kept, ("Vary", "Accept, Accept-Encoding"), *extra,
                ("Server-Timing", 'cache;desc="hit"')]

    prepared = dataclasses.replace(
        base, plain=ours(base.plain), gzip=ours(base.gzip) if base.gzip else None,
        plain_304=ours(base.plain_304), gzip_304=ours(base.gzip_304) if base.gzip_304 else None)
    fast.remember(request.environ, prepared)
    h = request.headers
    status, headers, body = headers_mod.answer(prepared, h.get("Accept-Encoding"),
                                               h.get("If-None-Match"),
                                               h.get("If-Modified-Since"))
    # This answer itself says how it was made; the fast path's later ones say "cache".
    headers = [(k, timing if k == "Server-Timing" else v) for k, v in headers]
    return Response(body, status, headers)


def _answer(proto: sparql_protocol.ProtocolRequest) -> Response:
    config = current_app.config
    pub = publication()
    assert proto.query is not None
    info = sparql_check.check(proto.query, config["SPARQL_SERVICE_ALLOWLIST"],
                              query_prefixes(pub.dataset.base))
    kind = _KIND.get(info.form or "", BINDINGS)
    try:
        fmt: ResultFormat | None = sparql_formats.choose(kind, request.headers.get("Accept"),
                                                         proto.formats)
    except NotAcceptable:
        if info.form is not None:
            raise
        fmt = None  # not a query we can read: the engine's syntax error is the answer
    html = fmt is not None and fmt.key == "html"
    query = QueryRequest(
        query=proto.query,
        bindings_format="json" if html or fmt is None or kind == GRAPH else fmt.key,
        graph_format="ntriples" if html else (fmt.key if fmt and kind == GRAPH else "turtle"),
        default_graphs=proto.default_graphs, named_graphs=proto.named_graphs,
        timeout=float(config["SPARQL_TIMEOUT"]), max_rows=int(config["SPARQL_MAX_ROWS"]))
    result, cached = sparql_results.run(pub.store, cache(), query)
    if html:
        return _page(query=proto.query, result=result, cached=cached, proto=proto)
    served = BY_KEY[result.format]
    if request.method != "POST" and len(request.query_string) <= _MEMO_MAX_QUERY_STRING:
        memo: Memo = current_app.extensions["mcm.sparql_memo"]
        memo.put((request.query_string, request.headers.get("Accept")),
                 (sparql_results.cache_key(query), served, query.max_rows))
    return _result_response(result, served, query.max_rows, cached)


def _timing(result: QueryResult, cached: bool) -> str:
    if cached:
        return 'cache;desc="hit"'
    return f"engine;dur={result.engine_ms:.3f}, serialize;dur={result.serialize_ms:.3f}"


def _description_bytes(endpoint: str, key: str, example_url: str) -> bytes:
    """The serialized description, kept per endpoint URL (the Host header varies it)."""
    pub = publication()
    kept: dict[tuple[str, ...], bytes] = current_app.extensions.setdefault(
        "mcm.sparql_descriptions", {})
    cache_key = (endpoint, pub.dataset.version, key, example_url)
    if cache_key not in kept:
        if len(kept) >= 64:  # bounded: Host headers are chosen by clients
            kept.clear()
        graph = description(endpoint, pub.dataset, current_app.config,
                            examples(pub.dataset.base), example_url)
        kept[cache_key] = graph.serialize(format=_RDFLIB_FORMAT[key], encoding="utf-8")
    return kept[cache_key]


def _service_description(proto: sparql_protocol.ProtocolRequest) -> Response:
    fmt = sparql_formats.choose(DESCRIPTION, request.headers.get("Accept"), proto.formats)
    if fmt.key == "html":
        return _page()
    endpoint = request.base_url
    example_url = url_for(".example_text", slug="SLUG", _external=True).replace("SLUG", "{slug}")
    body = _description_bytes(endpoint, fmt.key, example_url)
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response



def _download_links(proto: sparql_protocol.ProtocolRequest, kind: str) -> list[dict[str, str]]:
    params: dict[str, Any] = {"query": proto.query}
    if proto.default_graphs:
        params["default-graph-uri"] = list(proto.default_graphs)
    if proto.named_graphs:
        params["named-graph-uri"] = list(proto.named_graphs)
    return [{"label": fmt.label, "media_type": fmt.media_type, "extension": fmt.extension,
             "href": url_for(".endpoint", format=fmt.key, **params)}
            for fmt in sparql_formats.offers(kind) if fmt.key != "html"]


def _page(status: int = 200, query: str = "", result: QueryResult | None = None,
          cached: bool = False, error: str | None = None,
          proto: sparql_protocol.ProtocolRequest | None = None) -> Response:
    """The query page: editor, examples, and the result or error of the query it was sent."""
    config = current_app.config
    pub = publication()
    prefixes = query_prefixes(pub.dataset.base)
    table = downloads = None
    if result is not None and proto is not None:
        table = sparql_results.table(result, prefixes, served_iri, HTML_ROWS)
        downloads = _download_links(proto, result.kind)
    text = render_template(
        "sparql.html", query=query, result=result, table=table, cached=cached, error=error,
        downloads=downloads, examples=examples(pub.dataset.base),
        endpoint=url_for(".endpoint", _external=True), prefixes=prefixes, base=pub.dataset.base,
        limits=limits_text(config), default_graph=DEFAULT_GRAPH_TEXT,
        graphs=[str(pub.dataset.graph_iri(name)) for name in pub.dataset.graphs],
        html_rows=HTML_ROWS, max_rows=int(config["SPARQL_MAX_ROWS"]),
        description_links=[(f.label, url_for(".endpoint", format=f.key))
                           for f in sparql_formats.offers(DESCRIPTION) if f.key != "html"],
    )
    response = Response(text, status=status, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    response.headers["Content-Security-Policy"] = _CSP
    if result is not None:
        response.headers["SPARQL-Results-Limit"] = str(config["SPARQL_MAX_ROWS"])
        if result.truncated:
            response.headers["SPARQL-Results-Truncated"] = "true"
    return response
