"""Routes of the published resources: entity documents, the dataset description, dumps,
the JSON-LD context, robots.txt and sitemap.xml. Views only pick what to serve.

Cool URIs: an entity IRI answers 200 with the negotiated representation and a
Content-Location naming that representation's own URL (`/id/org/microsoft.ttl`), rather
than a 303 to it: one round trip instead of two. Hash IRIs (`def#Term`, `shapes#X`,
`signature/x#manifesto`) dereference through their document, as HTTP does anyway.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import RequestURITooLarge
from werkzeug.wrappers import Response

from . import dumps
from .errorhandlers import error_response
from .errors import NotAcceptable, NotFound
from .headers import MAX_PATH, request_origin, respond
from .jsonld import CONTEXT_PATH
from .negotiation import (
    DOCUMENT_FORMATS,
    HTML,
    JSONLD,
    RDF_FORMATS,
    TEXT,
    XML,
    Format,
    choose,
    split_suffix,
)
from .representations import (
    CONTEXT,
    DEFAULT_CACHE_BYTES,
    DOC,
    DUMP,
    LANDING,
    ROBOTS,
    SITEMAP,
    SUMS,
    Renderer,
)

bp = Blueprint("resources", __name__)

# The dataset description is for machines first: */* gets Turtle there.
VOID_FORMATS: tuple[Format, ...] = (*RDF_FORMATS, HTML)


@bp.record_once
def _open_renderer(state: BlueprintSetupState) -> None:
    app = state.app
    app.extensions["mcm.renderer"] = Renderer(
        app.extensions["mcm"], rewrite=bool(app.config.get("REWRITE_TO_ORIGIN", True)),
        max_bytes=int(app.config.get("REPRESENTATION_CACHE_BYTES", DEFAULT_CACHE_BYTES)))


def renderer() -> Renderer:
    """The current app's renderer."""
    r: Renderer = current_app.extensions["mcm.renderer"]
    return r


def negotiate(offered: tuple[Format, ...], iri: str, origin: str) -> Format | Response:
    """The format the Accept header asks for, or the 406 response linking the others."""
    try:
        return choose(request.headers.get("Accept"), offered)
    except NotAcceptable as exc:
        return error_response(exc.status, exc.title, str(exc), available=exc.available,
                              link=renderer().links(iri, origin))


def serve_document(path: str) -> Response:
    """An entity document: negotiated at its IRI, fixed at a suffix URL (`.ttl`)."""
    if len(path) > MAX_PATH:
        raise RequestURITooLarge()
    r = renderer()
    iri, fmt = r.lookup(path), None
    if iri is None:
        stem, fmt = split_suffix(path)
        iri = r.lookup(stem) if fmt is not None else None
        if iri is None:
            raise NotFound(f"There is no resource at /{path}.")
    origin = r.origin(request_origin())
    negotiated = fmt is None
    location = None
    if fmt is None:
        chosen = negotiate(DOCUMENT_FORMATS, iri, origin)
        if isinstance(chosen, Response):
            return chosen
        fmt = chosen
        location = origin + iri[len(r.base):] + fmt.suffix
    rep = r.get(DOC, iri, fmt, origin)
    return respond(rep, last_modified=r.last_modified, negotiated=negotiated,
                   content_location=location, html=fmt is HTML)


@bp.get("/id/<path:rest>")
def entity(rest: str) -> Response:
    return serve_document("id/" + rest)


@bp.get("/def")
@bp.get("/def.<suffix>")
@bp.get("/def/<path:rest>")
@bp.get("/shapes")
@bp.get("/shapes.<suffix>")
@bp.get("/graph/<path:rest>")
def vocabulary(**_: str) -> Response:
    return serve_document(request.path[1:])


def _dataset(offered: tuple[Format, ...]) -> Response:
    r = renderer()
    origin = r.origin(request_origin())
    iri = r.dataset_iri
    chosen = negotiate(offered, iri, origin)
    if isinstance(chosen, Response):
        return chosen
    if chosen is HTML and offered[0] is HTML:
        rep = r.get(LANDING, "", HTML, origin)
        return respond(rep, last_modified=r.last_modified, negotiated=True, html=True)
    rep = r.get(DOC, iri, chosen, origin)
    location = origin + iri[len(r.base):] + chosen.suffix
    return respond(rep, last_modified=r.last_modified, negotiated=True,
                   content_location=location, html=chosen is HTML)


@bp.get("/")
def landing() -> Response:
    """The landing page for people; the dataset description for RDF clients."""
    return _dataset(DOCUMENT_FORMATS)


@bp.get("/.well-known/void")
def well_known_void() -> Response:
    return _dataset(VOID_FORMATS)


def _fixed(kind: str, key: str, fmt: Format) -> Response:
    r = renderer()
    rep = r.get(kind, key, fmt, r.origin(request_origin()))
    return respond(rep, last_modified=r.last_modified, negotiated=False)


@bp.get("/" + CONTEXT_PATH)
def context() -> Response:
    return _fixed(CONTEXT, "", JSONLD)


@bp.get("/dumps/<name>")
def dump(name: str) -> Response:
    if name == dumps.CHECKSUMS:
        return _fixed(SUMS, "", TEXT)
    found = dumps.BY_NAME.get(name)
    if found is None:
        raise NotFound(f"There is no dump named {name!r}; see /.well-known/void.")
    return _fixed(DUMP, found.name, found.format)


@bp.get("/robots.txt")
def robots() -> Response:
    return _fixed(ROBOTS, "", TEXT)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    return _fixed(SITEMAP, "", XML)
