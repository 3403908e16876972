"""The landing page (grown by the publishing issue) and a health check."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .publication import publication

bp = Blueprint("home", __name__)


@bp.get("/health")
def health():  # type: ignore[no-untyped-def]
    pub = publication()
    return jsonify(status="ok", version=pub.dataset.version, triples=len(pub.dataset))
