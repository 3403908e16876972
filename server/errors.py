"""One error hierarchy for the publisher; the web layer maps it to HTTP once."""

from __future__ import annotations


class PublisherError(Exception):
    """Base class of every error the publisher raises on purpose."""

    status = 500
    title = "Internal error"


class RDFSyntaxError(PublisherError):
    """An RDF file could not be parsed; carries the file and line."""

    title = "Invalid RDF"

    def __init__(self, path: str, line: int | None, column: int | None, message: str) -> None:
        self.path, self.line, self.column, self.message = path, line, column, message
        where = path if line is None else f"{path}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


class DataNotValid(PublisherError):
    """The data does not conform to the shapes, so it must not be published."""

    title = "Data does not conform to the shapes"


class BadRequest(PublisherError):
    """The client sent something we cannot act on (400)."""

    status = 400
    title = "Bad request"


class NotFound(PublisherError):
    """No such resource (404)."""

    status = 404
    title = "Not found"


class NotAcceptable(PublisherError):
    """No representation fits the Accept header (406); lists what is available."""

    status = 406
    title = "Not acceptable"

    def __init__(self, message: str, available: list[str]) -> None:
        self.available = available
        super().__init__(message)


class UnsupportedMediaType(PublisherError):
    """The request body's content type is not one we read (415)."""

    status = 415
    title = "Unsupported media type"


class PayloadTooLarge(PublisherError):
    """The request is larger than the configured limit (413)."""

    status = 413
    title = "Payload too large"


class Forbidden(PublisherError):
    """The request is understood but refused, e.g. a SPARQL update (403)."""

    status = 403
    title = "Forbidden"


class QueryTimeout(PublisherError):
    """A query ran past its time limit and was stopped (503, retry later)."""

    status = 503
    title = "Query timed out"


class StoreUnavailable(PublisherError):
    """The (remote) store is down or too slow to answer (503)."""

    status = 503
    title = "Store unavailable"
