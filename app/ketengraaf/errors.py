"""One exception hierarchy. Each error knows its HTTP status and its CLI exit code.

CLI exit codes (documented in the README):
  0  success / the data conforms
  1  the data does not conform (SHACL violations)
  2  unreadable input: a file that does not parse, a missing file, bad arguments
  3  configuration error
  4  query error (malformed query, refused query, time-out)
  5  store error (the store cannot be opened or written)
"""
from __future__ import annotations

from .messages import text


class KetengraafError(Exception):
    """Base of every error ketengraaf reports to a person."""

    status = 500
    exit_code = 1
    title_key = "error.internal"

    def __init__(self, message: str, *, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail

    def title_in(self, lang: str) -> str:
        """The error's title in ``lang`` (``title_key`` names it in :mod:`ketengraaf.messages`)."""
        return text(self.title_key, lang)

    @property
    def title(self) -> str:
        """The title in English (logs, the command line)."""
        return self.title_in("en")

    def to_dict(self, lang: str = "en") -> dict:
        out = {"error": type(self).__name__, "status": self.status, "title": self.title_in(lang),
               "message": self.message}
        if self.detail:
            out["detail"] = self.detail
        return out


class ConfigError(KetengraafError):
    status = 500
    exit_code = 3
    title_key = "error.config"


class InputError(KetengraafError):
    """Input that cannot be read: a file, a parameter, a request body."""

    status = 400
    exit_code = 2
    title_key = "error.input"


class ParseError(InputError):
    """An RDF file (or other source) that does not parse; carries file:line:col."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 column: int | None = None, detail: str | None = None):
        self.path, self.line, self.column = path, line, column
        where = path or "<input>"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}", detail=detail)


class WritesWouldBeLost(InputError):
    """A load from files that would replace graphs written over HTTP since the last load."""


class ImporterError(InputError):
    """An importer could not read its input (malformed XML, duplicate ids, ...)."""


class NotFound(KetengraafError):
    status = 404
    exit_code = 2
    title_key = "error.not_found"
    suggestions: list[dict]             # close matches, set on some 404s (not a class default)


class NotAcceptable(KetengraafError):
    status = 406
    exit_code = 2
    title_key = "error.not_acceptable"


class UnsupportedMediaType(KetengraafError):
    status = 415
    exit_code = 2
    title_key = "error.unsupported_media_type"


class MethodNotAllowed(KetengraafError):
    status = 405
    exit_code = 2
    title_key = "error.method_not_allowed"


class RequestTooLarge(KetengraafError):
    status = 413
    exit_code = 2
    title_key = "error.request_too_large"


class Unauthorized(KetengraafError):
    """A write without a valid bearer token (HTTP 401 with ``WWW-Authenticate``)."""

    status = 401
    exit_code = 2
    title_key = "error.unauthorized"


class Forbidden(KetengraafError):
    """A write the token may not make: a graph outside its grant, or one the catalogue makes itself."""

    status = 403
    exit_code = 2
    title_key = "error.forbidden"


class QueryError(KetengraafError):
    """A query that is malformed (400) or refused before it runs."""

    status = 400
    exit_code = 4
    title_key = "error.query"


class QueryRefused(QueryError):
    """A query refused for safety: SERVICE/LOAD/remote FROM, pathological nesting."""


class QueryTimeout(KetengraafError):
    status = 503
    exit_code = 4
    title_key = "error.query_timeout"


class ServerBusy(KetengraafError):
    """Every thread the server lends to queries is taken: answered at once, with ``Retry-After``."""

    status = 503
    exit_code = 4
    title_key = "error.busy"
    retry_after = 5


class QueryOutOfMemory(KetengraafError):
    """A query that needed more memory than its worker may take (the worker is replaced)."""

    status = 503
    exit_code = 4
    title_key = "error.query_memory"


class QueryCrashed(KetengraafError):
    status = 500
    exit_code = 4
    title_key = "error.query_crashed"


class ResultTooLarge(KetengraafError):
    status = 413
    exit_code = 4
    title_key = "error.result_too_large"


class StoreError(KetengraafError):
    status = 503
    exit_code = 5
    title_key = "error.store"


class StoreUnavailable(StoreError):
    """The remote SPARQL store does not answer (down, refusing connections, or slower than ``sparql_timeout``);
    the next request tries again, no restart needed."""

    title_key = "error.store_unavailable"


class StoreBadAnswer(StoreError):
    """The remote SPARQL store answered with something else than was asked: an unparseable body, another
    media type, or an HTTP error of its own (502 Bad Gateway)."""

    status = 502
    title_key = "error.store_bad_answer"


class Conflict(KetengraafError):
    """The data changed under a write (409): nothing was written; send it again."""

    status = 409
    exit_code = 1
    title_key = "error.conflict"


class ValidationFailed(KetengraafError):
    """Data that does not conform to the shapes (CLI exit 1)."""

    status = 422
    exit_code = 1
    title_key = "error.validation_failed"
