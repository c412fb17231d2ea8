"""Ontology documentation: ``/def`` lists every class and property of the ``keten:`` namespace
with definitions in both languages, the class hierarchy, domains and ranges, and per class what
the shapes in the store demand ("what a valid X needs", in the reader's language)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, render_template

from ..labels import pick
from ..namespaces import OWL, RDF, RDFS, SH
from ..sparql import jsonld
from .describe import _blank_closure
from .http import conditional, cors, jsonld_context, page_format, page_or_data
from .i18n import reader_lang, t
from .snapshot import Snapshot, snapshot
from .urls import def_term, iri_for_term, local_url

bp = Blueprint("ontology", __name__)

CLASS_TYPES = {str(OWL.Class), str(RDFS.Class)}
PROPERTY_TYPES = {str(OWL.ObjectProperty), str(OWL.DatatypeProperty), str(OWL.AnnotationProperty),
                  str(RDF.Property)}


def _n(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


@dataclass
class Ontology:
    iri: str
    classes: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    supers: dict[str, list[str]] = field(default_factory=dict)
    subs: dict[str, list[str]] = field(default_factory=dict)
    domains: dict[str, list] = field(default_factory=dict)
    ranges: dict[str, list] = field(default_factory=dict)
    shapes: dict[str, list[str]] = field(default_factory=dict)      # class -> shapes targeting it


def build_ontology(snap: Snapshot) -> Ontology:
    store = snap.store
    onto = Ontology(iri=iri_for_term(""))
    for iri, types in snap.types.items():
        if not def_term(iri):
            continue
        if CLASS_TYPES.intersection(types):
            onto.classes.append(iri)
        elif PROPERTY_TYPES.intersection(types):
            onto.properties.append(iri)
    for q in store.quads(None, _n(RDFS.subClassOf), None, None):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            s, o = q.subject.value, q.object.value
            if o not in onto.supers.setdefault(s, []):
                onto.supers[s].append(o)
            if s not in onto.subs.setdefault(o, []):
                onto.subs[o].append(s)
    for prop, into in ((RDFS.domain, onto.domains), (RDFS.range, onto.ranges)):
        for q in store.quads(None, _n(prop), None, None):
            if isinstance(q.subject, ox.NamedNode):
                into.setdefault(q.subject.value, []).extend(_members(store, q.object))
    for q in store.quads(None, _n(SH.targetClass), None, None):
        if isinstance(q.object, ox.NamedNode):
            shapes = onto.shapes.setdefault(q.object.value, [])
            shape = q.subject.value if isinstance(q.subject, ox.NamedNode) else q.subject
            if shape not in shapes:
                shapes.append(shape)
    lang_sort = lambda iri: snap.labels.label(iri, "nl").casefold()  # noqa: E731
    onto.classes.sort(key=lang_sort)
    onto.properties.sort(key=lang_sort)
    return onto


def _members(store, term) -> list[str]:
    """A class IRI, or the members of an ``owl:unionOf`` list."""
    if isinstance(term, ox.NamedNode):
        return [term.value]
    union = next(iter(store.quads(term, _n(OWL.unionOf), None, None)), None)
    out, node = [], union.object if union else None
    while isinstance(node, ox.BlankNode):
        first = next(iter(store.quads(node, _n(RDF.first), None, None)), None)
        if first and isinstance(first.object, ox.NamedNode):
            out.append(first.object.value)
        rest = next(iter(store.quads(node, _n(RDF.rest), None, None)), None)
        node = rest.object if rest else None
    return out


def ontology(snap: Snapshot | None = None) -> Ontology:
    return (snap or snapshot()).extra("ontology", build_ontology)


def _texts(store, node, prop) -> dict[str, str]:
    out: dict[str, str] = {}
    for q in store.quads(node, _n(prop), None, None):
        if isinstance(q.object, ox.Literal):
            out.setdefault((q.object.language or "").lower(), q.object.value)
    return out


def _one(store, node, prop):
    q = next(iter(store.quads(node, _n(prop), None, None)), None)
    return q.object if q else None


def shape_rules(snap: Snapshot, cls: str, lang: str) -> list[dict]:
    """What the shapes targeting ``cls`` demand, in the reader's language."""
    store, labels = snap.store, snap.labels
    rules: list[dict[str, Any]] = []
    for shape in ontology(snap).shapes.get(cls, []):
        node = _n(shape) if isinstance(shape, str) else shape
        name = pick(_texts(store, node, SH.name), lang)
        desc = pick(_texts(store, node, SH.description), lang)
        sev = _one(store, node, SH.severity)
        path = _one(store, node, SH.path)
        parts = []
        for prop, key in ((SH.minCount, "rule.min"), (SH.maxCount, "rule.max")):
            v = _one(store, node, prop)
            if v is not None:
                parts.append(t(key, n=v.value))
        if len(parts) == 2 and parts[0].split()[-1] == parts[1].split()[-1]:
            parts = [t("rule.exactly", n=parts[0].split()[-1])]
        for prop, key, arg in ((SH["class"], "rule.of_class", "c"), (SH.datatype, "rule.of_datatype", "d")):
            v = _one(store, node, prop)
            if isinstance(v, ox.NamedNode):
                parts.append(t(key, **{arg: labels.label(v.value, lang)}))
        rules.append({
            "iri": shape if isinstance(shape, str) else None,
            "href": local_url(shape) if isinstance(shape, str) else None,
            "name": name[0] if name else (labels.label(shape, lang) if isinstance(shape, str) else "?"),
            "description": desc[0] if desc else None,
            "severity": sev.value.rsplit("#", 1)[-1] if isinstance(sev, ox.NamedNode) else "Violation",
            "path": labels.label(path.value, lang) if isinstance(path, ox.NamedNode) else None,
            "path_href": local_url(path.value) if isinstance(path, ox.NamedNode) else None,
            "constraint": ", ".join(parts),
        })
    rules.sort(key=lambda r: ({"Violation": 0, "Warning": 1}.get(r["severity"], 2), r["name"].casefold()))
    return rules


def _entry(snap: Snapshot, iri: str, lang: str, onto: Ontology) -> dict:
    labels = snap.labels
    item = lambda i: {"iri": i, "label": labels.label(i, lang), "href": local_url(i)}  # noqa: E731
    return {
        "iri": iri, "term": def_term(iri), "label": labels.label(iri, lang), "href": local_url(iri),
        "labels": {lg: labels.labels.get(iri, {}).get(lg) for lg in ("nl", "en")},
        "definitions": {lg: labels.definitions.get(iri, {}).get(lg) for lg in ("nl", "en")},
        "supers": [item(i) for i in onto.supers.get(iri, [])],
        "subs": [item(i) for i in sorted(onto.subs.get(iri, []), key=lambda i: labels.label(i, lang))],
        "domains": [item(i) for i in onto.domains.get(iri, [])],
        "ranges": [item(i) for i in onto.ranges.get(iri, [])],
    }


def term_extras(snap: Snapshot, iri: str, lang: str) -> dict | None:
    """Ontology facts shown on a term's own page (None for anything else)."""
    if not def_term(iri):
        return None
    onto = ontology(snap)
    entry = _entry(snap, iri, lang, onto)
    entry["is_class"] = iri in onto.classes or iri in onto.subs
    entry["rules"] = shape_rules(snap, iri, lang) if entry["is_class"] else []
    entry["instances"] = dict(snap.class_counts).get(iri, 0)
    return entry


def _tree(onto: Ontology, snap: Snapshot, lang: str) -> list[dict]:
    mine = set(onto.classes)

    def node(c: str, seen: frozenset) -> dict:
        kids = [k for k in onto.subs.get(c, []) if k in mine and k not in seen]
        kids.sort(key=lambda k: snap.labels.label(k, lang).casefold())
        return {"label": snap.labels.label(c, lang), "href": "#" + (def_term(c) or ""),
                "children": [node(k, seen | {k}) for k in kids]}
    roots = [c for c in onto.classes if not mine.intersection(onto.supers.get(c, []))]
    return [node(r, frozenset({r})) for r in roots]


def ontology_quads(snap: Snapshot) -> list:
    own = [q for s in sorted(snap.subjects) if def_term(s) is not None
           for q in snap.store.source_quads(_n(s), None, None)]
    return own + _blank_closure(snap.store, own)


@bp.get("/def")
def ontology_page():
    snap = snapshot()
    iri = iri_for_term("")

    def page() -> str:
        lang = reader_lang()
        onto = ontology(snap)
        classes = []
        for c in onto.classes:
            e = _entry(snap, c, lang, onto)
            e["rules"] = shape_rules(snap, c, lang)
            e["instances"] = dict(snap.class_counts).get(c, 0)
            classes.append(e)
        props = [_entry(snap, p, lang, onto) for p in onto.properties]
        title = pick(snap.labels.labels.get(iri), lang)
        desc = snap.labels.definition(iri, lang)
        return render_template("ontology.html", iri=iri, title=title[0] if title else t("ontology.title"),
                               description=desc[0] if desc else None, classes=classes, properties=props,
                               tree=_tree(onto, snap, lang))
    return page_or_data(iri, page_format(), page, lambda: ontology_quads(snap), content_location=False)


@bp.get("/def/context.jsonld")
def context():
    """The published JSON-LD context: the standard prefixes and the ontology's terms (see sparql/jsonld.py);
    compact JSON-LD answers carry the part they use inline, with the same mappings."""
    snap = snapshot()
    iri = iri_for_term("")
    version = _one(snap.store, _n(iri), OWL.versionInfo)
    body = jsonld.context_document(jsonld_context(), version.value if version is not None else None, iri)
    return conditional("context", lambda: cors(Response(body, mimetype="application/ld+json")), vary=())
