"""Compact JSON-LD: the published context and compaction of a set of triples against it.

The context (served at ``/def/context.jsonld``) is generated from the ontology: every prefix of
:data:`ketengraaf.namespaces.PREFIXES` (``id`` and ``keten`` on the catalogue's public base) and
every ``keten:`` class and property as a term of its own local name (``"Keten": "keten:Keten"``),
except a name that is already a prefix (``keten:keten`` stays ``keten:keten``). No type coercion:
every value says what it is, so a value never depends on a term definition to be read right. The
context is stable: terms are only added, with the ontology (its ``owl:versionInfo`` goes with it).

Compaction is done here, not by a JSON-LD library: with prefixes and plain terms only, it is
string work that cannot change a triple. Keys are a term, else a compact IRI, else the IRI;
``@id`` values are compact IRIs (never bare terms: ``@id`` is not vocabulary-relative); literals
are strings (``xsd:string``), ``{"@value", "@language"}`` or ``{"@value", "@type"}``. Each answer
carries the part of the context it uses inline (same mappings as the published one), so any
JSON-LD processor reads it without fetching anything.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
OWL = "http://www.w3.org/2002/07/owl#"
TERM_TYPES = tuple(OWL + t for t in ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty"))
EXPANDED_PROFILE = "http://www.w3.org/ns/json-ld#expanded"


def build_context(store, prefixes: Mapping[str, str]) -> dict[str, str]:
    """The context's mappings: prefixes, then the ontology's ``keten:`` terms by local name."""
    ctx = dict(sorted(prefixes.items()))
    ns = prefixes["keten"]
    names: set[str] = set()
    for typ in TERM_TYPES:
        for q in store.quads(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(typ), None):
            iri = q.subject.value if isinstance(q.subject, ox.NamedNode) else ""
            local = iri[len(ns):]
            if iri.startswith(ns) and local and local.isidentifier() and local not in ctx:
                names.add(local)
    for name in sorted(names):
        ctx[name] = "keten:" + name
    return ctx


def context_document(ctx: Mapping[str, str], version: str | None, ontology: str) -> bytes:
    """The published context; ``owl:versionInfo`` beside ``@context`` is ignored by processors."""
    doc: dict = {"@context": dict(ctx), "rdfs:isDefinedBy": ontology}
    if version:
        doc["owl:versionInfo"] = version
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


class _Compactor:
    def __init__(self, ctx: Mapping[str, str]):
        self.ctx = ctx
        self.terms = {v: k for k, v in ctx.items() if ":" in v and v.split(":", 1)[0] in ctx}
        self.prefixes = sorted(((v, k) for k, v in ctx.items() if ":" in v and k not in self.terms.values()
                                and v.endswith(("/", "#"))), key=lambda p: -len(p[0]))
        self.used: set[str] = set()

    def curie(self, iri: str) -> str:
        for ns, prefix in self.prefixes:
            local = iri[len(ns):]
            if iri.startswith(ns) and not local.startswith("//") and ":" not in local[:1]:
                self.used.add(prefix)
                return f"{prefix}:{local}"
        return iri

    def vocab(self, iri: str) -> str:
        c = self.curie(iri)
        if c in self.terms:
            self.used.add(self.terms[c])
            return self.terms[c]
        return c

    def node_ref(self, term) -> str:
        return "_:" + term.value if isinstance(term, ox.BlankNode) else self.curie(term.value)

    def value(self, term):
        if isinstance(term, ox.Literal):
            dt = term.datatype.value
            if term.language:
                return {"@value": term.value, "@language": term.language}
            if dt == XSD_STRING:
                return term.value
            return {"@value": term.value, "@type": self.vocab(dt)}
        return {"@id": self.node_ref(term)}


def compact(triples: Iterable, ctx: Mapping[str, str]) -> bytes:
    """``triples`` (or quads: their graph is dropped) as compact JSON-LD with the context it uses inline."""
    c = _Compactor(ctx)
    nodes: dict = {}
    for t in triples:
        node = nodes.setdefault(t.subject, {})
        if t.predicate.value == RDF_TYPE and not isinstance(t.object, ox.Literal):
            key, val = "@type", c.node_ref(t.object) if isinstance(t.object, ox.BlankNode) else c.vocab(t.object.value)
        else:
            key, val = c.vocab(t.predicate.value), c.value(t.object)
        vals = node.setdefault(key, [])
        if val not in vals:
            vals.append(val)
    graph = []
    for subject in sorted(nodes, key=lambda s: (isinstance(s, ox.BlankNode), s.value)):
        entry = {"@id": c.node_ref(subject)}
        for key in sorted(nodes[subject], key=lambda k: (k != "@type", k)):
            vals = nodes[subject][key]
            entry[key] = vals[0] if len(vals) == 1 else vals
        graph.append(entry)
    used = {k: v for k, v in ctx.items() if k in c.used}
    for v in list(used.values()):                     # a term's compact IRI needs its prefix
        prefix = v.split(":", 1)[0]
        if prefix in ctx:
            used.setdefault(prefix, ctx[prefix])
    return json.dumps({"@context": dict(sorted(used.items())), "@graph": graph}, ensure_ascii=False,
                      indent=1).encode()


def wants_expanded(accept: str) -> bool:
    """``Accept`` asks for JSON-LD with the expanded profile (``application/ld+json;profile="…#expanded"``)."""
    for part in accept.split(","):
        mt, _, params = part.partition(";")
        if mt.strip().lower() in ("application/ld+json", "application/x-json+ld") and EXPANDED_PROFILE in params:
            return True
    return False
