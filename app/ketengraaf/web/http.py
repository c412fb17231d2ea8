"""HTTP plumbing shared by the browser's routes: content negotiation, RDF answers, caching.

Caching: every answer is a function of (store generation, URL, representation,
reader language), so the ETag is a hash of those and ``Last-Modified`` is the
generation's creation time. A repeat with ``If-None-Match`` gets ``304``
before anything is rendered.
"""
from __future__ import annotations

import hashlib
from typing import Callable, Iterable

import pyoxigraph as ox
from flask import Response, request

from ..errors import InputError, NotAcceptable
from ..namespaces import PREFIXES
from .i18n import reader_lang
from .snapshot import snapshot
from .urls import BY_MIME, FORMATS, RdfFormat, public_base

HTML = "html"
VARY = ("Accept", "Accept-Language", "Cookie")


def negotiate(*, html: bool = True) -> str | RdfFormat:
    """``"html"`` or an RDF format, from ``?format=`` or else ``Accept``."""
    fmt = request.args.get("format")
    if fmt:
        if fmt == HTML and html:
            return HTML
        if fmt in FORMATS:
            return FORMATS[fmt]
        known = ", ".join(([HTML] if html else []) + list(FORMATS))
        raise InputError(f"parameter format: unknown format {fmt!r}; known: {known}")
    offers = (["text/html", "application/xhtml+xml"] if html else []) + list(BY_MIME)
    if not html:
        offers.insert(0, "text/turtle")
    if not request.accept_mimetypes:         # no Accept header means */*
        return HTML if html else FORMATS["ttl"]
    best = request.accept_mimetypes.best_match(offers)
    if best is None:
        raise NotAcceptable("none of the requested media types can be served; available: "
                            + ", ".join(["text/html"] + [f.mime for f in FORMATS.values()]))
    if best in ("text/html", "application/xhtml+xml"):
        return HTML
    return BY_MIME[best]


def etag_for(rep: str) -> str:
    gen = snapshot().gen
    key = "\0".join((gen.version, request.full_path, rep, reader_lang() if rep == HTML else ""))
    return hashlib.sha1(key.encode()).hexdigest()


def conditional(rep: str, make: Callable[[], Response], *, vary: Iterable[str] = VARY) -> Response:
    """Answer 304 when the reader holds this version, else build the response with caching headers."""
    tag = etag_for(rep)
    gen = snapshot().gen
    if request.if_none_match.contains(tag):
        resp = Response(status=304)
    else:
        resp = make()
    resp.set_etag(tag)
    resp.last_modified = gen.created
    resp.headers["Cache-Control"] = "public, max-age=60"
    resp.vary.update(vary)
    return resp


def prefixes() -> dict[str, str]:
    out = dict(PREFIXES)
    out["id"] = public_base() + "id/"
    out["keten"] = public_base() + "def#"
    return out


def serialize(quads: list, fmt: RdfFormat) -> bytes:
    """Quads in ``fmt``; triple formats get each triple once (graphs merged)."""
    if fmt.quads:
        items: list = list(dict.fromkeys(quads))
    else:
        items = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    return ox.serialize(items, format=fmt.oxigraph, prefixes=prefixes())


def rdf_response(quads: list, fmt: RdfFormat, *, links: Iterable[tuple[str, str, str]] = ()) -> Response:
    resp = Response(serialize(quads, fmt), mimetype=fmt.mime)
    if fmt.mime.startswith("text/") or fmt.ext in ("jsonld", "rdf", "trig", "nt", "nq"):
        resp.charset = "utf-8"
    add_links(resp, links)
    return cors(resp)


def cors(resp: Response) -> Response:
    """``Access-Control-Allow-Origin: *`` on data answers, when the setting ``cors`` is on."""
    from .. import settings
    if settings().cors:
        resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def add_links(resp: Response, links: Iterable[tuple[str, str, str]]) -> None:
    """``Link: <url>; rel="..."; type="..."`` for each (url, rel, type)."""
    parts = [f'<{url}>; rel="{rel}"' + (f'; type="{typ}"' if typ else "") for url, rel, typ in links]
    if parts:
        resp.headers["Link"] = ", ".join(parts)
