"""The description of one resource: its quads for RDF answers, and the view a page shows.

Description = the resource's own triples, the triples of blank nodes it reaches
(nested, so ``_:b0`` never appears on a page), inbound triples, and the labels
of every IRI it links to. Everything comes from ``quads()`` lookups.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

import pyoxigraph as ox

from ..labels import ALT_PROPERTIES, LABEL_PROPERTIES
from ..loading import INFERENCE_GRAPH
from ..namespaces import DCTERMS, FOAF, KETEN, OWL, PROV, RDF, RDFS, SKOS, VANN, XSD, qname
from .snapshot import Snapshot
from .urls import is_web_iri, local_url

INBOUND_LIMIT = 10_000          # inbound triples in an RDF answer (the page pages through all)
BNODE_DEPTH = 6

_P = lambda ns, *names: [str(ns[n]) for n in names]  # noqa: E731
IDENTITY = [str(RDF.type)] + list(LABEL_PROPERTIES) + list(ALT_PROPERTIES) + \
    _P(SKOS, "notation", "inScheme", "topConceptOf", "hasTopConcept") + _P(DCTERMS, "identifier") + \
    _P(KETEN, "objectId") + _P(VANN, "preferredNamespacePrefix", "preferredNamespaceUri")
DESCRIPTION = _P(SKOS, "definition") + _P(RDFS, "comment") + _P(DCTERMS, "description") + \
    _P(SKOS, "scopeNote", "note", "example", "editorialNote") + \
    _P(KETEN, "toelichting", "ontwikkelrichting", "redenHorizontaal")
LINKS = _P(KETEN, "wikiPagina") + _P(FOAF, "isPrimaryTopicOf", "page") + _P(RDFS, "seeAlso", "isDefinedBy") + \
    _P(OWL, "sameAs") + _P(SKOS, "exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
PROVENANCE = _P(KETEN, "paginastatus", "laatstBewerkt", "wiki") + \
    _P(DCTERMS, "created", "modified", "issued", "source", "creator", "publisher", "license") + \
    _P(PROV, "wasDerivedFrom", "wasGeneratedBy", "generatedAtTime") + _P(OWL, "versionInfo", "versionIRI")
RELATIONS_FIRST = _P(RDFS, "subClassOf", "subPropertyOf", "domain", "range") + \
    _P(SKOS, "broader", "narrower", "related") + \
    _P(KETEN, "heeftDoel", "hoofdproces", "heeftProces", "heeftDeelproces", "partner", "keten", "rol",
       "begindatum", "einddatum", "stuurt", "verantwoordelijke", "uitvoerder", "namens", "afhankelijkVan")
GROUPS = (("group_identity", IDENTITY), ("group_description", DESCRIPTION), ("group_relations", None),
          ("group_links", LINKS), ("group_provenance", PROVENANCE))
_GROUP_OF = {p: name for name, props in GROUPS if props for p in props}
_ORDER = {p: i for i, p in enumerate(IDENTITY + DESCRIPTION + RELATIONS_FIRST + LINKS + PROVENANCE)}
HIDDEN_DATATYPES = {str(XSD.string), str(RDF.langString)}
WIKI_PAGE = str(KETEN.wikiPagina)
OUTDATED = "mogelijk-verouderd"
ILLUSTRATION = str(KETEN.Illustratie)
# a resource belongs to the chain that links to it this way (or that it links to, for participations)
_CHAIN_LINKS = [ox.NamedNode(str(KETEN[n])) for n in ("heeftProces", "hoofdproces", "heeftDoel")]
_SUB_PROCESS = ox.NamedNode(str(KETEN.heeftDeelproces))
_OF_CHAIN = ox.NamedNode(str(KETEN.keten))


# -- quads (RDF answers) -------------------------------------------------------
def _blank_closure(store, quads: list) -> list:
    seen: set = set()
    stack = [q.object for q in quads if isinstance(q.object, ox.BlankNode)]
    out: list = []
    while stack:
        b = stack.pop()
        if b in seen:
            continue
        seen.add(b)
        for q in store.source_quads(b, None, None):
            out.append(q)
            if isinstance(q.object, ox.BlankNode):
                stack.append(q.object)
    return out


def description_quads(store, iri: str, *, inbound_limit: int = INBOUND_LIMIT) -> list:
    node = ox.NamedNode(iri)
    own = list(store.source_quads(node, None, None))     # with their source graphs (TriG, N-Quads)
    own += _blank_closure(store, own)
    inbound = list(islice(store.source_quads(None, None, node), inbound_limit))
    # the claims about this resource (reified statements with their source and quotation)
    own += [q for c in _claim_nodes(store, node) for q in store.source_quads(c, None, None)]
    linked = {q.object for q in own if isinstance(q.object, ox.NamedNode)} | \
             {q.subject for q in inbound if isinstance(q.subject, ox.NamedNode)}
    linked.discard(node)
    labels: list = []
    for term in linked:
        for prop in LABEL_PROPERTIES[:2]:
            labels.extend(store.source_quads(term, ox.NamedNode(prop), None))
    return own + inbound + labels


def _claim_nodes(store, node) -> list:
    """The rdf:Statement nodes whose rdf:subject is ``node`` (claims: which source says what)."""
    return list(dict.fromkeys(q.subject for q in store.quads(None, ox.NamedNode(str(RDF.subject)), node, None)
                              if not isinstance(q.subject, ox.Literal)))


# -- the view ---------------------------------------------------------------------
@dataclass
class Value:
    kind: str                       # iri | literal | bnode
    text: str
    href: str | None = None
    lang: str | None = None
    datatype: str | None = None
    iri: str | None = None
    rows: list[Row] = field(default_factory=list)   # a blank node's own properties
    inferred: bool = False          # only in the inference graph (RDFS), stated by no source


@dataclass
class Row:
    prop: str
    label: str
    href: str
    values: list[Value]


class Viewer:
    """Builds page values from terms, with labels in the reader's language."""

    def __init__(self, snap: Snapshot, lang: str):
        self.snap, self.lang, self.store = snap, lang, snap.store

    def label(self, iri: str) -> str:
        return self.snap.labels.label(iri, self.lang)

    def value(self, term, depth: int = 0, seen: frozenset = frozenset()) -> Value:
        if isinstance(term, ox.NamedNode):
            return Value("iri", self.label(term.value), href=local_url(term.value), iri=term.value)
        if isinstance(term, ox.Literal):
            dt = term.datatype.value
            shown = None if dt in HIDDEN_DATATYPES else (qname(dt) or dt)
            return Value("literal", term.value, lang=term.language or None, datatype=shown)
        if isinstance(term, ox.BlankNode) and depth < BNODE_DEPTH and term not in seen:
            rows = self.rows(list(self.store.quads(term, None, None, None)), depth + 1, seen | {term})
            return Value("bnode", "", rows=rows)
        return Value("literal", "…")

    def rows(self, quads: list, depth: int = 0, seen: frozenset = frozenset()) -> list[Row]:
        by_prop: dict[str, list] = {}
        for q in quads:
            vals = by_prop.setdefault(q.predicate.value, [])
            if q.object not in vals:
                vals.append(q.object)
        rows = []
        for prop, objs in by_prop.items():
            values = [self.value(o, depth, seen) for o in objs]
            values.sort(key=self._value_key)
            rows.append(Row(prop, self.label(prop), local_url(prop), values))
        rows.sort(key=lambda r: (_ORDER.get(r.prop, len(_ORDER)), r.label.casefold()))
        return rows

    def _value_key(self, v: Value):
        if v.kind == "literal":
            langs = [self.lang, "nl", "en"]
            return (0, langs.index(v.lang) if v.lang in langs else 3, v.lang or "", v.text)
        return (1 if v.kind == "iri" else 2, 0, "", v.text.casefold())

    def stated(self, iri: str) -> set[tuple[str, object]]:
        """(property, value) pairs some source states about ``iri`` (what is not here was inferred)."""
        return {(q.predicate.value, q.object) for q in self.store.source_quads(ox.NamedNode(iri), None, None)
                if q.graph_name.value != INFERENCE_GRAPH}

    def grouped(self, iri: str) -> list[tuple[str, list[Row]]]:
        quads = [q for q in self.store.quads(ox.NamedNode(iri), None, None, None)
                 if q.predicate.value != str(RDF.type)]
        stated = self.stated(iri)
        groups: dict[str, list[Row]] = {name: [] for name, _ in GROUPS}
        for row in self.rows(quads):
            for v in row.values:
                v.inferred = v.kind == "iri" and (row.prop, ox.NamedNode(v.iri or "")) not in stated
            groups[_GROUP_OF.get(row.prop, "group_relations")].append(row)
        return [(name, rows) for name, rows in groups.items() if rows]

    def wiki_pages(self, iri: str) -> list[dict]:
        pages: list[dict] = []
        for q in self.store.quads(ox.NamedNode(iri), ox.NamedNode(WIKI_PAGE), None, None):
            if not isinstance(q.object, ox.NamedNode) or not is_web_iri(q.object.value):
                continue            # the page links to it as it is: http(s) only
            page = q.object.value
            info = {"url": page, "title": self.label(page), "status": None, "status_label": None,
                    "edited": None, "wiki": None, "outdated": False, "href": local_url(page)}
            for p in self.store.quads(q.object, None, None, None):
                name = p.predicate.value
                if name == str(KETEN.paginastatus):
                    info["status"] = p.object.value
                    info["status_label"] = self.label(p.object.value)
                    info["outdated"] = p.object.value.rstrip("/").endswith(OUTDATED)
                elif name == str(KETEN.laatstBewerkt):
                    info["edited"] = p.object.value
                elif name == str(KETEN.wiki):
                    info["wiki"] = self.label(p.object.value)
            if page not in [x["url"] for x in pages]:
                pages.append(info)
        return pages

    def claims(self, iri: str) -> list[dict]:
        """Which source says what about ``iri``: per claim (rdf:Statement) the property, the value, the
        sources (dcterms:source), the quoted sentences (keten:citaat) and how they are read (keten:toelichting)."""
        out = []
        for c in _claim_nodes(self.store, ox.NamedNode(iri)):
            def many(p, c=c) -> list:
                return [q.object for q in self.store.quads(c, ox.NamedNode(str(p)), None, None)]

            def one(p, c=c):
                return next(iter(many(p, c)), None)
            prop, obj = one(RDF.predicate), one(RDF.object)
            if prop is None or obj is None:
                continue
            notes = many(KETEN.toelichting)
            note = next((n.value for lg in (self.lang, "nl", "en") for n in notes if n.language == lg), None)
            out.append({"prop": prop.value, "label": self.label(prop.value), "href": local_url(prop.value),
                        "value": self.value(obj), "sources": [self.value(x) for x in many(DCTERMS.source)],
                        "quotes": [self.value(x) for x in many(KETEN.citaat)], "note": note})
        out.sort(key=lambda c: (_ORDER.get(c["prop"], len(_ORDER)), c["label"].casefold(), c["value"].text))
        return out

    def illustration(self, iri: str) -> str | None:
        """The illustrative chain (keten:Illustratie) this resource is, or belongs to; None if it is none."""
        def chain_of(node, depth=0):
            if ILLUSTRATION in self.snap.types.get(node.value, []):
                return node.value
            if depth > 3:
                return None
            ups = [q.object for q in self.store.quads(node, _OF_CHAIN, None, None)]
            ups += [q.subject for p in (*_CHAIN_LINKS, _SUB_PROCESS) for q in self.store.quads(None, p, node, None)]
            for up in ups:
                if isinstance(up, ox.NamedNode) and (found := chain_of(up, depth + 1)):
                    return found
            return None
        return chain_of(ox.NamedNode(iri))

    def definition(self, iri: str) -> tuple[str, str] | None:
        return self.snap.labels.definition(iri, self.lang)

    def types(self, iri: str) -> list[Value]:
        stated = {o for p, o in self.stated(iri) if p == str(RDF.type)}
        return [Value("iri", self.label(t), href=local_url(t), iri=t, inferred=ox.NamedNode(t) not in stated)
                for t in self.snap.types.get(iri, [])]

    def title(self, iri: str) -> tuple[str, str | None]:
        return self.snap.labels.label_lang(iri, self.lang)

    def all_titles(self, iri: str) -> dict[str, str]:
        return dict(self.snap.labels.labels.get(iri, {}))


# -- inbound links -------------------------------------------------------------------
def inbound(snap: Snapshot, iri: str) -> dict[str, list[str]]:
    """{property: [subject IRIs]} pointing at ``iri``; a blank subject is replaced by its owner."""
    store = snap.store
    out: dict[str, list[str]] = {}
    for q in store.quads(None, None, ox.NamedNode(iri), None):
        subj = q.subject
        if isinstance(subj, ox.BlankNode):
            owner = next((o.subject for o in store.quads(None, None, subj, None)
                          if isinstance(o.subject, ox.NamedNode)), None)
            if owner is None:
                continue
            subj = owner
        if isinstance(subj, ox.NamedNode):
            lst = out.setdefault(q.predicate.value, [])
            lst.append(subj.value)
    return {p: list(dict.fromkeys(s)) for p, s in out.items()}


def exists(snap: Snapshot, iri: str) -> bool:
    if iri in snap.subjects:
        return True
    return next(iter(snap.store.quads(None, None, ox.NamedNode(iri), None)), None) is not None
