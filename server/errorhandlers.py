"""Map every error to one response shape: JSON for machines, never a stack trace."""

from __future__ import annotations

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from .errors import PublisherError


def problem(status: int, title: str, detail: str) -> Response:
    """An RFC 9457 problem+json response."""
    response = jsonify(type="about:blank", title=title, status=status, detail=detail)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def register(app: Flask) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(PublisherError)
    def publisher_error(exc: PublisherError) -> Response:
        return problem(exc.status, exc.title, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return problem(exc.code or 500, exc.name, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error")
        return problem(500, "Internal error", "The server failed to answer; the error is logged.")
