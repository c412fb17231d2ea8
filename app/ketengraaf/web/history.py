"""The history of writes in the browser: ``/wijzigingen`` (the list), ``/wijzigingen/<id>`` (one change, HTML or
its PROV-O), and feeds for partners who follow the catalogue (``/wijzigingen.json``, JSON Feed 1.1, and
``/wijzigingen.atom``, Atom).

Every accepted write is a ``prov:Activity`` in :data:`~ketengraaf.loading.HISTORY_GRAPH` (``docs/writes.md``);
this module reads that graph once per generation into a :class:`History` (``snap.extra``), which the resource
pages (the changes that touched a resource) and the home page (recently changed) read too.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, url_for

from ..errors import InputError, NotFound
from ..loading import HISTORY_GRAPH
from ..messages import text
from .http import HTML, conditional, page_format, page_or_data, safe_ui_lang
from .i18n import reader_lang
from .snapshot import Snapshot, snapshot
from .urls import change_id, local_url, public_base

bp = Blueprint("history", __name__)

PAGE_SIZE = 50
FEED_SIZE = 50
RESOURCE_SHOWN = 20
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ATOM = "http://www.w3.org/2005/Atom"


@dataclass
class Statement:
    subject: ox.NamedNode | ox.BlankNode
    predicate: ox.NamedNode
    object: ox.NamedNode | ox.BlankNode | ox.Literal
    graph: str


@dataclass
class Change:
    iri: str
    id: str
    started: str = ""
    ended: str = ""
    who: str = ""
    description: str = ""
    graphs: list[str] = field(default_factory=list)
    added: list[Statement] = field(default_factory=list)
    removed: list[Statement] = field(default_factory=list)
    quads: list = field(default_factory=list)        # its PROV-O: the activity, its agent, its statements

    @property
    def when(self) -> str:
        return self.ended or self.started


@dataclass
class History:
    changes: list[Change]                      # newest first
    by_id: dict[str, Change]
    touched: dict[str, list[Change]]           # resource IRI -> changes with it as subject or object, newest first
    changed_subjects: dict[str, str]           # resource IRI -> date of the newest write that changed it


def build(snap: Snapshot) -> History:
    """The history graph as :class:`Change` objects (once per generation)."""
    by_subject: dict = {}
    for q in snap.store.quads(None, None, None, HISTORY_GRAPH):
        by_subject.setdefault(q.subject, []).append(q)
    changes: dict[str, Change] = {}
    for s, quads in by_subject.items():
        if not isinstance(s, ox.NamedNode):
            continue
        if not any(q.predicate.value == RDF + "type" and q.object.value == PROV + "Activity" for q in quads):
            continue
        cid = change_id(s.value)
        if cid is None:
            continue
        c = Change(iri=s.value, id=cid, quads=list(quads))
        for q in quads:
            p, o = q.predicate.value, q.object
            if p == PROV + "startedAtTime":
                c.started = o.value
            elif p == PROV + "endedAtTime":
                c.ended = o.value
            elif p == RDFS_LABEL:
                c.description = o.value
            elif p == PROV + "used":
                c.graphs.append(o.value)
            elif p == PROV + "wasAssociatedWith":
                agent = by_subject.get(o, [])
                c.quads += agent
                c.who = next((a.object.value for a in agent if a.predicate.value == RDFS_LABEL), o.value)
            elif p in (PROV + "generated", PROV + "invalidated"):
                parts = by_subject.get(o, [])
                c.quads += parts
                values = {a.predicate.value: a.object for a in parts}
                try:
                    st = Statement(values[RDF + "subject"], values[RDF + "predicate"], values[RDF + "object"],
                                   values[PROV + "atLocation"].value)
                except KeyError:
                    continue
                (c.added if p == PROV + "generated" else c.removed).append(st)
        c.graphs.sort()
        for sts in (c.added, c.removed):
            sts.sort(key=lambda st: (st.graph, str(st.subject), str(st.predicate), str(st.object)))
        changes[cid] = c
    ordered = sorted(changes.values(), key=lambda c: (c.when, c.id), reverse=True)
    touched: dict[str, list[Change]] = {}
    subjects: dict[str, str] = {}
    for c in ordered:
        for st in c.added + c.removed:
            for term in (st.subject, st.object):
                if isinstance(term, ox.NamedNode):
                    seen = touched.setdefault(term.value, [])
                    if not seen or seen[-1] is not c:
                        seen.append(c)
            if isinstance(st.subject, ox.NamedNode):
                subjects.setdefault(st.subject.value, c.when)    # newest first: the first date is the latest
    return History(ordered, changes, touched, subjects)


def history(snap: Snapshot | None = None) -> History:
    return (snap or snapshot()).extra("history", build)


def changes_for(snap: Snapshot, iri: str) -> list[Change]:
    """The changes that touched ``iri`` (as subject or object of a statement), newest first."""
    return history(snap).touched.get(iri, [])


def change_url(c: Change, **kw) -> str:
    return url_for("history.change_page", cid=c.id, **kw)


def _term(snap: Snapshot, term, lang: str) -> dict:
    """A statement's term for the page: label and link for an IRI, the value for a literal."""
    if isinstance(term, ox.NamedNode):
        return {"kind": "iri", "iri": term.value, "text": snap.labels.label(term.value, lang),
                "href": local_url(term.value, known=snap.subjects)}
    if isinstance(term, ox.BlankNode):
        return {"kind": "bnode", "text": "_:" + term.value}
    lit_lang = term.language
    dt = term.datatype.value if term.datatype is not None else ""
    short = dt.rsplit("#", 1)[-1] if dt and not lit_lang and not dt.endswith("#string") else ""
    return {"kind": "literal", "text": term.value, "lang": lit_lang, "datatype": short}


def _rows(snap: Snapshot, sts: list[Statement], lang: str) -> list[dict]:
    return [{"s": _term(snap, st.subject, lang), "p": _term(snap, st.predicate, lang),
             "o": _term(snap, st.object, lang), "graph": st.graph} for st in sts]


def summary(c: Change) -> dict:
    return {"id": c.id, "iri": c.iri, "when": c.when, "date": c.when[:10], "time": c.when[11:19], "who": c.who,
            "description": c.description, "graphs": c.graphs, "added": len(c.added), "removed": len(c.removed),
            "href": change_url(c)}


# -- pages ----------------------------------------------------------------------------------------------
@bp.get("/wijzigingen")
def changes_page():
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        raise InputError("parameter page: not a number") from None
    snap = snapshot()
    h = history(snap)
    pages = max(1, (len(h.changes) + PAGE_SIZE - 1) // PAGE_SIZE)
    if not 1 <= page <= pages:
        raise NotFound(f"page {page} of the changes does not exist (1–{pages})")

    def make():
        shown = [summary(c) for c in h.changes[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]]
        link = lambda n: url_for("history.changes_page", page=n)  # noqa: E731
        return Response(render_template(
            "changes.html", changes=shown, count=len(h.changes), page=page, pages=pages,
            prev=link(page - 1) if page > 1 else None, next=link(page + 1) if page < pages else None),
            mimetype="text/html")
    return conditional(HTML, make)


@bp.get("/wijzigingen/<cid>")
def change_page(cid: str):
    snap = snapshot()
    c = history(snap).by_id.get(cid)
    if c is None:
        raise NotFound(f"no change {cid} in the history of this catalogue")
    rep = page_format()

    def page() -> str:
        lang = reader_lang()
        return render_template("change.html", change=summary(c), added=_rows(snap, c.added, lang),
                               removed=_rows(snap, c.removed, lang))
    return page_or_data(c.iri, rep, page, lambda: list(c.quads))


# -- feeds ----------------------------------------------------------------------------------------------
def _feed_items(snap: Snapshot) -> list[Change]:
    return history(snap).changes[:FEED_SIZE]


def _content(c: Change, lang: str) -> str:
    return text("history.feed_content", lang, added=len(c.added), removed=len(c.removed), who=c.who,
                graphs=", ".join(c.graphs) or "—")


@bp.get("/wijzigingen.json")
def json_feed():
    snap = snapshot()

    def make():
        lang = safe_ui_lang()
        items = [{"id": c.iri, "url": change_url(c, _external=True), "title": c.description,
                  "content_text": _content(c, lang), "date_published": c.when, "authors": [{"name": c.who}],
                  "tags": c.graphs} for c in _feed_items(snap)]
        feed = {"version": "https://jsonfeed.org/version/1.1", "title": text("history.feed_title", lang),
                "home_page_url": url_for("history.changes_page", _external=True),
                "feed_url": url_for("history.json_feed", _external=True), "language": lang, "items": items}
        return Response(json.dumps(feed, ensure_ascii=False, indent=1), mimetype="application/feed+json")
    return conditional("jsonfeed", make, key=_feed_key("jsonfeed"), vary=("Accept-Language", "Cookie"))


@bp.get("/wijzigingen.atom")
def atom_feed():
    snap = snapshot()

    def make():
        lang = safe_ui_lang()
        ET.register_namespace("", ATOM)
        a = lambda name: f"{{{ATOM}}}{name}"  # noqa: E731
        feed = ET.Element(a("feed"), {"{http://www.w3.org/XML/1998/namespace}lang": lang})
        ET.SubElement(feed, a("id")).text = public_base() + "wijzigingen"
        ET.SubElement(feed, a("title")).text = text("history.feed_title", lang)
        items = _feed_items(snap)
        updated = items[0].when if items else snap.gen.created.strftime("%Y-%m-%dT%H:%M:%SZ")
        ET.SubElement(feed, a("updated")).text = updated
        ET.SubElement(ET.SubElement(feed, a("author")), a("name")).text = "ketengraaf"
        ET.SubElement(feed, a("link"), {"rel": "self", "type": "application/atom+xml",
                                        "href": url_for("history.atom_feed", _external=True)})
        ET.SubElement(feed, a("link"), {"rel": "alternate", "type": "text/html",
                                        "href": url_for("history.changes_page", _external=True)})
        for c in items:
            entry = ET.SubElement(feed, a("entry"))
            ET.SubElement(entry, a("id")).text = c.iri
            ET.SubElement(entry, a("title")).text = c.description
            ET.SubElement(entry, a("updated")).text = c.when
            ET.SubElement(entry, a("published")).text = c.started or c.when
            ET.SubElement(ET.SubElement(entry, a("author")), a("name")).text = c.who
            ET.SubElement(entry, a("link"), {"rel": "alternate", "type": "text/html",
                                             "href": change_url(c, _external=True)})
            ET.SubElement(entry, a("summary")).text = _content(c, lang)
        body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
        return Response(body, mimetype="application/atom+xml")
    return conditional("atom", make, key=_feed_key("atom"), vary=("Accept-Language", "Cookie"))


def _feed_key(name: str) -> str:
    return "\0".join((request.full_path, name, safe_ui_lang()))
