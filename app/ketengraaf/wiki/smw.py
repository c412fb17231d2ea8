"""Reading what a Semantic MediaWiki exports (``Special:ExportRDF``, RDF/XML or Turtle) and
writing it as the catalogue's file ``data/wiki/<wiki>.ttl``.

An SMW export describes each page as a ``swivt:Subject``: ``rdfs:label`` (the title),
``swivt:page`` (its URL), ``swivt:wikiNamespace``, ``swivt:wikiPageModificationDate``,
categories as ``rdf:type`` ``…/Category-3A<name>``, every semantic property as
``…/Property-3A<name>``, and a redirect as ``swivt:redirectsTo`` (and ``owl:sameAs``; SMW's own
test ``r-0002``). The export itself is an ``owl:Ontology`` with ``swivt:creationDate``: when it
was made, which is when we retrieved it.

What the file keeps, per page (IRI: the page's real URL, :func:`..titles.page_iri`):
``a keten:WikiPagina``, ``dcterms:title``, ``keten:wiki``, ``swivt:wikiNamespace``,
``keten:laatstBewerkt`` (the modification date), ``dcterms:subject`` (categories, as page IRIs),
``swivt:redirectsTo`` (the target page), ``keten:paginastatus`` (see :func:`content_status`), and
every other property value with the wiki's own property IRI. Sub-objects (``…-23…``) and SMW's
helper values (``…-23aux``) are left out. The graph node records the export's date and source.

Content status: the wikis show a status such as "Mogelijk verouderd"; in the export that is the
value of a property whose name contains "status", or a category of that name. The known values
map onto the concepts of ``id/paginastatussen``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, UTC
from pathlib import Path

import rdflib
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, XSD

from ..errors import InputError
from ..namespaces import GRAPH, ID, KETEN
from .titles import Wiki, normalize_title, smw_decode

SWIVT = rdflib.Namespace("http://semantic-mediawiki.org/swivt/1.0#")

STATUS = {  # status text (casefolded, - and _ as space) -> concept in id/paginastatussen
    "actueel": "actueel", "mogelijk verouderd": "mogelijk-verouderd", "verouderd": "mogelijk-verouderd",
    "in ontwikkeling": "in-ontwikkeling", "concept": "in-ontwikkeling", "archief": "archief",
    "gearchiveerd": "archief",
}
OUTDATED = str(ID) + "paginastatus/mogelijk-verouderd"

_RESOLVER = re.compile(r"^(.*/[^/]*:URIResolver/)(.*)$")


@dataclass
class Page:
    title: str
    iri: str
    namespace: int = 0
    label: str = ""
    modified: str | None = None             # xsd:dateTime as written
    categories: list[str] = field(default_factory=list)       # titles, without the namespace
    properties: dict[str, list] = field(default_factory=dict)  # property name -> values (str or title)
    redirect_to: str | None = None           # title
    status: str | None = None                # concept IRI

    @property
    def status_key(self) -> str | None:
        return self.status.rsplit("/", 1)[-1] if self.status else None


@dataclass
class Export:
    wiki: Wiki
    pages: dict[str, Page]                   # title -> page
    created: str | None                      # swivt:creationDate of the export
    source: str

    def page(self, title: str) -> Page | None:
        return self.pages.get(normalize_title(title))


def _format(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".ttl", ".turtle", ".n3"):
        return "turtle"
    if suffix in (".rdf", ".xml", ".owl"):
        return "xml"
    return "xml" if data.lstrip().startswith(b"<") else "turtle"


def resolver_prefix(subjects: list[str]) -> str:
    """Where SMW's page names start: ``…/Special:URIResolver/`` (localised special pages too), else the
    longest prefix ending in ``/`` that all subjects share (the setting ``$smwgNamespace``)."""
    for s in subjects:
        m = _RESOLVER.match(s)
        if m:
            return m.group(1)
    if not subjects:
        return ""
    prefix = subjects[0]
    for s in subjects[1:]:
        while not s.startswith(prefix):
            prefix = prefix[:-1]
    return prefix[: prefix.rfind("/") + 1]


def read_export(path: str | Path, wiki: Wiki, *, data: bytes | None = None) -> Export:
    """Parse an SMW RDF export (RDF/XML or Turtle) into pages of ``wiki``."""
    path = Path(path)
    try:
        raw = data if data is not None else path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    g = Graph()
    try:
        g.parse(data=raw, format=_format(path, raw), publicID=wiki.base)
    except Exception as exc:  # rdflib raises many kinds; the file is what is wrong
        raise InputError(f"{path}: not an RDF/XML or Turtle export: {exc}") from None
    subjects = sorted(str(s) for s in g.subjects(RDF.type, SWIVT.Subject) if isinstance(s, URIRef))
    if not subjects:
        raise InputError(f"{path}: no swivt:Subject in it; is this a Semantic MediaWiki export (Special:ExportRDF)?")
    prefix = resolver_prefix(subjects)

    def title_of(node) -> str | None:
        text = str(node)
        if not text.startswith(prefix):
            return None
        local = text[len(prefix):]
        if not local or "-23" in local:         # a sub-object (Page#name)
            return None
        return smw_decode(local)

    created = next((str(o) for o in g.objects(None, SWIVT.creationDate)), None)
    pages: dict[str, Page] = {}
    for s in subjects:
        node = URIRef(s)
        title = title_of(node)
        if title is None or (node, SWIVT.masterPage, None) in g:
            continue
        page = Page(title=title, iri=wiki.page_iri(title))
        ns = g.value(node, SWIVT.wikiNamespace)
        page.namespace = int(str(ns)) if ns is not None else 0       # a Literal: its lexical form
        page.label = str(g.value(node, RDFS.label) or title)
        mod = g.value(node, SWIVT.wikiPageModificationDate)
        page.modified = str(mod) if mod is not None else None
        for cls in g.objects(node, RDF.type):
            t = title_of(cls)
            if t and ":" in t:
                page.categories.append(t.split(":", 1)[1])
        target = g.value(node, SWIVT.redirectsTo) or g.value(node, OWL.sameAs)
        if target is not None:
            page.redirect_to = title_of(target)
        for p, o in g.predicate_objects(node):
            pname = title_of(p)
            if not pname or ":" not in pname or pname.endswith("aux"):
                continue
            name = pname.split(":", 1)[1]
            value = title_of(o) if isinstance(o, URIRef) else str(o)
            if value is None:
                value = str(o)
            page.properties.setdefault(name, []).append(value)
        page.categories.sort()
        page.status = content_status(page)
        pages[title] = page
    return Export(wiki=wiki, pages=pages, created=created, source=str(path))


def _status_text(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text).strip().casefold()


def content_status(page: Page) -> str | None:
    """The page's content status: a property named ``…status…`` with a known value, else a category."""
    for name, values in sorted(page.properties.items()):
        if "status" in name.casefold():
            for v in values:
                key = STATUS.get(_status_text(str(v).split(":")[-1]))
                if key:
                    return str(ID) + "paginastatus/" + key
    for cat in page.categories:
        key = STATUS.get(_status_text(cat))
        if key:
            return str(ID) + "paginastatus/" + key
    return None


# -- flags ----------------------------------------------------------------------------------

def parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None


def is_stale(modified: str | None, stale_days: int, today: date | None = None) -> bool:
    """Not modified for more than ``stale_days`` days (setting ``wiki_stale_days``); 0 turns it off."""
    when = parse_date(modified)
    if when is None or stale_days <= 0:
        return False
    return ((today or datetime.now(UTC).date()) - when).days > stale_days


# -- the catalogue's file ---------------------------------------------------------------------

def export_graph_iri(wiki: Wiki) -> str:
    return str(GRAPH) + f"data/wiki/{wiki.name}.ttl"


def to_turtle(export: Export, *, source_url: str | None = None, note: str | None = None,
              shown_source: str | None = None) -> str:
    """``data/wiki/<wiki>.ttl``: the pages of ``export`` as catalogue data (deterministic)."""
    wiki = export.wiki
    g = Graph()
    for prefix, ns in (("keten", KETEN), ("dcterms", DCTERMS), ("swivt", SWIVT), ("prov", PROV), ("xsd", XSD)):
        g.bind(prefix, ns)
    graph = URIRef(export_graph_iri(wiki))
    g.add((graph, RDF.type, PROV.Entity))
    g.add((graph, DCTERMS.title, Literal(f"Semantic MediaWiki-export van {wiki.display}", lang="nl")))
    g.add((graph, DCTERMS.title, Literal(f"Semantic MediaWiki export of {wiki.display}", lang="en")))
    if wiki.concept:
        g.add((graph, DCTERMS.subject, URIRef(wiki.concept)))
    g.add((graph, DCTERMS.source, URIRef(source_url) if source_url and re.match(r"https?://", source_url)
           else Literal(source_url or shown_source or export.source)))
    if export.created:
        g.add((graph, PROV.generatedAtTime, Literal(export.created, datatype=XSD.dateTime)))
    if note:
        g.add((graph, DCTERMS.description, Literal(note, lang="en")))
    prop_base = wiki.base + "Property:"
    g.bind(f"{wiki.name}-property", prop_base)
    declared: dict[URIRef, str] = {}
    for page in export.pages.values():
        node = URIRef(page.iri)
        g.add((node, RDF.type, KETEN.WikiPagina))
        g.add((node, DCTERMS.title, Literal(page.title)))
        if wiki.concept:
            g.add((node, KETEN.wiki, URIRef(wiki.concept)))
        g.add((node, SWIVT.wikiNamespace, Literal(page.namespace, datatype=XSD.integer)))
        if page.modified:
            g.add((node, KETEN.laatstBewerkt, Literal(page.modified, datatype=XSD.dateTime)))
        for cat in page.categories:
            g.add((node, DCTERMS.subject, URIRef(wiki.page_iri("Category:" + cat))))
        if page.redirect_to:
            g.add((node, SWIVT.redirectsTo, URIRef(wiki.page_iri(page.redirect_to))))
        if page.status:
            g.add((node, KETEN.paginastatus, URIRef(page.status)))
        for name, values in page.properties.items():
            pred = URIRef(prop_base + name.replace(" ", "_"))
            declared.setdefault(pred, name)
            for v in values:
                g.add((node, pred, Literal(v)))
    # the export's own terms are declared here, with the graph that uses them (the closed-vocabulary
    # shape accepts only declared classes and properties): SMW's swivt terms, and the wiki's properties
    for term, kind in ((SWIVT.wikiNamespace, OWL.DatatypeProperty), (SWIVT.redirectsTo, OWL.ObjectProperty)):
        if any(True for _ in g.triples((None, term, None))):
            g.add((term, RDF.type, kind))
            g.add((term, RDFS.isDefinedBy, URIRef(str(SWIVT))))
    for pred, name in declared.items():
        g.add((pred, RDF.type, OWL.AnnotationProperty))
        g.add((pred, RDFS.label, Literal(name)))
        g.add((pred, RDFS.isDefinedBy, URIRef(wiki.base + "Special:Properties")))
    exported = f", exported {export.created}" if export.created else ""
    header = (f"# {wiki.display}: pages read from a Semantic MediaWiki RDF export by `ketengraaf wiki import`.\n"
              f"# Source: {source_url or shown_source or export.source}{exported}.\n"
              "# Do not edit by hand; import a newer export instead.\n")
    return header + g.serialize(format="turtle")
