"""The SPARQL endpoint blueprint: ``/sparql`` (protocol, service description, query page)
and ``/.well-known/void``.

Per request, in this order: parse the protocol request (400/405/413/415),
run the guards (size, nesting, SERVICE/LOAD, FROM), choose the format (406),
answer ``If-None-Match`` with 304, look in the answer cache, and only then
send the query to a worker process.
"""
from __future__ import annotations

import io
from types import SimpleNamespace
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.http import http_date
from werkzeug.wsgi import get_host

from ..errors import InputError, KetengraafError, MethodNotAllowed
from ..namespaces import sparql_prefixes
from ..sparql import description, guards, jsonld, protocol
from ..sparql.cache import AnswerCache
from ..sparql.examples import examples
from ..sparql.formats import BY_NAME, HTML, TURTLE, Format, formats_for
from ..sparql.pool_state import SparqlState
from ..sparql.remote import RemoteQueries
from .http import CORS_HEADERS, NOSNIFF, conditional, cors, etag, jsonld_context, negotiate, wants_expanded
from . import writes
from .i18n import ui_lang
from .result_table import result_table

bp = Blueprint("sparql", __name__)
ALL_METHODS = ["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"]
VARY = ("Accept",)
CACHE_CONTROL = "no-cache"          # an answer may be kept, and revalidated (ETag) before each use
# a CONSTRUCT/DESCRIBE asked for with only SPARQL results types gets Turtle, as other servers answer;
# a SELECT/ASK asked for with only RDF types stays a 406 (no RDF format carries its answer faithfully)
FALLBACK: dict[str, dict] = {"graph": {"fallback": TURTLE, "fallback_when": formats_for("results")}}
JSONLD = BY_NAME["jsonld"]


def state() -> SparqlState | RemoteQueries:
    return current_app.extensions["ketengraaf.sparql"]


@bp.record_once
def _setup(setup_state) -> None:
    app = setup_state.app
    settings = app.config["KETENGRAAF"]
    cache = AnswerCache(settings.cache_entries, settings.cache_mb * 1024 * 1024)
    store = app.extensions["ketengraaf.store"]
    # the embedded store's queries run in worker processes; a remote store's on its server
    app.extensions["ketengraaf.sparql"] = (RemoteQueries(settings, store, cache=cache) if store.backend == "sparql"
                                           else SparqlState(settings, cache, store))


@bp.after_request
def _cors(resp: Response) -> Response:
    return cors(resp)


def _preflight() -> Response:
    resp = Response(status=204)
    resp.headers["Allow"] = "GET, POST, HEAD, OPTIONS"
    return cors(resp, preflight=True)


def _answer(gen, fmt: Format, key: str, make_body) -> Response:
    """The answer in ``fmt``, or 304 when the client holds it (``key``: what it depends on besides ``gen``)."""
    return conditional(fmt, lambda: Response(make_body(), content_type=fmt.content_type), key=key, gen=gen,
                       vary=VARY, cache_control=CACHE_CONTROL)


@bp.route("/sparql", methods=ALL_METHODS)
@bp.route("/sparql/", methods=ALL_METHODS, endpoint="endpoint_slash")
def endpoint():
    st = state()
    if request.method == "OPTIONS":
        return _preflight()
    if request.method not in ("GET", "POST", "HEAD"):
        raise MethodNotAllowed(f"{request.method} is not allowed on the SPARQL endpoint; use GET or POST")
    req = protocol.parse(request, max(st.settings.max_request_bytes, st.settings.max_write_bytes)
                         if request.method == "POST" and _is_update_post() else st.settings.max_request_bytes)
    if isinstance(req, protocol.UpdateRequest):
        guards.check_update(req.update, st.settings)
        return writes.update(req)
    if req.query is None:       # no query: the service description (Turtle unless asked otherwise), or the page
        fmt = negotiate(formats_for("graph"), req.format_params, default=TURTLE)
        return query_page(req) if fmt is HTML else service_description(fmt)
    gen = st.store().generation()
    if not req.query.strip():
        if _wants_html(req):
            return query_page(req)
        raise InputError("the query is empty")
    try:
        info = guards.check(req.query, st.settings, st.graphs(gen))
        fmt = negotiate(formats_for(info.kind), req.format_params, **FALLBACK.get(info.kind, {}))
    except KetengraafError as err:
        if _wants_html(req):
            return query_page(req, error=err)
        raise
    if fmt is HTML:
        return query_page(req, info=info)
    dataset = req.dataset(info, st.settings.union_default_graph)
    base = _base_iri(request.environ)
    compact = fmt is JSONLD and not wants_expanded()
    return _answer(gen, fmt, _answer_key(req.query, dataset, fmt, base, compact),
                   lambda: _compact(_run(st, gen, req.query, dataset, info.kind, fmt, base), compact))


def _answer_key(query: str, dataset, fmt: Format, base: str, compact: bool) -> str:
    """What a query's answer depends on within a generation (its ETag hashes this with the version)."""
    return repr((query, dataset, fmt.name, base, compact))


def _is_update_post() -> bool:
    """A POST that may carry an update (its body may be as large as a write: setting max_write_bytes)."""
    mt = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    return mt in protocol.UPDATE_TYPES or mt in protocol.FORM_TYPES


def _compact(body: bytes, compact: bool) -> bytes:
    """A JSON-LD answer (expanded, from the worker) compacted with the published context."""
    if not compact:
        return body
    return jsonld.compact(ox.parse(body, format=ox.RdfFormat.JSON_LD), jsonld_context())


def _run(st: SparqlState | RemoteQueries, gen, query: str, dataset, kind: str, fmt: Format, base: str) -> bytes:
    """The answer (see :func:`_run_plain`); a query the fast path already ran and that failed is not run
    again: its exception is raised here, and answered as every error (or unexpected failure) is."""
    failed = request.environ.pop(FAILED, None)
    if failed is not None:
        raise failed
    return _run_plain(st, gen, query, dataset, kind, fmt, base)


def _run_plain(st: SparqlState | RemoteQueries, gen, query: str, dataset, kind: str, fmt: Format,
               base: str) -> bytes:
    """The answer from the cache, else from a worker (and then cached)."""
    key = (gen.version, query, dataset, fmt.name, base)
    body = st.cache.get(key)
    if body is None:
        body = st.run(gen, query, dataset, kind, fmt, base)
        st.cache.put(key, body)
    return body


def _base_iri(environ: dict) -> str:
    """The endpoint URL, base of relative IRIs in queries (from the environ: the fast path has no request;
    ``get_host`` is what ``request.host`` reads, and cheaper than ``request.base_url``)."""
    return (f"{environ.get('wsgi.url_scheme', 'http')}://{get_host(environ)}{environ.get('SCRIPT_NAME', '')}"
            f"{environ.get('PATH_INFO', '/sparql')}")


def _wants_html(req) -> bool:
    try:
        return negotiate(formats_for("results"), req.format_params) is HTML
    except KetengraafError:
        return False


def service_description(fmt):
    st = state()
    gen = st.store().generation()
    endpoint_url = url_for("sparql.endpoint", _external=True)
    void_url = url_for("sparql.void", _external=True)
    return _answer(gen, fmt, f"sd:{fmt.name}:{endpoint_url}:{void_url}",          # the body names both
                   lambda: description.service_description(st.store(), gen, fmt.name, endpoint_url,
                                                            st.settings.union_default_graph, void_url))


@bp.route("/.well-known/void", methods=["GET", "HEAD"])
def void():
    st = state()
    params = tuple(v for k in protocol.FORMAT_PARAMS for v in request.args.getlist(k) if v)
    fmt = negotiate(formats_for("graph"), params, html=None, default=TURTLE)
    gen = st.store().generation()
    endpoint_url = url_for("sparql.endpoint", _external=True)
    base = st.settings.public_base
    return _answer(gen, fmt, f"void:{fmt.name}:{endpoint_url}",                    # the body names it
                   lambda: description.void_description(st.store(), gen, fmt.name, base + "dataset",
                                                        endpoint_url, base))


def query_page(req, *, error: KetengraafError | None = None, info=None):
    """The query editor, with the answer as a table (or the error beside the query)."""
    st = state()
    lang = _ui_lang(st.settings.default_lang)
    starter = sparql_prefixes() + "\nSELECT * WHERE {\n  ?s ?p ?o\n}\nLIMIT 10\n"
    query = req.query if req.query and req.query.strip() else starter
    table, downloads, status = None, [], 200
    if error is None and info is not None:
        gen = st.store().generation()
        dataset = req.dataset(info, st.settings.union_default_graph)
        page_fmt = BY_NAME["json"] if info.kind == "results" else BY_NAME["ntriples"]
        try:
            body = _run(st, gen, req.query, dataset, info.kind, page_fmt, _base_iri(request.environ))
            table = result_table(body, info.kind, lang)
        except KetengraafError as err:
            error = err
        downloads = [(f.label, _download_url(req, f.name)) for f in formats_for(info.kind)]
    if error is not None:
        status = error.status
    html = render_template("sparql.html", query=query, error=error, table=table, downloads=downloads,
                           examples=examples(), lang=lang, all_formats=formats_for(
                               info.kind if info is not None else "results"),
                           endpoint=url_for("sparql.endpoint"))
    headers = {"Content-Type": "text/html; charset=utf-8", "Vary": "Accept"}
    retry = getattr(error, "retry_after", None)
    if retry:
        headers["Retry-After"] = str(retry)
    return html, status, headers


def _download_url(req, fmt_name: str) -> str:
    args = [("query", req.query)] + [("default-graph-uri", g) for g in req.default_graphs] \
        + [("named-graph-uri", g) for g in req.named_graphs] + [("format", fmt_name)]
    return url_for("sparql.endpoint") + "?" + urlencode(args)


def _ui_lang(default: str) -> str:
    try:
        lang = ui_lang()
    except Exception:  # a bad lang parameter: the page still renders
        lang = request.args.get("lang") or default
    return "en" if lang.startswith("en") else "nl"



# -- the fast path -----------------------------------------------------------------

FAILED = "ketengraaf.sparql.failed"     # environ key: the error of a query the fast path ran


class FastQueries:
    """WSGI middleware in front of Flask: a plain query to ``/sparql`` is answered here.

    The same steps as :func:`endpoint` (protocol, guards, negotiation, answer cache, worker; the
    same ETag, headers and body), without Flask's request context, routing and hooks, which cost
    as much as the lookup itself (issue 15). Only the plain case: a query by ``GET``, or by ``POST``
    (form-encoded or ``application/sparql-query``, with a length within ``max_request_bytes``; the
    body is put back for the app). Anything else (another method or path, ``If-None-Match``,
    ``?lang=``, an update, no query, HTML or compacted JSON-LD, any error before the query runs)
    goes to the app unchanged, which answers it as before. A query that fails when it runs is not
    run twice: its error goes to the app in the environ (:data:`FAILED`), and the app answers it
    the way it answers every error."""

    def __init__(self, app, flask_app):
        self.app, self.flask_app = app, flask_app

    def __call__(self, environ: dict, start_response):
        if (environ.get("REQUEST_METHOD") not in ("GET", "POST")
                or environ.get("PATH_INFO") not in ("/sparql", "/sparql/") or "HTTP_IF_NONE_MATCH" in environ):
            return self.app(environ, start_response)
        try:
            plan = self._plan(environ)
        except Exception:  # the app meets the same problem and answers it, in its own words
            plan = None
        if plan is None:
            return self.app(environ, start_response)
        st, gen, req, info, dataset, fmt, base = plan
        try:
            body = _run_plain(st, gen, req.query, dataset, info.kind, fmt, base)
        except Exception as err:  # not run twice: the app raises it and answers as for every error
            environ[FAILED] = err
            return self.app(environ, start_response)
        headers = [("Content-Type", fmt.content_type), ("Content-Length", str(len(body))),
                   ("ETag", f'"{etag(gen, _answer_key(req.query, dataset, fmt, base, False))}"'),
                   ("Last-Modified", http_date(gen.created)), ("Cache-Control", CACHE_CONTROL),
                   ("Vary", ", ".join(VARY)), NOSNIFF, *(CORS_HEADERS if st.settings.cors else ())]
        start_response("200 OK", headers)
        return [body]

    def _plan(self, environ: dict):
        """(state, generation, request, guards' info, dataset, format, base IRI) of a plain query, or None."""
        raw_qs = environ.get("QUERY_STRING", "").encode("latin-1")
        if b"lang=" in raw_qs:
            return None
        st = self.flask_app.extensions["ketengraaf.sparql"]
        if environ["REQUEST_METHOD"] == "POST":
            shim = _posted(environ, raw_qs, st.settings.max_request_bytes)
            if shim is None:
                return None
        else:
            shim = SimpleNamespace(method="GET", query_string=raw_qs)
        req = protocol.parse(shim, st.settings.max_request_bytes)
        if not isinstance(req, protocol.QueryRequest) or req.query is None or not req.query.strip():
            return None
        gen = st.store().generation()
        info = guards.check(req.query, st.settings, st.graphs(gen))
        fmt = negotiate(formats_for(info.kind), req.format_params, accept=environ.get("HTTP_ACCEPT", ""),
                        **FALLBACK.get(info.kind, {}))
        if fmt is HTML or fmt is JSONLD:
            return None
        return st, gen, req, info, req.dataset(info, st.settings.union_default_graph), fmt, _base_iri(environ)


def _posted(environ: dict, raw_qs: bytes, max_bytes: int) -> SimpleNamespace | None:
    """A query ``POST`` as :func:`protocol.parse` reads a request, its body read and put back in the
    environ for the app; None for any other ``POST`` (the app answers it: an update, a length over
    ``max_bytes`` (413, or an update's larger allowance), a missing length, another type)."""
    content_type = environ.get("CONTENT_TYPE") or ""
    if content_type.split(";")[0].strip().lower() not in protocol.FORM_TYPES + protocol.QUERY_TYPES:
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 <= length <= max_bytes:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return SimpleNamespace(method="POST", query_string=raw_qs, content_length=length,
                           headers={"Content-Type": content_type}, get_data=lambda cache=False: body)
