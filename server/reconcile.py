"""The reconciliation service for OpenRefine: thin views over reconcile_api, CORS-enabled.

    GET/POST /reconcile               manifest; `queries=` a batch; `extend=` data extension
    GET /reconcile/preview?id=        an HTML card for OpenRefine's preview pop-up
    GET /reconcile/suggest/entity|type|property?prefix=
    GET /reconcile/properties?type=   properties offered for data extension
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from . import reconcile_api as api
from .errors import BadRequest, NotFound, PayloadTooLarge, UnsupportedMediaType
from .linking.agents import concept_labels
from .linking.web import links
from .publication import publication, served_iri
from .reconcile_index import Index

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")
_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,63}")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


@bp.after_request
def cors(response: Response) -> Response:
    """Any web page may call the service (OpenRefine runs in the browser), errors included."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    return response


def catalogue() -> api.Catalogue:
    """The agents, index and concept labels of the current data version (built once)."""
    pub = publication()
    cache = current_app.extensions.setdefault("mcm.reconcile", {})
    key = (pub.dataset.base, pub.dataset.version)
    if key not in cache:
        agents = links(pub).agents
        cache[key] = api.Catalogue(agents=agents, index=Index(agents),
                                   concepts=concept_labels(pub.dataset.graphs["data"]),
                                   base=pub.dataset.base)
    cat: api.Catalogue = cache[key]
    return cat


def _json(body: dict[str, Any]) -> Response:
    text = json.dumps(body, ensure_ascii=False)
    callback = request.args.get("callback")
    if callback:  # JSONP, for older clients; the name is checked so nothing else runs
        if not _CALLBACK.fullmatch(callback):
            raise BadRequest("callback must be a JavaScript identifier")
        return Response(f"/**/{callback}({text});", mimetype="application/javascript")
    return Response(text, mimetype="application/json")


def _int(name: str, default: int, top: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, not {raw!r}") from None
    if value < 0:
        raise BadRequest(f"{name} must not be negative")
    return min(value, top)


@bp.route("", methods=["GET", "POST"])
def service() -> Response:
    limit = current_app.config["RECONCILE_MAX_BODY"]
    if request.content_length and request.content_length > limit:
        raise PayloadTooLarge(f"request body over {limit} bytes")
    if request.method == "POST" and request.content_length and request.mimetype not in _FORMS:
        raise UnsupportedMediaType(
            "send queries as a form (application/x-www-form-urlencoded), as OpenRefine does")
    params = request.values
    if "queries" in params:
        queries = api.parse_queries(params["queries"], current_app.config["RECONCILE_MAX_QUERIES"],
                                    current_app.config["RECONCILE_MAX_LIMIT"])
        return _json(api.reconcile(catalogue(), queries))
    if "extend" in params:
        ids, props = api.parse_extend(params["extend"])
        if len(ids) > current_app.config["RECONCILE_MAX_QUERIES"] * 10:
            raise BadRequest("too many ids in one extension request")
        return _json(api.extend(catalogue(), ids, props))
    if request.method == "POST":
        raise BadRequest("POST needs a 'queries' or 'extend' form field")
    base = publication().dataset.base
    return _json(api.manifest(url_for("reconcile.service", _external=True),
                              served_iri(base + "id/"), base + "id/", base + "def#"))


@bp.get("/preview")
def preview() -> str:
    ident = request.args.get("id", "")
    cat = catalogue()
    agent = cat.by_id(ident)
    if agent is None:
        raise NotFound(f"No organisation or person with id {ident!r}.")
    related = [cat.agents[i] for i in agent.related if i in cat.agents]
    return render_template(
        "reconcile_preview.html", agent=agent, page=served_iri(agent.iri),
        description=api.describe(cat, agent),
        related=[(r.label, served_iri(r.iri)) for r in related])


@bp.get("/suggest/entity")
def suggest_entity() -> Response:
    prefix = request.args.get("prefix", "")[:api.MAX_TEXT]
    limit = _int("limit", 10, current_app.config["RECONCILE_MAX_LIMIT"])
    return _json(api.suggest_entities(catalogue(), prefix, request.args.get("type"), limit))


@bp.get("/suggest/type")
def suggest_type() -> Response:
    return _json(api.suggest_types(request.args.get("prefix", "")[:api.MAX_TEXT]))


@bp.get("/suggest/property")
def suggest_property() -> Response:
    return _json(api.suggest_properties(request.args.get("prefix", "")[:api.MAX_TEXT]))


@bp.get("/properties")
def properties() -> Response:
    limit = _int("limit", 0, 100)
    return _json(api.propose_properties(request.args.get("type"), limit or None))
