"""Writing over HTTP: SPARQL Update (``POST /sparql``), the Graph Store Protocol (``/graph-store``) and
``/validate`` (a dry run). Every write goes through :class:`ketengraaf.writing.Writer`: authorised per
graph, validated, committed whole or not at all (``docs/writes.md``).

Graph Store Protocol (SPARQL 1.1 Graph Store HTTP Protocol):

- indirect identification: ``/graph-store?graph=IRI`` and ``/graph-store?default``;
- direct identification: ``/graph-store/<path>`` is the graph whose IRI is that URL;
- ``POST /graph-store`` without a graph creates a new graph (``201`` with its ``Location``).
"""
from __future__ import annotations

import logging
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from ..errors import (InputError, KetengraafError, NotFound, RequestTooLarge, Unauthorized,
                      UnsupportedMediaType)
from ..sparql.formats import TURTLE, formats_for
from ..validation import render
from ..writing import Delta, Grant, WriteResult, Writer, grant_for, quads_of, replace_graph_delta
from .context import settings, store
from .http import cors, negotiate, serialize
from .snapshot import prepare_current

bp = Blueprint("writes", __name__)
GSP_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"]
READABLE = {  # media types a body may have -> engine format
    "text/turtle": ox.RdfFormat.TURTLE, "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES, "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}


class _ServingWriter:
    """The app's writer, for the web layer: a write is acknowledged once this server answers from the
    generation it made, so a read that follows the write sees it (the Graph Store Protocol's PUT then
    GET). The server prepares a new generation (its page indexes, its query workers) before serving it."""

    def __init__(self, inner: Writer):
        self.inner = inner

    def write(self, plan, **kw) -> WriteResult:
        result = self.inner.write(plan, **kw)
        limit = settings().write_visible_timeout
        if result.generation is not None and limit > 0:
            wait = getattr(store(), "wait_current", None)
            started = time.perf_counter()
            if wait is None:            # a remote store serves the new generation at once: build its page
                prepare_current()       # indexes here, so the writer waits for them and readers do not
            elif not wait(limit):
                log.warning("generation %s is committed but not yet served after %.0f s (setting "
                            "write_visible_timeout)", result.generation.id, limit)
            result.waited = time.perf_counter() - started
        return result


log = logging.getLogger(__name__)


def writer() -> _ServingWriter:
    return _ServingWriter(current_app.extensions["ketengraaf.writer"])


def authorise() -> Grant:
    """The grant of the request's bearer token (401 without a valid one)."""
    tokens = current_app.extensions["ketengraaf.tokens"]
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    if not tokens:
        raise Unauthorized("this catalogue accepts no writes: no write tokens are configured (setting "
                           "write_tokens)")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Unauthorized("writing needs a bearer token: send Authorization: Bearer <token>")
    grant = grant_for(tokens, presented.strip())
    if grant is None:
        raise Unauthorized("the bearer token is not known to this catalogue")
    return grant


def dry_run() -> bool:
    value = request.args.get("dry-run", "").lower()
    if value not in ("", "true", "false", "1", "0"):
        raise InputError(f"parameter dry-run: {value!r} is not true or false")
    return value in ("true", "1")


def write_response(result: WriteResult, *, created: str | None = None) -> Response:
    """``201`` (with ``Location``) for a new graph, ``200`` with the report for a dry run, else ``204``."""
    if dry_run():
        resp = report_response(result, 200)
    elif created is not None:
        resp = Response(status=201)
        resp.headers["Location"] = created
    else:
        resp = Response(status=204)
    if result.generation is not None:
        resp.headers["ETag"] = f'"{result.generation.version[:24]}"'
    # what the write took: planned, validated and committed; then until this server served it
    resp.headers["Server-Timing"] = f"commit;dur={result.took * 1000:.1f}, visible;dur={result.waited * 1000:.1f}"
    return cors(resp)


def report_response(result: WriteResult, status: int) -> Response:
    fmt = negotiate([f for f in formats_for("graph") if f.name in ("turtle", "jsonld")], (), html=None,
                    default=TURTLE)
    body = render(result.report, "json-ld" if fmt.name == "jsonld" else "turtle")
    return Response(body, status=status, content_type=fmt.content_type)


def body_bytes() -> bytes:
    limit = settings().max_write_bytes
    if request.content_length is not None and request.content_length > limit:
        raise RequestTooLarge(f"the request body is {request.content_length:,} bytes; the most a write may send is "
                              f"{limit:,} (setting max_write_bytes)")
    data = request.get_data(cache=True)
    if len(data) > limit:
        raise RequestTooLarge(f"the request body is larger than {limit:,} bytes (setting max_write_bytes)")
    return data


def _media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def body_quads(graph: str | None, base: str) -> set:
    """The request's RDF body as quads in ``graph``: one document, or each part of a multipart/form-data."""
    data = body_bytes()
    mt = _media_type(request.headers.get("Content-Type"))
    if mt == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + request.headers["Content-Type"].encode("latin-1") + b"\r\n\r\n" + data)
        out: set = set()
        for part in message.iter_parts():
            part_type = _media_type(part.get_content_type())
            payload = part.get_payload(decode=True)
            out |= _parse(payload if isinstance(payload, bytes) else b"", part_type, graph, base,
                          f"part {part.get_filename() or part.get_param('name', header='content-disposition')}")
        return out
    return _parse(data, mt, graph, base, "the body")


def _parse(data: bytes, mt: str, graph: str | None, base: str, what: str) -> set:
    fmt = READABLE.get(mt)
    if fmt is None:
        raise UnsupportedMediaType(f"{what}: Content-Type {mt or '(none)'} is not an RDF format this graph store "
                                   "reads; send " + ", ".join(sorted(READABLE)))
    quads = quads_of(data, fmt, graph, base_iri=base)
    named = {q.graph_name.value for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)} - {graph}
    if named and graph is not None:
        raise InputError(f"{what} names other graphs ({', '.join(sorted(named)[:3])}); a graph store request "
                         "writes one graph: send those triples to their own graph")
    return quads


# -- the Graph Store Protocol ------------------------------------------------------------------
@bp.route("/graph-store", methods=GSP_METHODS)
@bp.route("/graph-store/<path:_rest>", methods=GSP_METHODS)
def graph_store(_rest: str | None = None):
    if request.method == "OPTIONS":
        resp = Response(status=204)
        resp.headers["Allow"] = ", ".join(GSP_METHODS)
        return cors(resp, preflight=True)
    graph, default = _target(_rest)
    if request.method in ("GET", "HEAD"):
        return _get(graph, default)
    if graph is None and not default and request.method != "POST":
        raise InputError("say which graph: ?graph=IRI, ?default, or a URL under /graph-store/")
    grant = authorise()
    name = "standaard graaf" if default else f"<{graph}>"
    if request.method == "DELETE":
        return _delete(graph, default, grant)
    if request.method == "PUT":
        def plan(head, apply):
            new = body_quads(graph, graph or request.base_url)
            if default:
                apply(_replace_default(head, new))
            else:
                apply(replace_graph_delta(head, graph, new))
        existed = default or _exists(graph)
        result = writer().write(plan, grant=grant, description=f"Graph Store PUT {name}", dry_run=dry_run())
        return write_response(result, created=None if existed else graph)
    # POST: merge into the graph, or a new graph
    created = None
    if graph is None and not default:
        graph = created = request.base_url.rstrip("/") + "/" + uuid.uuid4().hex

    def plan_post(head, apply):
        new = body_quads(graph, graph or request.base_url)
        node = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        delta = Delta(added={q for q in new if q not in head})
        if graph and not head.contains_named_graph(node):
            delta.created.add(graph)
        apply(delta)
    existed = default or _exists(graph)
    result = writer().write(plan_post, grant=grant, description=f"Graph Store POST {name}", dry_run=dry_run())
    return write_response(result, created=created or (None if existed else graph))


def _target(rest: str | None) -> tuple[str | None, bool]:
    args = request.args
    if rest is not None:
        if "graph" in args or "default" in args:
            raise InputError("a graph named by its URL takes no ?graph= or ?default")
        return request.base_url, False
    graphs = args.getlist("graph")
    if "default" in args and graphs:
        raise InputError("give ?graph=IRI or ?default, not both")
    if len(graphs) > 1:
        raise InputError("give one ?graph=IRI")
    if graphs:
        try:
            ox.NamedNode(graphs[0])
        except ValueError as exc:
            raise InputError(f"parameter graph: {graphs[0][:200]!r} is not an absolute IRI ({exc})") from None
        return graphs[0], False
    return None, "default" in args


def _exists(graph: str | None) -> bool:
    return graph is not None and graph in {g.graph for g in store().generation().sources}


def _get(graph: str | None, default: bool) -> Response:
    if graph is None and not default:
        raise InputError("say which graph: ?graph=IRI, ?default, or a URL under /graph-store/")
    fmt = negotiate(formats_for("graph"), tuple(request.args.getlist("format")), html=None, default=TURTLE)
    st = store()
    if default:
        quads = list(st.quads())
    else:
        if not _exists(graph):
            raise NotFound(f"the graph store has no graph <{graph}>")
        quads = list(st.quads(graph=graph))
    resp = Response(serialize(quads, fmt), content_type=fmt.content_type)
    resp.headers["ETag"] = f'"{st.generation().version[:24]}"'
    resp.vary.add("Accept")
    return cors(resp)


def _delete(graph: str | None, default: bool, grant: Grant) -> Response:
    if not default and not _exists(graph):
        raise NotFound(f"the graph store has no graph <{graph}>")

    def plan(head, apply):
        if default:
            apply(Delta(removed=set(head.quads_for_pattern(None, None, None, ox.DefaultGraph()))))
        else:
            assert graph is not None        # checked above: not the default graph, and it exists
            node = ox.NamedNode(graph)
            apply(Delta(removed=set(head.quads_for_pattern(None, None, None, node)), dropped={graph}))
    result = writer().write(plan, grant=grant, description=f"Graph Store DELETE {graph or 'standaard graaf'}",
                            dry_run=dry_run())
    return write_response(result)


def _replace_default(head, new: set) -> Delta:
    """PUT ?default: the default graph (the union of the sources) becomes ``new``."""
    old = set(head.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return Delta(removed=old - new, added=new - old)


# -- SPARQL Update -------------------------------------------------------------------------------
def update(req) -> Response:
    """A SPARQL Update request (``req``: :class:`ketengraaf.sparql.protocol.UpdateRequest`)."""
    grant = authorise()
    from ..sparql.reader import Limits  # deferred: the update reader is needed only for writes
    from ..sparql.update import run_update  # deferred: the update reader is needed only for writes
    st = settings()

    def plan(head, apply):
        run_update(req.update, head, apply, base_iri=request.base_url, using_graph_uri=list(req.using_graphs),
                   using_named_graph_uri=list(req.using_named_graphs), allow_network=st.allow_network,
                   limits=Limits(depth=st.max_query_depth, chain=st.max_query_chain, patterns=st.max_query_patterns))
    result = writer().write(plan, grant=grant, description="SPARQL Update", dry_run=dry_run())
    return write_response(result)


# -- a dry run for any RDF ------------------------------------------------------------------------
@bp.route("/validate", methods=["POST", "OPTIONS"])
def validate():
    """``POST /validate?graph=IRI`` with an RDF body: the report of putting it in that graph, nothing written."""
    if request.method == "OPTIONS":
        return cors(Response(status=204), preflight=True)
    graph, default = _target(None)
    if graph is None:
        raise InputError("say which graph the body is for: /validate?graph=IRI")
    grant = authorise()

    def plan(head, apply):
        apply(replace_graph_delta(head, graph, body_quads(graph, graph)))
    try:
        result = writer().write(plan, grant=grant, description="validate", dry_run=True)
    except KetengraafError as err:
        full = getattr(err, "full", None)       # refused: the catalogue's report as it would be
        if full is None:
            raise
        return report_response(WriteResult(None, Delta(), full, getattr(err, "new", []), None, 0.0), 200)
    return report_response(result, 200)

