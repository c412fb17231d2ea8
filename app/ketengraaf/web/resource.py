"""Dereferencing: every IRI of the catalogue resolves to a page or to its data.

Why direct content negotiation and not 303 redirects
----------------------------------------------------
``https://w3id.org/ketengraaf/id/...`` already reaches us through w3id.org's own
redirect; a 303 on top of it would cost every RDF client and every browser a
second round trip, and ``curl -H 'Accept: text/turtle' <IRI>`` would show a
redirect instead of data. So ``/id/<path>``, ``/def``, ``/def/<Term>`` and
``/resource?iri=`` answer directly: HTML for browsers, the description in the
RDF format ``Accept`` asks for otherwise, always with ``Vary: Accept`` (so
caches keep the representations apart), ``Content-Location`` naming the stable
document that was served, and ``Link: rel="alternate"`` headers to every other
representation. The stable documents are ``/page/<path>`` (always HTML) and
``/data/<path>.<ext>`` (always one format); ``?format=<ext>`` works on every
resource route. RDF answers keep the public IRIs; only links in HTML are
rewritten (:func:`ketengraaf.web.urls.local_url`).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from ..errors import InputError, NotFound
from ..sparql.formats import HTML
from .chain import is_chain_page, render_chain
from .describe import Viewer, description_quads, exists, inbound
from .history import RESOURCE_SHOWN, changes_for, summary
from .http import conditional, page_format, page_or_data, rdf_response, serialize
from .i18n import reader_lang
from .ontology import term_extras
from .overview import scheme_tree
from .quality import report
from .search import suggestions
from .snapshot import snapshot
from .urls import PAGE_FORMATS, alternates, change_id, checked_iri, data_url, iri_for_id, iri_for_term, local_url

bp = Blueprint("resource", __name__)

INBOUND_SHOWN = 10
INBOUND_PAGE = 50


def answer(iri: str) -> Response:
    """HTML or RDF for ``iri`` by negotiation; 404 with suggestions when nothing is known about it."""
    rep = page_format()
    snap = snapshot()
    if not exists(snap, iri):
        raise NotFoundWithSuggestions(iri, suggestions(iri))
    return page_or_data(iri, rep, lambda: render_page(iri), lambda: description_quads(snap.store, iri))


class NotFoundWithSuggestions(NotFound):
    def __init__(self, iri: str, suggestions: list[dict]):
        super().__init__(f"nothing is known about {iri}")
        self.iri = iri
        self.suggestions = suggestions


def render_page(iri: str) -> str:
    """The chain view for a chain (unless ``?view=eigenschappen``), else the generic resource page."""
    return render_chain(iri) if is_chain_page(iri) else render_resource(iri)


def render_resource(iri: str, **extra) -> str:
    snap = snapshot()
    lang = reader_lang()
    view = Viewer(snap, lang)
    title, title_lang = view.title(iri)
    in_groups: list[dict[str, Any]] = []
    for prop, subjects in inbound(snap, iri).items():
        subjects.sort(key=lambda s: view.label(s).casefold())
        shown = [(view.label(s), local_url(s)) for s in subjects[:INBOUND_SHOWN]]
        more = None
        if len(subjects) > INBOUND_SHOWN:
            more = url_for("resource.inbound_page", iri=iri, p=prop)
        in_groups.append({"prop": prop, "label": view.label(prop), "href": local_url(prop),
                          "count": len(subjects), "items": shown, "more": more})
    in_groups.sort(key=lambda g: (-g["count"], g["label"].casefold()))
    jsonld = serialize(description_quads(snap.store, iri), PAGE_FORMATS["jsonld"]).decode()  # the page's .jsonld
    rep = report(snap)
    changes = changes_for(snap, iri)
    return render_template(
        "resource.html", iri=iri, title=title, title_lang=title_lang, titles=view.all_titles(iri),
        types=view.types(iri), definition=view.definition(iri), wiki=view.wiki_pages(iri),
        claims=view.claims(iri), illustration=view.illustration(iri), groups=view.grouped(iri), inbound=in_groups,
        downloads=[(f, data_url(iri, f.extension)) for f in PAGE_FORMATS.values()],
        jsonld=jsonld.replace("<", "\\u003c"), shacl=rep.for_focus(iri), report_available=rep.available,
        tree=scheme_tree(snap, iri, lang), term=term_extras(snap, iri, lang), lang=lang,
        changes=[summary(c) for c in changes[:RESOURCE_SHOWN]], changes_count=len(changes), **extra)


@bp.get("/id/<path:path>")
def by_id(path: str):
    return answer(iri_for_id(path))


@bp.get("/page/<path:path>")
def page(path: str):
    iri = iri_for_id(path)
    if not exists(snapshot(), iri):
        raise NotFoundWithSuggestions(iri, suggestions(iri))
    return conditional(HTML, lambda: Response(render_page(iri), mimetype="text/html"),
                       vary=("Accept-Language", "Cookie"))


@bp.get("/data/<path:path>")
def data(path: str):
    stem, _, ext = path.rpartition(".")
    if stem and ext in PAGE_FORMATS:
        iri, fmt = iri_for_id(stem), PAGE_FORMATS[ext]
    else:
        iri, fmt = iri_for_id(path), page_format(html=False)
    snap = snapshot()
    if not exists(snap, iri):
        raise NotFoundWithSuggestions(iri, suggestions(iri))
    return conditional(fmt, lambda: rdf_response(description_quads(snap.store, iri), fmt,
                                                 links=[l for l in alternates(iri) if l[2] != fmt.media_type]),
                       vary=("Accept",))


@bp.get("/def/<term>")
def term(term: str):
    stem, _, ext = term.rpartition(".")
    if stem and ext in PAGE_FORMATS and "format" not in request.args:
        return _redirect_format(local_url(iri_for_term(stem)), ext)
    return answer(iri_for_term(term))


def _redirect_format(url: str, ext: str):
    return redirect(url + ("&" if "?" in url else "?") + "format=" + ext, code=301)


@bp.get("/resource")
def resource():
    iri = request.args.get("iri", "").strip()
    if not iri:
        raise InputError("parameter iri is missing: /resource?iri=<IRI of the resource>")
    if ":" not in iri:
        raise InputError(f"parameter iri: {iri!r} is not an absolute IRI")
    iri = checked_iri(iri, "parameter iri")
    if change_id(iri) is not None:      # a write's IRI: its own page (the history graph is outside the default)
        return redirect(local_url(iri), code=303)
    return answer(iri)


@bp.get("/inbound")
def inbound_page():
    iri = checked_iri(request.args.get("iri", ""), "parameter iri")
    prop = checked_iri(request.args.get("p", ""), "parameter p")
    try:
        page_no = max(1, int(request.args.get("page", "1")))
    except ValueError:
        raise InputError("parameter page: not a number") from None
    snap = snapshot()
    subjects = inbound(snap, iri).get(prop)
    if not subjects:
        raise NotFound(f"no resource links to {iri} through {prop}")

    def make():
        view = Viewer(snap, reader_lang())
        subjects.sort(key=lambda s: view.label(s).casefold())
        pages = (len(subjects) + INBOUND_PAGE - 1) // INBOUND_PAGE
        if page_no > pages:
            abort(404)
        items = [(view.label(s), local_url(s)) for s in subjects[(page_no - 1) * INBOUND_PAGE:page_no * INBOUND_PAGE]]
        link = lambda n: url_for("resource.inbound_page", iri=iri, p=prop, page=n)  # noqa: E731
        return Response(render_template(
            "inbound.html", iri=iri, title=view.label(iri), href=local_url(iri), prop_label=view.label(prop),
            prop_href=local_url(prop), items=items, count=len(subjects), page=page_no, pages=pages,
            prev=link(page_no - 1) if page_no > 1 else None, next=link(page_no + 1) if page_no < pages else None),
            mimetype="text/html")
    return conditional(HTML, make)
