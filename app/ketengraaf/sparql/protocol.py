"""SPARQL 1.1 Protocol: from an HTTP request to a query and its dataset.

Three ways to send a query (``GET ?query=``, ``POST`` form-encoded, ``POST
application/sparql-query``), each with optional ``default-graph-uri`` and
``named-graph-uri`` parameters. Parameters are decoded as strict UTF-8 (a
non-UTF-8 query is a 400). An update (``update=`` or ``application/sparql-update``) comes only by POST
and becomes an :class:`UpdateRequest` (with ``using-graph-uri`` / ``using-named-graph-uri``).

The dataset a query runs on:
1. ``default-graph-uri`` / ``named-graph-uri`` when given (they override
   ``FROM`` / ``FROM NAMED``; a graph not in the store is an empty graph, never
   fetched);
2. else the query's own ``FROM`` / ``FROM NAMED`` (only graphs of the store);
3. else the default graph is the union of all named graphs (setting
   ``union_default_graph``) and every named graph is available to ``GRAPH``.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

import pyoxigraph as ox

from ..errors import InputError, MethodNotAllowed, QueryRefused, RequestTooLarge, UnsupportedMediaType

FORMAT_PARAMS = ("format", "output", "results")
QUERY_TYPES = ("application/sparql-query",)
FORM_TYPES = ("application/x-www-form-urlencoded",)
UPDATE_TYPES = ("application/sparql-update",)
UPDATE_GET = ("an update is sent with POST (application/x-www-form-urlencoded with update=..., or "
              "application/sparql-update), never with GET")


def _graph_iri(key: str, value: str) -> str:
    """A ``default-graph-uri`` / ``named-graph-uri`` value, checked the way the engine reads an IRI (400)."""
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise InputError(f"parameter {key}: {value[:200]!r} is not a valid absolute IRI ({exc})") from None
    return value


@dataclass(frozen=True)
class QueryRequest:
    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format_params: tuple[str, ...] = ()

    def dataset(self, info, union: bool) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None, bool]:
        """(default graph IRIs or None, named graph IRIs or None, union default graph?)."""
        if self.default_graphs or self.named_graphs:
            return self.default_graphs, self.named_graphs, False
        if info.from_graphs or info.from_named:
            return tuple(info.from_graphs), tuple(info.from_named), False
        return None, None, union


@dataclass(frozen=True)
class UpdateRequest:
    """A SPARQL Update request (SPARQL 1.1 Protocol §2.2)."""

    update: str
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()


def _params(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        text = raw.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise InputError(f"the {where} is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at "
                         f"{exc.start}); SPARQL requests must be UTF-8") from None


def _media_type(header: str | None) -> tuple[str, dict[str, str]]:
    if not header:
        return "", {}
    parts = header.split(";")
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip().strip('"')
    return parts[0].strip().lower(), params


def _check_charset(params: dict[str, str], mt: str) -> None:
    charset = params.get("charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"{mt}; charset={charset} is not supported: send the request as UTF-8")


def parse(request, max_bytes: int) -> QueryRequest | UpdateRequest:
    """The query or update request in ``request`` (a Flask/werkzeug request); raises 400/405/413/415.
    An update comes only by POST (form-encoded ``update=`` or ``application/sparql-update``)."""
    method = request.method
    if method not in ("GET", "POST", "HEAD"):
        raise MethodNotAllowed(f"{method} is not allowed on the SPARQL endpoint; use GET or POST")
    raw_qs = request.query_string
    if len(raw_qs) > max_bytes:
        raise RequestTooLarge(f"the query string is {len(raw_qs):,} bytes; the most accepted is {max_bytes:,} "
                              "(setting max_request_bytes): send long queries with POST")
    pairs = _params(raw_qs, "query string")
    if method == "POST":
        length = request.content_length
        if length is not None and length > max_bytes:
            raise RequestTooLarge(f"the request body is {length:,} bytes; the most accepted is {max_bytes:,} "
                                  "(setting max_request_bytes)")
        mt, ct_params = _media_type(request.headers.get("Content-Type"))
        body = request.get_data(cache=False)
        if len(body) > max_bytes:
            raise RequestTooLarge(f"the request body is larger than {max_bytes:,} bytes (setting max_request_bytes)")
        if mt in FORM_TYPES:
            _check_charset(ct_params, mt)
            pairs = pairs + _params(body, "form body")
        elif mt in QUERY_TYPES:
            _check_charset(ct_params, mt)
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"the query is not valid UTF-8 (byte 0x{body[exc.start]:02x} at {exc.start})"
                                 ) from None
            if any(k == "query" for k, _ in pairs):
                raise InputError("the query is given twice: in the request body and as a query= parameter")
            pairs = pairs + [("query", text)]
        elif mt in UPDATE_TYPES:
            _check_charset(ct_params, mt)
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"the update is not valid UTF-8 (byte 0x{body[exc.start]:02x} at {exc.start})"
                                 ) from None
            if any(k in ("update", "query") for k, _ in pairs):
                raise InputError("the update is given twice: in the request body and as a parameter")
            pairs = pairs + [("update", text)]
        elif not mt:
            raise UnsupportedMediaType("a POST to the SPARQL endpoint needs a Content-Type: "
                                       "application/x-www-form-urlencoded or application/sparql-query")
        else:
            raise UnsupportedMediaType(f"Content-Type {mt} is not accepted; use application/x-www-form-urlencoded, "
                                       "application/sparql-query or application/sparql-update")
    queries: list[str] = []
    updates: list[str] = []
    defaults: list[str] = []
    named: list[str] = []
    using: dict[str, list[str]] = {"using-graph-uri": [], "using-named-graph-uri": []}
    formats: list[str] = []
    for key, value in pairs:
        if key == "query":
            queries.append(value)
        elif key == "update":
            updates.append(value)
        elif key in ("default-graph-uri", "named-graph-uri"):
            (defaults if key == "default-graph-uri" else named).append(_graph_iri(key, value))
        elif key in using:
            using[key].append(_graph_iri(key, value))
        elif key in FORMAT_PARAMS and value:
            formats.append(value)
    if updates:
        if method != "POST" or request.query_string and any(k == "update" for k, _ in _params(raw_qs, "query string")):
            raise QueryRefused(UPDATE_GET)
        if queries:
            raise InputError("a request holds a query or an update, not both")
        if len(updates) > 1:
            raise InputError(f"the update parameter is given {len(updates)} times; send exactly one update request")
        return UpdateRequest(updates[0], tuple(using["using-graph-uri"]), tuple(using["using-named-graph-uri"]))
    if len(queries) > 1:
        raise InputError(f"the query parameter is given {len(queries)} times; send exactly one query")
    if method == "POST" and not queries:
        raise InputError("no query: send query=... (form) or the query as the body (application/sparql-query)")
    return QueryRequest(queries[0] if queries else None, tuple(defaults), tuple(named), tuple(formats))
