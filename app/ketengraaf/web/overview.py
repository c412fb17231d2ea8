"""Overview pages: home, class instance lists, concept schemes and their trees."""
from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, url_for

from ..errors import InputError, NotFound
from ..namespaces import DCTERMS, KETEN, RDF, SKOS
from .history import history
from .http import HTML, conditional
from .i18n import reader_lang
from .snapshot import Snapshot, snapshot
from .urls import local_url

bp = Blueprint("overview", __name__)

PAGE_SIZE = 50
SORTS = ("label", "-label", "iri")
CHAIN = str(KETEN.Keten)
MODELS = [str(KETEN[n]) for n in ("Orkestratieketen", "Estafetteketen", "Doelketen", "HorizontaleSamenwerking")]
SCHEME = str(SKOS.ConceptScheme)
MODIFIED = str(DCTERMS.modified)
RDF_TYPE = str(RDF.type)
MODEL_KEYS = {str(KETEN.Orkestratieketen): "orkestratie", str(KETEN.Estafetteketen): "estafette",
              str(KETEN.Doelketen): "doel", CHAIN: "keten"}
ARCHIMATE = "https://w3id.org/ketengraaf/archimate#"
WIKI_CLASSES = {str(KETEN[n]) for n in ("WikiPagina", "Wiki", "Paginastatus")}


def class_group(cls: str) -> str:
    """Where the home page lists a class: ``domain`` (chains and their parts), ``gemma`` (GEMMA's
    ArchiMate model as imported: maps, views, relationships, GEMMA processes and roles) or ``other``
    (vocabularies, wiki bookkeeping, shapes, product and law lists)."""
    k = str(KETEN)
    if cls.startswith(ARCHIMATE) or cls.startswith(k + "Gemma"):
        return "gemma"
    if cls.startswith(k) and cls not in WIKI_CLASSES:
        return "domain"
    return "other"


def class_url(cls: str, **args) -> str:
    return url_for("overview.class_page", iri=cls, **args)


def _item(snap: Snapshot, iri: str, lang: str) -> dict:
    return {"iri": iri, "label": snap.labels.label(iri, lang), "href": local_url(iri)}


def recently_changed(snap: Snapshot, limit: int = 10) -> list[tuple[str, str]]:
    """(resource IRI, date) by newest change of the catalogue's own description of the resource: the
    ``dcterms:modified`` of the named graph (source file) that describes it, or the resource's own
    ``dcterms:modified``. A wiki page's ``keten:laatstBewerkt`` says when GEMMA or NORA changed, not when
    the catalogue did, so it never counts. Resources changed by writes over HTTP (the subjects of the
    statements they added or removed, still described) count with the write's date (its ``prov:endedAtTime``).
    Built once per generation."""
    written = history(snap).changed_subjects      # before snap.extra below: its lock is not re-entrant

    def build(s: Snapshot):
        latest: dict[str, str] = {}

        def bump(who: str, date: str) -> None:
            if date > latest.get(who, ""):
                latest[who] = date
        derived = {src.graph for src in s.gen.sources if src.derived}     # inference: laatstBewerkt is a
        for q in s.store.source_quads(None, ox.NamedNode(MODIFIED), None):  # sub-property of dcterms:modified
            if not (isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal)):
                continue
            if q.graph_name.value in derived:
                continue
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name == q.subject:
                # a file describing itself: its date is the change date of every typed resource in it
                for t in s.store.quads(None, ox.NamedNode(RDF_TYPE), None, q.graph_name):
                    if isinstance(t.subject, ox.NamedNode) and t.subject != q.subject:
                        bump(t.subject.value, q.object.value)
            else:
                bump(q.subject.value, q.object.value)
        for who, date in written.items():
            if who in s.subjects:
                bump(who, date)
        return sorted(latest.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
    return snap.extra("recently-changed", build)[:limit]


@bp.get("/")
def home():
    def make():
        snap = snapshot()
        lang = reader_lang()
        counts: dict[str, list[dict]] = {"domain": [], "gemma": [], "other": []}
        for c, n in snap.class_counts:
            counts[class_group(c)].append(dict(_item(snap, c, lang), href=class_url(c), count=n))
        models = []
        for m in MODELS + [CHAIN]:
            members = [i for i in snap.instances(m) if m != CHAIN or not set(MODELS) & set(snap.types[i])]
            if members:
                items = sorted((_item(snap, i, lang) for i in members), key=lambda x: x["label"].casefold())
                models.append({**_item(snap, m, lang), "members": items, "all": class_url(m),
                               "key": MODEL_KEYS.get(m)})
        recent = [dict(_item(snap, i, lang), date=d[:10]) for i, d in recently_changed(snap)]
        schemes = sorted((_item(snap, s, lang) for s in snap.instances(SCHEME)), key=lambda x: x["label"].casefold())
        return Response(render_template("home.html", counts=counts, models=models, recent=recent, schemes=schemes,
                                        gen=snap.gen), mimetype="text/html")
    return conditional(HTML, make)


@bp.get("/class")
def class_page():
    cls = request.args.get("iri", "")
    sort = request.args.get("sort", "label")
    if sort not in SORTS:
        raise InputError(f"parameter sort: {sort!r}; use one of {', '.join(SORTS)}")
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        raise InputError("parameter page: not a number") from None
    snap = snapshot()
    members = snap.instances(cls)
    if not cls or not members:
        raise NotFound(f"no instances of class {cls or '(parameter iri missing)'}")
    pages = (len(members) + PAGE_SIZE - 1) // PAGE_SIZE
    if not 1 <= page <= pages:
        raise NotFound(f"page {page} of class {cls} does not exist (1–{pages})")

    def make():
        lang = reader_lang()
        items = [_item(snap, i, lang) for i in members]
        if sort == "iri":
            items.sort(key=lambda x: x["iri"])
        else:
            items.sort(key=lambda x: (x["label"].casefold(), x["iri"]), reverse=sort == "-label")
        shown = items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        for it in shown:
            d = snap.labels.definition(it["iri"], lang)
            it["definition"] = d[0] if d else None
        link = lambda **kw: class_url(cls, **{"sort": sort, "page": page, **kw})  # noqa: E731
        return Response(render_template(
            "class.html", cls=_item(snap, cls, lang), items=shown, count=len(members), page=page, pages=pages,
            sort=sort, sorts=[(s, link(sort=s, page=1)) for s in SORTS],
            prev=link(page=page - 1) if page > 1 else None, next=link(page=page + 1) if page < pages else None),
            mimetype="text/html")
    return conditional(HTML, make)


@bp.get("/schemes")
def schemes():
    def make():
        snap = snapshot()
        lang = reader_lang()
        items = sorted((_item(snap, s, lang) for s in snap.instances(SCHEME)), key=lambda x: x["label"].casefold())
        for it in items:
            it["tree"] = scheme_tree(snap, it["iri"], lang)
        return Response(render_template("schemes.html", schemes=items), mimetype="text/html")
    return conditional(HTML, make)


def scheme_tree(snap: Snapshot, iri: str, lang: str) -> list[dict] | None:
    """The concept tree of a ``skos:ConceptScheme`` (None for anything else)."""
    if SCHEME not in snap.types.get(iri, []):
        return None
    store = snap.store
    n = lambda p: ox.NamedNode(str(SKOS[p]))  # noqa: E731
    scheme = ox.NamedNode(iri)
    members = {q.subject.value for q in store.quads(None, n("inScheme"), scheme, None)
               if isinstance(q.subject, ox.NamedNode)}
    tops = {q.object.value for q in store.quads(scheme, n("hasTopConcept"), None, None)
            if isinstance(q.object, ox.NamedNode)}
    tops |= {q.subject.value for q in store.quads(None, n("topConceptOf"), scheme, None)
             if isinstance(q.subject, ox.NamedNode)}
    members |= tops
    children: dict[str, set[str]] = {}
    has_parent: set[str] = set()
    for m in members:
        node = ox.NamedNode(m)
        for q in store.quads(node, n("broader"), None, None):
            if q.object.value in members:
                children.setdefault(q.object.value, set()).add(m)
                has_parent.add(m)
        for q in store.quads(node, n("narrower"), None, None):
            if q.object.value in members:
                children.setdefault(m, set()).add(q.object.value)
                has_parent.add(q.object.value)
    roots = (tops | (members - has_parent)) - (has_parent - tops)

    def build(c: str, seen: frozenset) -> dict:
        kids = sorted((k for k in children.get(c, ()) if k not in seen), key=lambda k: snap.labels.label(k, lang))
        return {**_item(snap, c, lang), "children": [build(k, seen | {k}) for k in kids]}
    return [build(r, frozenset({r})) for r in sorted(roots, key=lambda r: snap.labels.label(r, lang).casefold())]
