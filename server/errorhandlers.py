"""Map every error to one response, in the family the client asked for: an HTML page for
browsers, RFC 9457 problem+json for everything else. Never a stack trace."""

from __future__ import annotations

import json

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from .errors import NotAcceptable, PublisherError
from .headers import CSP
from .negotiation import ERROR_FORMATS, HTML, PROBLEM, fallback, split_suffix


def _wants_html() -> bool:
    # A suffix URL says what family the client wants; otherwise the Accept header does.
    _, fmt = split_suffix(request.path)
    if fmt is not None:
        return fmt is HTML
    return fallback(request.headers.get("Accept"), ERROR_FORMATS) is HTML


def problem(status: int, title: str, detail: str, **extra: object) -> Response:
    """An RFC 9457 problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(json.dumps(body, ensure_ascii=False) + "\n", status,
                    content_type=PROBLEM.content_type)


def error_response(status: int, title: str, detail: str, available: list[str] | None = None,
                   link: str | None = None) -> Response:
    """The error in the requested family, with Vary: Accept (the body depends on it)."""
    if _wants_html():
        from .html import render

        response = Response(render("error.html", status=status, title=title, detail=detail,
                                   available=available or []),
                            status, content_type=HTML.content_type)
        response.headers["Content-Security-Policy"] = CSP
    else:
        extra = {"available": available} if available else {}
        response = problem(status, title, detail, **extra)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-store" if status >= 500 else "public, max-age=60"
    if link:
        response.headers["Link"] = link
    return response


def register(app: Flask) -> None:
    """Install the handlers on the app: each error class is mapped here, once."""

    @app.errorhandler(PublisherError)
    def publisher_error(exc: PublisherError) -> Response:
        available = exc.available if isinstance(exc, NotAcceptable) else None
        return error_response(exc.status, exc.title, str(exc), available=available)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        response = error_response(exc.code or 500, exc.name, exc.description or exc.name)
        if exc.code == 405 and exc.response is None:
            allowed = getattr(exc, "valid_methods", None)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.after_request
    def retry_after(response: Response) -> Response:
        # Every 503 and 504 (a stopped query, a slow or stopped store), whether an error
        # handler or a page answered it, tells clients when to come back.
        if response.status_code in (503, 504) and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(int(app.config.get("REMOTE_RETRY_AFTER", 5)))
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error")
        return error_response(500, "Internal error",
                              "The server failed to answer; the error is logged.")
