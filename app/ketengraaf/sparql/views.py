"""The SPARQL endpoint blueprint: ``/sparql`` (protocol, service description, query page)
and ``/.well-known/void``.

Per request, in this order: parse the protocol request (400/405/413/415),
run the guards (size, nesting, SERVICE/LOAD, FROM), choose the format (406),
answer ``If-None-Match`` with 304, look in the answer cache, and only then
send the query to a worker process.
"""
from __future__ import annotations

import hashlib
from email.utils import format_datetime

from flask import Blueprint, Response, render_template, request, url_for

from ..errors import InputError, KetengraafError, MethodNotAllowed
from ..namespaces import sparql_prefixes
from . import description, guards, protocol
from .cache import AnswerCache
from .examples import examples
from .formats import HTML, BY_NAME, formats_for, negotiate
from .pool_state import SparqlState, state
from .table import result_table

bp = Blueprint("sparql", __name__)
ALL_METHODS = ["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"]


@bp.record_once
def _setup(setup_state) -> None:
    app = setup_state.app
    settings = app.config["KETENGRAAF"]
    app.extensions["ketengraaf.sparql"] = SparqlState(settings, AnswerCache(settings.cache_entries),
                                                      app.extensions.get("ketengraaf.store"))


@bp.after_request
def _cors(resp: Response) -> Response:
    if state().settings.cors:
        resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Content-Type"
    return resp


def _preflight() -> Response:
    resp = Response(status=204)
    resp.headers["Allow"] = "GET, POST, HEAD, OPTIONS"
    if state().settings.cors:
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, If-None-Match"
        resp.headers["Access-Control-Max-Age"] = "86400"
    return resp


def _validators(gen, extra: str) -> tuple[str, str]:
    tag = hashlib.blake2b(f"{gen.version}\0{extra}".encode(), digest_size=12).hexdigest()
    return f'"{tag}"', format_datetime(gen.created, usegmt=True)


def _not_modified(etag: str) -> bool:
    inm = request.headers.get("If-None-Match")
    if not inm:
        return False
    tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
    return etag in tags or "*" in tags


def _answer(body: bytes, content_type: str, etag: str, modified: str, status: int = 200) -> Response:
    resp = Response(b"" if request.method == "HEAD" else body, status=status, content_type=content_type)
    resp.headers["ETag"] = etag
    resp.headers["Last-Modified"] = modified
    resp.headers["Vary"] = "Accept"
    resp.headers["Cache-Control"] = "no-cache"
    if request.method == "HEAD":
        resp.headers["Content-Length"] = str(len(body))
    return resp


@bp.route("/sparql", methods=ALL_METHODS)
@bp.route("/sparql/", methods=ALL_METHODS, endpoint="endpoint_slash")
def endpoint():
    st = state()
    if request.method == "OPTIONS":
        return _preflight()
    if request.method not in ("GET", "POST", "HEAD"):
        raise MethodNotAllowed(f"{request.method} is not allowed on the SPARQL endpoint; use GET or POST "
                               "(SPARQL Update is not served)")
    req = protocol.parse(request, st.settings.max_request_bytes)
    accept = request.headers.get("Accept")
    if req.query is None:
        plain = not accept or accept.strip() in ("*/*", "*")
        fmt = negotiate("graph", "text/turtle" if plain else accept, req.format_params)
        return query_page(req) if fmt is HTML else service_description(fmt)
    gen = st.store().generation()
    if not req.query.strip():
        if _wants_html(accept, req):
            return query_page(req)
        raise InputError("the query is empty")
    try:
        info = guards.check(req.query, st.settings, st.graphs(gen))
        fmt = negotiate(info.kind, accept, req.format_params)
    except KetengraafError as err:
        if _wants_html(accept, req):
            return query_page(req, error=err)
        raise
    if fmt is HTML:
        return query_page(req, info=info)
    dataset = req.dataset(info, st.settings.union_default_graph)
    base = _base_iri()
    key = (gen.version, req.query, dataset, fmt.name, base)
    etag, modified = _validators(gen, repr(key[1:]))
    if _not_modified(etag):
        return _answer(b"", fmt.content_type, etag, modified, status=304)
    body = st.cache.get(key)
    if body is None:
        body = st.run(gen, req.query, dataset, info.kind, fmt, base)
        st.cache.put(key, body)
    return _answer(body, fmt.content_type, etag, modified)


def _base_iri() -> str:
    """The endpoint URL, base of relative IRIs in queries (cheaper than ``request.base_url``)."""
    env = request.environ
    return f"{env.get('wsgi.url_scheme', 'http')}://{request.host}{env.get('SCRIPT_NAME', '')}" \
        f"{env.get('PATH_INFO', '/sparql')}"


def _wants_html(accept: str | None, req) -> bool:
    try:
        return negotiate("results", accept, req.format_params) is HTML
    except KetengraafError:
        return False


def service_description(fmt):
    st = state()
    gen = st.store().generation()
    endpoint_url = url_for("sparql.endpoint", _external=True)
    void_url = url_for("sparql.void", _external=True)
    etag, modified = _validators(gen, f"sd:{fmt.name}:{endpoint_url}:{void_url}")   # the body names both
    if _not_modified(etag):
        return _answer(b"", fmt.content_type, etag, modified, status=304)
    body = description.service_description(st.store(), gen, fmt.name, endpoint_url,
                                           st.settings.union_default_graph, void_url)
    return _answer(body, fmt.content_type, etag, modified)


@bp.route("/.well-known/void", methods=["GET", "HEAD"])
def void():
    st = state()
    params = tuple(v for k in protocol.FORMAT_PARAMS for v in request.args.getlist(k) if v)
    fmt = negotiate("graph", request.headers.get("Accept") or "text/turtle", params, allow_html=False)
    gen = st.store().generation()
    endpoint_url = url_for("sparql.endpoint", _external=True)
    etag, modified = _validators(gen, f"void:{fmt.name}:{endpoint_url}")            # the body names it
    if _not_modified(etag):
        return _answer(b"", fmt.content_type, etag, modified, status=304)
    base = st.settings.public_base
    body = description.void_description(st.store(), gen, fmt.name, base + "dataset", endpoint_url, base)
    return _answer(body, fmt.content_type, etag, modified)


def query_page(req, *, error: KetengraafError | None = None, info=None):
    """The query editor, with the answer as a table (or the error beside the query)."""
    st = state()
    lang = _ui_lang(st.settings.default_lang)
    query = req.query if req.query and req.query.strip() else sparql_prefixes() + "\nSELECT * WHERE {\n  ?s ?p ?o\n}\nLIMIT 10\n"
    table, downloads, status = None, [], 200
    if error is None and info is not None:
        gen = st.store().generation()
        dataset = req.dataset(info, st.settings.union_default_graph)
        page_fmt = BY_NAME["json"] if info.kind == "results" else BY_NAME["ntriples"]
        try:
            key = (gen.version, req.query, dataset, page_fmt.name, _base_iri())
            body = st.cache.get(key)
            if body is None:
                body = st.run(gen, req.query, dataset, info.kind, page_fmt, _base_iri())
                st.cache.put(key, body)
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
    return html, status, {"Content-Type": "text/html; charset=utf-8", "Vary": "Accept"}


def _download_url(req, fmt_name: str) -> str:
    args = [("query", req.query)] + [("default-graph-uri", g) for g in req.default_graphs] \
        + [("named-graph-uri", g) for g in req.named_graphs] + [("format", fmt_name)]
    from urllib.parse import urlencode
    return url_for("sparql.endpoint") + "?" + urlencode(args)


def _ui_lang(default: str) -> str:
    try:
        from ..web.i18n import ui_lang
        lang = ui_lang()
    except Exception:  # the browser's language helpers are absent or the lang parameter is bad
        lang = request.args.get("lang") or default
    return "en" if lang.startswith("en") else "nl"

