"""The wikis in the browser, and the API the wikis' gadget asks.

- ``GET /api/wiki-links?wiki=gemma&title=…`` (or ``&page=<page URL>``): the catalogue resources
  about a wiki page, with labels, types and URLs, as JSON. CORS only for the configured wikis:
  ``Access-Control-Allow-Origin`` echoes the ``Origin`` when it is one of their hosts (never
  ``*``), always with ``Vary: Origin``. ``docs/wiki-gadget.js`` is the gadget that calls it;
- ``/wiki/rapport``: the link report (``?format=json|csv`` for the data);
- ``/wiki/voorstellen``: the open proposals of ``ketengraaf wiki match``; with the setting
  ``wiki_review_in_browser`` on, each has an accept and a reject button (a form posting to
  ``/wiki/voorstellen/<id>``, same origin only) that writes ``data/wiki/``;
- ``wiki_links_for(iri)`` in every template: the wiki links of a resource with the wiki's name,
  the page's status and last-modified date and its flags, for the macro in
  ``templates/wiki_links.html`` (the resource page shows it near the top).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request

from ..errors import InputError, KetengraafError, NotFound
from ..wiki import review, service
from ..wiki.catalog import Facts, read_facts
from ..wiki.report import build_report, for_resource, render, resources_for_title
from ..wiki.titles import parse_page_iri
from .i18n import reader_lang, t
from .snapshot import snapshot
from .urls import local_url

bp = Blueprint("wiki", __name__)

API = "/api/wiki-links"

def _settings():
    return current_app.config["KETENGRAAF"]


def current_facts() -> Facts:
    """The wiki facts of the current generation (built once per generation)."""
    settings = _settings()
    return snapshot().extra("wiki.facts",
                            lambda snap: read_facts(snap.store, service.wikis(settings), snap.strings))


# -- on every resource page -----------------------------------------------------------------

def wiki_links_for(iri: str) -> list[dict]:
    """The wiki links of ``iri`` for its page: wiki name, title, URL, status label, last edit, flags."""
    try:
        facts = current_facts()
    except KetengraafError:
        return []
    labels, lang = snapshot().labels, reader_lang()
    out = []
    for st in for_resource(facts, iri, _settings().wiki_stale_days):
        out.append({"url": st.page, "title": st.title, "wiki": st.wiki_label or st.wiki, "flags": st.flags,
                    "status": st.status, "status_label": labels.label(st.status, lang) if st.status else None,
                    "status_href": local_url(st.status) if st.status else None,
                    "modified": (st.modified or "")[:10] or None, "origin": st.origin,
                    "redirect_to": st.redirect_to,
                    "redirect_title": facts.pages[st.redirect_to].title if st.redirect_to in facts.pages else None})
    return out


@bp.app_context_processor
def _helpers():
    return {"wiki_links_for": wiki_links_for}


# -- the gadget API ---------------------------------------------------------------------------

def allowed_origins() -> set[str]:
    return {o for w in service.wikis(_settings()) for o in w.origins}


@bp.after_request
def _cors(resp: Response) -> Response:
    if request.path == API:
        resp.headers.add("Vary", "Origin")
        origin = (request.headers.get("Origin") or "").strip()
        if origin and origin.lower().rstrip("/") in allowed_origins():
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
            resp.headers["Access-Control-Max-Age"] = "86400"
        else:
            resp.headers.pop("Access-Control-Allow-Origin", None)
    return resp


@bp.route(API, methods=["OPTIONS"])
def api_preflight():
    return Response(status=204)


@bp.get(API)
def api():
    facts = current_facts()
    page_url = request.args.get("page", "").strip()
    if page_url:
        try:
            ref = parse_page_iri(page_url, facts.wikis)
        except ValueError:      # not a URL at all (an unclosed IPv6 host): not a page on a wiki either
            ref = None
        if ref is None:
            raise InputError(f"parameter page: {page_url!r} is not a page on a configured wiki")
        wiki_name, title = ref.wiki.name, ref.title
    else:
        wiki_name, title = request.args.get("wiki", "").strip(), request.args.get("title", "").strip()
        if not wiki_name or not title:
            raise InputError("parameters wiki and title are needed: /api/wiki-links?wiki=gemma&title=<page title>")
        if wiki_name not in {w.name for w in facts.wikis}:
            raise NotFound(f"unknown wiki {wiki_name!r}; known: {', '.join(w.name for w in facts.wikis)}")
    page, resources = resources_for_title(facts, wiki_name, title)
    snap, lang = snapshot(), reader_lang()
    root = request.host_url.rstrip("/")
    info, target = facts.pages.get(page), facts.final(page)
    body = {
        "wiki": wiki_name, "title": info.title if info else title, "page": page,
        "in_export": bool(info and info.in_export), "redirect_to": target if target != page else None,
        "resources": [{
            "iri": iri, "label": snap.labels.label(iri, lang), "url": iri,
            "html": root + local_url(iri),
            "types": [{"iri": t, "label": snap.labels.label(t, lang)} for t in snap.types.get(iri, [])],
        } for iri in resources],
    }
    resp = jsonify(body)
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


# -- report and review ------------------------------------------------------------------------

@bp.get("/wiki/rapport")
def report_page():
    report = build_report(current_facts(), _settings().wiki_stale_days)
    fmt = request.args.get("format", "html")
    if fmt in ("json", "csv", "text"):
        mime = {"json": "application/json", "csv": "text/csv", "text": "text/plain"}[fmt]
        return Response(render(report, fmt), mimetype=mime, headers={"Content-Type": mime + "; charset=utf-8"})
    if fmt != "html":
        raise InputError(f"parameter format: {fmt!r}; use html, json, csv or text")
    return render_template("wiki_report.html", report=report, local_url=local_url)


def _same_origin() -> bool:
    """A form post from this app's own pages: Sec-Fetch-Site, else Origin, else Referer names this host."""
    site = request.headers.get("Sec-Fetch-Site")
    if site:
        return site in ("same-origin", "none")
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value:
            return urlsplit(value).netloc == request.host
    return False


@bp.get("/wiki/voorstellen")
def proposals_page():
    root = _settings().catalogue.root
    items = [p for p in review.load_proposals(root) if p.status == "proposed"]
    facts = current_facts()
    labels, lang = snapshot().labels, reader_lang()
    shown = [{"p": p, "subject_label": labels.label(p.subject, lang) if p.kind == "link"
              else (facts.pages[p.subject].title if p.subject in facts.pages else p.subject),
              "page_title": facts.pages[p.page].title if p.page in facts.pages else p.page} for p in items]
    return render_template("wiki_proposals.html", items=shown,
                           review=_settings().wiki_review_in_browser, done=request.args.get("done"),
                           local_url=local_url)


@bp.post("/wiki/voorstellen/<pid>")
def decide(pid: str):
    settings = _settings()
    if not settings.wiki_review_in_browser:
        return Response(t("wiki.review_off"), status=403, mimetype="text/plain")
    if not _same_origin():
        return Response("cross-site form posts are refused", status=403, mimetype="text/plain")
    decision = request.form.get("decision", "")
    status = {"accept": "accepted", "reject": "rejected"}.get(decision)
    if status is None:
        raise InputError("field decision: accept or reject")
    review.decide(settings.catalogue.root, pid, status, current_facts())
    return redirect(f"/wiki/voorstellen?done={pid}", code=303)
