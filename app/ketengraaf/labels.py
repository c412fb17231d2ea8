"""IRI -> label, alternative labels and definition in the reader's language, with fallback.

The fallback order for a reader who asks for ``lang`` is: ``lang`` itself (and
its primary subtag, ``en`` for ``en-GB``), then ``nl``, then ``en``, then a
literal without a language, then any language (alphabetically, so the choice
is stable). Labels come from ``skos:prefLabel`` first, then ``rdfs:label``,
``dcterms:title``, ``foaf:name`` and ``sh:name``; an IRI without any label gets
its local name, so nothing is ever shown as a bare IRI when a better text
exists.

:class:`LabelIndex` reads every label of one store generation once (one pass
over ``quads()`` per label property) and answers from dictionaries; the web
layer keeps one per generation.
"""
from __future__ import annotations

import re
from urllib.parse import unquote

import pyoxigraph as ox

from .namespaces import qname

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCT = "http://purl.org/dc/terms/"

LABEL_PROPERTIES = (SKOS + "prefLabel", RDFS + "label", DCT + "title", "http://xmlns.com/foaf/0.1/name",
                    "http://www.w3.org/ns/shacl#name")
ALT_PROPERTIES = (SKOS + "altLabel", SKOS + "hiddenLabel")
DEFINITION_PROPERTIES = (SKOS + "definition", RDFS + "comment", DCT + "description")

FALLBACK = ("nl", "en")

# Labels of common vocabulary terms whose own ontologies are not loaded, so pages never show
# a bare qname for the properties every resource has. Labels in the store take precedence.
_V = {"skos": SKOS, "rdfs": RDFS, "dct": DCT, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
      "owl": "http://www.w3.org/2002/07/owl#", "foaf": "http://xmlns.com/foaf/0.1/",
      "prov": "http://www.w3.org/ns/prov#", "sh": "http://www.w3.org/ns/shacl#",
      "cpsv": "http://purl.org/vocab/cpsv#", "cv": "http://data.europa.eu/m8g/",
      "eli": "http://data.europa.eu/eli/ontology#"}
VOCABULARY_LABELS: dict[str, dict[str, str]] = {_V[p] + local: {"nl": nl, "en": en} for p, local, nl, en in (
    ("skos", "prefLabel", "naam", "preferred label"), ("skos", "altLabel", "andere naam", "alternative label"),
    ("skos", "hiddenLabel", "verborgen naam", "hidden label"), ("skos", "definition", "definitie", "definition"),
    ("skos", "scopeNote", "toelichting bij gebruik", "scope note"), ("skos", "note", "opmerking", "note"),
    ("skos", "editorialNote", "redactionele noot", "editorial note"), ("skos", "example", "voorbeeld", "example"),
    ("skos", "notation", "code", "notation"), ("skos", "inScheme", "in begrippenlijst", "in scheme"),
    ("skos", "topConceptOf", "topbegrip van", "top concept of"),
    ("skos", "hasTopConcept", "heeft topbegrip", "has top concept"), ("skos", "broader", "breder", "broader"),
    ("skos", "narrower", "smaller", "narrower"), ("skos", "related", "gerelateerd", "related"),
    ("skos", "exactMatch", "zelfde als", "exact match"), ("skos", "closeMatch", "lijkt op", "close match"),
    ("skos", "Concept", "begrip", "concept"), ("skos", "ConceptScheme", "begrippenlijst", "concept scheme"),
    ("rdfs", "label", "label", "label"), ("rdfs", "comment", "omschrijving", "comment"),
    ("rdfs", "seeAlso", "zie ook", "see also"), ("rdfs", "isDefinedBy", "gedefinieerd in", "defined by"),
    ("rdfs", "subClassOf", "subklasse van", "subclass of"),
    ("rdfs", "subPropertyOf", "deeleigenschap van", "subproperty of"),
    ("rdfs", "domain", "domein", "domain"), ("rdfs", "range", "bereik", "range"),
    ("rdf", "type", "type", "type"), ("owl", "sameAs", "dezelfde als", "same as"),
    ("owl", "Class", "klasse", "class"), ("owl", "ObjectProperty", "objecteigenschap", "object property"),
    ("owl", "DatatypeProperty", "waarde-eigenschap", "datatype property"),
    ("owl", "Ontology", "ontologie", "ontology"), ("owl", "versionInfo", "versie", "version"),
    ("dct", "title", "titel", "title"), ("dct", "description", "beschrijving", "description"),
    ("dct", "created", "aangemaakt", "created"), ("dct", "modified", "gewijzigd", "modified"),
    ("dct", "source", "bron", "source"), ("dct", "creator", "maker", "creator"),
    ("dct", "publisher", "uitgever", "publisher"), ("dct", "license", "licentie", "license"),
    ("dct", "identifier", "kenmerk", "identifier"), ("dct", "subject", "onderwerp", "subject"),
    ("dct", "hasPart", "heeft deel", "has part"), ("dct", "isPartOf", "deel van", "part of"),
    ("foaf", "page", "pagina", "page"), ("foaf", "isPrimaryTopicOf", "hoofdonderwerp van", "primary topic of"),
    ("prov", "qualifiedAttribution", "toegeschreven aan (met rol)", "qualified attribution"),
    ("prov", "agent", "actor", "agent"), ("prov", "wasDerivedFrom", "afgeleid van", "derived from"),
    ("sh", "name", "naam", "name"), ("sh", "description", "beschrijving", "description"),
    ("sh", "message", "melding", "message"), ("sh", "targetClass", "geldt voor klasse", "target class"),
    ("sh", "path", "eigenschap", "path"), ("sh", "severity", "ernst", "severity"),
    ("sh", "NodeShape", "knoopvorm", "node shape"), ("sh", "PropertyShape", "eigenschapsvorm", "property shape"),
    ("cpsv", "PublicService", "publieke dienst", "public service"),
    ("cv", "hasLegalResource", "wettelijke grondslag", "legal basis"),
    ("cv", "isClassifiedBy", "ingedeeld als", "classified by"),
    ("eli", "LegalResource", "regeling", "legal resource"),
    ("dct", "audience", "doelgroep", "audience"),
)}

_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def valid_lang(tag: str) -> bool:
    return bool(_LANG.match(tag or ""))


def fallback_order(lang: str | None) -> list[str]:
    """Languages to try, best first; ``""`` stands for a literal without language."""
    order: list[str] = []
    if lang:
        lang = lang.lower()
        order.append(lang)
        if "-" in lang:
            order.append(lang.split("-", 1)[0])
    for fb in FALLBACK:
        if fb not in order:
            order.append(fb)
    order.append("")
    return order


def pick(values: dict[str, str] | None, lang: str | None) -> tuple[str, str] | None:
    """(text, language) of the best value for ``lang`` from {language: text}, or None."""
    if not values:
        return None
    for cand in fallback_order(lang):
        if cand in values:
            return values[cand], cand
    first = sorted(values)[0]
    return values[first], first


def local_name(iri: str) -> str:
    """Readable fallback for an IRI without a label: its qname or last path segment."""
    q = qname(iri)
    if q:
        return q
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    return unquote(tail).replace("_", " ")


class LabelIndex:
    """Labels, alternative labels and definitions of one store generation.

    ``strings`` (optional) is the generation's table of shared strings (each IRI and language tag
    once, see :class:`ketengraaf.web.snapshot.Snapshot`): pyoxigraph makes a new ``str`` on every read,
    so without it each index keeps its own copy of every IRI.
    """

    def __init__(self, store, strings: dict[str, str] | None = None) -> None:
        self.labels: dict[str, dict[str, str]] = {}
        self.alt: dict[str, list[tuple[str, str]]] = {}
        self.definitions: dict[str, dict[str, str]] = {}
        share = (strings if strings is not None else {}).setdefault
        for prop in LABEL_PROPERTIES:
            self._read(store, prop, self.labels, share)
        for prop in DEFINITION_PROPERTIES:
            self._read(store, prop, self.definitions, share)
        for iri, per_lang in VOCABULARY_LABELS.items():
            self.labels.setdefault(share(iri, iri), dict(per_lang))
        for prop in ALT_PROPERTIES:
            for q in store.quads(None, prop, None, None):
                if _is_iri(q.subject) and _is_literal(q.object):
                    iri, lang = q.subject.value, q.object.language or ""
                    self.alt.setdefault(share(iri, iri), []).append((q.object.value, share(lang, lang)))

    @staticmethod
    def _read(store, prop: str, into: dict[str, dict[str, str]], share) -> None:
        for q in store.quads(None, prop, None, None):
            if not (_is_iri(q.subject) and _is_literal(q.object)):
                continue
            iri = q.subject.value
            per_lang = into.get(iri)
            if per_lang is None:
                per_lang = into[share(iri, iri)] = {}
            lang = (q.object.language or "").lower()
            # the first property in priority order wins; within one, keep the first value seen
            if lang not in per_lang:
                per_lang[share(lang, lang)] = q.object.value

    def label(self, iri: str, lang: str | None) -> str:
        got = pick(self.labels.get(iri), lang)
        return got[0] if got else local_name(iri)

    def label_lang(self, iri: str, lang: str | None) -> tuple[str, str | None]:
        """(label, its language) where language is None when the label is the local name."""
        got = pick(self.labels.get(iri), lang)
        return (got[0], got[1]) if got else (local_name(iri), None)

    def has_label(self, iri: str) -> bool:
        return iri in self.labels

    def definition(self, iri: str, lang: str | None) -> tuple[str, str] | None:
        return pick(self.definitions.get(iri), lang)


def _is_iri(term) -> bool:
    return isinstance(term, ox.NamedNode)


def _is_literal(term) -> bool:
    return isinstance(term, ox.Literal)
