"""Routes for the links: the SSSOM mapping set and a reverse lookup from a Wikidata QID."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, redirect
from werkzeug.wrappers import Response as BaseResponse

from ..errors import BadRequest, NotFound
from ..namespaces import WD
from ..publication import Publication, publication, served_iri
from . import snapshot as snap
from . import sssom
from .agents import Agent, agents, qid

bp = Blueprint("linking", __name__)
_QID = re.compile(r"[Qq][1-9][0-9]{0,11}")


@dataclass(frozen=True)
class Links:
    """What the link routes need, computed once per data version."""

    agents: dict[str, Agent]
    by_qid: dict[str, str]  # QID -> our IRI
    sssom: str


def links(pub: Publication | None = None) -> Links:
    """The Links of the current app's publication (built on first use, then kept)."""
    pub = pub or publication()
    cache = current_app.extensions.setdefault("mcm.linking", {})
    key = (pub.dataset.base, pub.dataset.version)
    if key not in cache:
        everyone = agents(pub.dataset.graphs["data"])
        facts = pub.dataset.graphs.get("wikidata")
        labels: dict[str, str] = {}
        if facts is not None:
            for s, o in facts.subject_objects(snap.RDFS.label):
                if (q := qid(str(s))) and str(s).startswith(str(WD)):
                    labels[q] = str(o)
        try:
            verified = snap.read_verified(pub.root / snap.VERIFIED)
        except OSError:
            verified = {}
        text = sssom.mapping_set(everyone, verified, labels, pub.dataset.base,
                                 pub.dataset.version)
        by_qid = {a.wikidata: a.iri for a in everyone.values() if a.wikidata}
        cache[key] = Links(agents=everyone, by_qid=by_qid, sssom=text)
    result: Links = cache[key]
    return result


@bp.get("/" + sssom.PATH)
def mapping_set() -> Response:
    return Response(links().sssom, mimetype="text/tab-separated-values",
                    headers={"Content-Disposition": "inline; filename=wikidata.sssom.tsv",
                             "Access-Control-Allow-Origin": "*"})


@bp.get("/wikidata/<path:item>")
def from_wikidata(item: str) -> BaseResponse:
    """303 See Other from a Wikidata QID to our entity linked to it; 404 if none is."""
    if not _QID.fullmatch(item):
        raise BadRequest(f"{item!r} is not a Wikidata item identifier (Q followed by digits)")
    iri = links().by_qid.get(item.upper())
    if iri is None:
        raise NotFound(f"No entity of this dataset is linked to wd:{item.upper()}.")
    response = redirect(served_iri(iri), code=303)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
