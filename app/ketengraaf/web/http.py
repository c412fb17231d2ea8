"""HTTP for every route, the SPARQL endpoint and the pages alike: content negotiation,
conditional requests, CORS, error answers and RDF answers.

- :func:`negotiate`: the answer's :class:`~ketengraaf.sparql.formats.Format`, from a format
  parameter (looked up in the registry) or else ``Accept`` (parsed by werkzeug; the quality
  of a media type is that of the most specific range naming it, so ``*/*, text/csv;q=0``
  refuses CSV).
- :func:`conditional`: every answer is a function of (store generation, what was asked), so
  the ETag is a hash of those and ``Last-Modified`` is the generation's creation time. A
  repeat with ``If-None-Match`` (weak comparison) gets ``304`` before anything is built.
- :func:`cors`: ``Access-Control-Allow-Origin: *`` when the setting ``cors`` is on.
- :func:`error_response`: one answer for every error, HTML for browsers, JSON otherwise.
- :func:`secure`: the headers every answer carries (``Content-Security-Policy`` on HTML,
  ``X-Content-Type-Options``), and redirects made relative, never to the request's ``Host``.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from collections.abc import Callable, Iterable, Sequence
from typing import Literal, cast
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
from flask import Response, jsonify, render_template, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..errors import InputError, KetengraafError, NotAcceptable
from ..namespaces import PREFIXES
from ..sparql import jsonld
from ..validation.render import render as render_report
from ..sparql.formats import BY_NAME, HTML, TURTLE, Format, by_param, formats_for
from .context import settings
from .i18n import UI_LANGS, reader_lang, ui_lang
from .snapshot import snapshot
from .urls import alternates, data_url, page_url, public_base

HtmlPolicy = Literal["named", "first"] | None

RDF_FORMATS: tuple[Format, ...] = tuple(formats_for("graph"))      # negotiation order: the registry's
JSONLD = BY_NAME["jsonld"]
PAGE_VARY = ("Accept", "Accept-Language", "Cookie")
PAGE_CACHE = "public, max-age=60"


# -- content negotiation -----------------------------------------------------

def negotiate(offers: Sequence[Format], params: Sequence[str] = (), *, html: HtmlPolicy = "named",
              default: Format | None = None, bad_param: type[KetengraafError] = NotAcceptable,
              fallback: Format | None = None, fallback_when: Sequence[Format] = (),
              accept: str | None = None) -> Format:
    """The format to answer in: the first of ``params`` that names one of ``offers``, else by ``Accept``
    (the request's, or ``accept`` when given: the endpoint's fast path runs before Flask).

    ``offers`` are in server preference order (ties go to the earlier one). ``html``: None (HTML is not
    offered), ``"named"`` (HTML only when the client names ``text/html`` or ``application/xhtml+xml``
    itself, as browsers do; ``*/*`` never gets it: the endpoint) or ``"first"`` (HTML is the first
    offer: the pages). ``default`` answers a client without a preference (no ``Accept``, or only
    ``*/*``); otherwise that is the first offer. ``fallback`` answers an ``Accept`` that names none of
    ``offers`` but one of ``fallback_when`` (a CONSTRUCT asked for with only SPARQL results types, as
    rdflib's SPARQLStore does: Turtle). Raises :class:`NotAcceptable` (406), or ``bad_param`` for a
    parameter that names nothing on offer.
    """
    offers = tuple(offers)
    if params:
        return by_param(offers, params, html=html is not None, error=bad_param)
    if accept is None:
        accept = request.headers.get("Accept", "")
    fmt = _choose(accept, offers, html, default)
    if fmt is None and fallback is not None and _choose(accept, tuple(fallback_when), None, None) is not None:
        fmt = fallback
    if fmt is None:
        available = ([HTML.media_type] if html else []) + [f.media_type for f in offers]
        raise NotAcceptable(f"cannot answer in any type of Accept: {accept}; available: " + ", ".join(available))
    return fmt


def page_format(*, html: bool = True) -> Format:
    """A page's representation: ``?format=`` (an extension such as ``ttl``, or a format name), else
    ``Accept``; HTML comes first (a browser's ``*/*`` gets the page), Turtle for RDF clients without
    a preference."""
    params = tuple(v for v in request.args.getlist("format") if v)
    return negotiate(RDF_FORMATS, params, html="first" if html else None, default=None if html else TURTLE,
                     bad_param=InputError)


def wants_html() -> bool:
    """The client names HTML itself (browsers do; curl's ``*/*`` does not): errors are then pages."""
    return _html_quality(_ranges(request.headers.get("Accept", "")), named=True)[0] > 0


Range = tuple[str, str, float]


@lru_cache(maxsize=1024)
def _ranges(accept: str) -> tuple[Range, ...]:
    """``Accept`` as (type, subtype, q), parsed by werkzeug; media type parameters are ignored."""
    out = []
    for value, q in parse_accept_header(accept, MIMEAccept):
        mt = value.split(";", 1)[0].strip().lower()
        typ, _, sub = ("*/*" if mt == "*" else mt).partition("/")
        out.append((typ, sub or "*", q))
    return tuple(out)


def _quality(ranges: Sequence[Range], media_type: str, named: bool) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching ``media_type``; ``named``: exact matches only."""
    typ, _, sub = media_type.partition("/")
    best = (-1.0, -1)
    for rt, rs, q in ranges:
        if rt == typ and rs == sub:
            spec = 2
        elif named:
            continue
        elif rt == typ and rs == "*":
            spec = 1
        elif rt == "*":
            spec = 0
        else:
            continue
        if spec > best[1]:
            best = (q, spec)
    return best


def _html_quality(ranges: Sequence[Range], named: bool) -> tuple[float, int]:
    return max(_quality(ranges, mt, named) for mt in HTML.media_types)


@lru_cache(maxsize=2048)
def _choose(accept: str, offers: tuple[Format, ...], html: HtmlPolicy, default: Format | None) -> Format | None:
    ranges = _ranges(accept)
    if all(typ == "*" for typ, _, q in ranges if q > 0):          # no preference beyond */* (some types refused)
        first = HTML if html == "first" else default or offers[0]
        if not ranges or max(_quality(ranges, mt, False)[0] for mt in first.media_types) > 0:
            return first
    best, best_key = None, (0.0, -1)
    if html is not None:
        q, spec = _html_quality(ranges, named=html == "named")
        if q > 0:
            best, best_key = HTML, (q, spec)
    for f in offers:
        q, spec = max(_quality(ranges, mt, False) for mt in f.media_types)
        if q > 0 and (q, spec) > best_key:
            best, best_key = f, (q, spec)
    return best


# -- conditional requests ----------------------------------------------------

def etag(gen, key: str) -> str:
    """The ETag (unquoted) of the answer ``key`` identifies within generation ``gen``."""
    return hashlib.blake2b(f"{gen.version}\0{key}".encode(), digest_size=12).hexdigest()


def conditional(rep: Format | str, make: Callable[[], Response], *, key: str | None = None, gen=None,
                vary: Iterable[str] = PAGE_VARY, cache_control: str = PAGE_CACHE) -> Response:
    """Answer 304 when the client holds this version, else ``make()`` the response; with caching headers.

    The ETag hashes the generation's version with ``key``: what identifies the answer within a
    generation (default: this URL, the representation ``rep`` and, for HTML, the reader's language).
    ``gen``: the generation answered from (default: the pages' snapshot's)."""
    gen = gen if gen is not None else snapshot().gen
    if key is None:
        name = rep.name if isinstance(rep, Format) else rep
        name += "-expanded" if rep is JSONLD and wants_expanded() else ""
        key = "\0".join((request.full_path, name, reader_lang() if rep is HTML else ""))
    tag = etag(gen, key)
    if request.if_none_match.contains_weak(tag):
        resp = Response(status=304)
    else:
        resp = make()
    resp.set_etag(tag)
    resp.last_modified = gen.created
    resp.headers["Cache-Control"] = cache_control
    resp.vary.update(vary)
    return resp


# -- CORS ----------------------------------------------------------------------

CORS_HEADERS = (("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "ETag, Last-Modified, Content-Type"))
NOSNIFF = ("X-Content-Type-Options", "nosniff")       # on every answer (see secure)


def cors(resp: Response, *, preflight: bool = False) -> Response:
    """``Access-Control-Allow-Origin: *`` on data answers when the setting ``cors`` is on; a
    ``preflight`` answer (``OPTIONS``) also says which methods and headers a page may send."""
    if settings().cors:
        resp.headers.update(CORS_HEADERS)
        if preflight:
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, If-None-Match"
            resp.headers["Access-Control-Max-Age"] = "86400"
    return resp


# -- headers every answer carries ----------------------------------------------

# No inline script anywhere (scripts are static files; the JSON-LD block in resource pages is data, which
# CSP does not govern). Inline styles remain (the SVG diagrams carry style attributes).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
                           "frame-ancestors 'none'")


def secure(resp: Response) -> Response:
    """``Content-Security-Policy`` on every HTML answer, ``X-Content-Type-Options: nosniff`` on all, and a
    ``Location`` that names this server's host (routing redirects build it from ``Host``) made relative."""
    resp.headers.update((NOSNIFF,))
    if resp.mimetype == "text/html":
        resp.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    location = resp.headers.get("Location")
    if location and 300 <= resp.status_code < 400:
        parts = urlsplit(location)
        if parts.scheme or parts.netloc:
            base = urlsplit(settings().public_base)
            if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
                resp.headers["Location"] = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    return resp


# -- answers ---------------------------------------------------------------------

def error_response(err: KetengraafError):
    """One answer for every error: HTML for browsers, JSON for everything else; titles in the reader's
    language (``Retry-After`` when the error says when to come back)."""
    retry = getattr(err, "retry_after", None)
    report = getattr(err, "report", None)           # a refused write: its SHACL report, as RDF when asked
    accept = request.headers.get("Accept", "")
    if report is not None and ("text/turtle" in accept or "application/ld+json" in accept):
        fmt = negotiate([BY_NAME["turtle"], BY_NAME["jsonld"]], (), html=None)
        body = render_report(report, "json-ld" if fmt is BY_NAME["jsonld"] else "turtle", safe_ui_lang())
        return Response(body, status=err.status, content_type=fmt.content_type)
    if wants_html():
        body = render_template("error.html", error=err)
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if retry:
            headers["Retry-After"] = str(retry)
        return body, err.status, headers
    resp = jsonify(err.to_dict(safe_ui_lang()))
    resp.status_code = err.status
    if retry:
        resp.headers["Retry-After"] = str(retry)
    if err.status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="ketengraaf"'
    return resp


def safe_ui_lang() -> str:
    """The reader's interface language, or the first one when it cannot be told (a bad ?lang=, no store)."""
    try:
        return ui_lang()
    except Exception:
        return UI_LANGS[0]


def page_or_data(iri: str, rep: Format, page: Callable[[], str], quads: Callable[[], list], *,
                 content_location: bool = True) -> Response:
    """``iri`` as its HTML ``page()`` or, for any other ``rep``, as RDF ``quads()``; with ``Link`` headers to
    every other representation and, if ``content_location``, the stable document that was served."""
    if rep is HTML:
        def make() -> Response:
            resp = Response(page(), mimetype="text/html")
            add_links(resp, alternates(iri)[1:])
            if content_location:
                resp.headers["Content-Location"] = page_url(iri)
            return resp
        return conditional(HTML, make)

    def make_rdf() -> Response:
        resp = rdf_response(quads(), rep, links=[link for link in alternates(iri) if link[2] != rep.media_type])
        if content_location:
            resp.headers["Content-Location"] = data_url(iri, rep.extension)
        return resp
    return conditional(rep, make_rdf)


def prefixes() -> dict[str, str]:
    out = dict(PREFIXES)
    out["id"] = public_base() + "id/"
    out["keten"] = public_base() + "def#"
    return out


def serialize(quads: list, fmt: Format, *, expanded: bool = False) -> bytes:
    """A document: each triple once, in the default graph, whatever ``fmt`` (N-Quads and TriG too: a
    client that reads the document as a source reads its default graph; the source files' graphs stay
    available through ``/sparql``). JSON-LD is compact with the published context unless ``expanded``."""
    triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    if fmt is JSONLD and not expanded:
        return jsonld.compact(triples, jsonld_context())
    # without an output file, serialize returns the bytes (stubs: bytes | None)
    return cast(bytes, ox.serialize(triples, format=fmt.engine_format(), prefixes=prefixes()))


def wants_expanded() -> bool:
    """The client asked for expanded JSON-LD (``Accept: application/ld+json;profile="…#expanded"``)."""
    return jsonld.wants_expanded(request.headers.get("Accept", ""))


def jsonld_context() -> dict[str, str]:
    """The published JSON-LD context (``/def/context.jsonld``) of the current generation."""
    snap = snapshot()
    key = (snap, public_base())                     # the snapshot itself: one per store and generation
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = jsonld.build_context(snap.store, prefixes())
        _CONTEXTS.clear()
        _CONTEXTS[key] = ctx
    return ctx


_CONTEXTS: dict = {}


def rdf_response(quads: list, fmt: Format, *, links: Iterable[tuple[str, str, str]] = ()) -> Response:
    resp = Response(serialize(quads, fmt, expanded=wants_expanded()), mimetype=fmt.media_type)
    add_links(resp, links)
    return cors(resp)


def add_links(resp: Response, links: Iterable[tuple[str, str, str]]) -> None:
    """``Link: <url>; rel="..."; type="..."`` for each (url, rel, type)."""
    parts = [f'<{url}>; rel="{rel}"' + (f'; type="{typ}"' if typ else "") for url, rel, typ in links]
    if parts:
        resp.headers["Link"] = ", ".join(parts)
