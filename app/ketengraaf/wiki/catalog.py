"""What the catalogue says about wiki pages: links, pages (from the exports and elsewhere), pairs.

Read from any store with ``select`` (the served generation, or :class:`SourceStore`, the
catalogue's files parsed into memory for the CLI), once, into :class:`Facts`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterator

import pyoxigraph as ox

from ..namespaces import GRAPH, ID, KETEN, sparql_prefixes
from ..sources import parse_sources
from ..store import Store
from .titles import Wiki, parse_page_iri

SWIVT = "http://semantic-mediawiki.org/swivt/1.0#"
AM = "https://w3id.org/ketengraaf/archimate#"
LINKS_FILE = "data/wiki/links.ttl"

# classes whose instances may have a wiki page ("resources without a wiki page" counts these)
WIKI_WORTHY = tuple(str(KETEN) + c for c in (
    "Keten", "Orkestratieketen", "Estafetteketen", "Doelketen", "HorizontaleSamenwerking", "Netwerk",
    "Ketenpartner", "Proces", "Dienstverleningsproces", "Deelproces", "Procesbouwsteen", "GemmaProces",
    "GemmaRol", "Sturingsbouwsteen", "Rol"))


class SourceStore(Store):
    """The catalogue's source files in an in-memory Oxigraph store, one named graph per file."""

    def __init__(self, paths, root=None):
        self.ox = ox.Store()
        for src in parse_sources(paths, root):
            src.load_into(self.ox)

    def generation(self):
        return None

    def query(self, sparql: str, *, union: bool = True, **kw: Any) -> Any:
        return self.ox.query(sparql, use_default_graph_as_union=union)

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[Any]:
        node = lambda t: ox.NamedNode(t) if isinstance(t, str) else t  # noqa: E731
        return self.ox.quads_for_pattern(node(subject), node(predicate), node(obj), node(graph))


def origin_of(graph: str | None) -> str:
    """Where a link was made: by hand (data/ketens, ontology), accepted (the links file), imported, else data."""
    path = graph[len(str(GRAPH)):] if graph and graph.startswith(str(GRAPH)) else ""
    if path == LINKS_FILE:
        return "accepted"
    if path.startswith(("data/ketens/", "ontology/")):
        return "hand"
    if path.startswith(("data/gemma/", "data/upl/")):
        return "import"
    return "data"


@dataclass
class Link:
    resource: str
    page: str          # canonical IRI
    written: str       # IRI as written in the data
    origin: str        # hand | accepted | import | data
    graph: str


@dataclass
class PageFacts:
    iri: str                        # canonical
    wiki: Wiki | None
    title: str
    in_export: bool = False
    modified: str | None = None
    modified_in_export: bool = False
    status: str | None = None
    redirect_to: str | None = None  # canonical IRI
    properties: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class ResourceFacts:
    """What the wiki matching and reports use of one resource; tuples, since at 1M triples there are
    over 100k of these (a list per field, mostly empty, cost more than the facts)."""
    iri: str
    labels: tuple[tuple[str, str], ...] = ()      # (text, lang), Dutch first
    alt_labels: tuple[tuple[str, str], ...] = ()
    types: tuple[str, ...] = ()
    object_ids: tuple[str, ...] = ()
    nora_ids: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()                     # GEMMA URL / NORA URL properties of the model

    def label(self, lang: str = "nl") -> str:
        for text, lg in self.labels:
            if lg == lang:
                return text
        return self.labels[0][0] if self.labels else self.iri.rsplit("/", 1)[-1]


@dataclass
class Facts:
    wikis: tuple[Wiki, ...]
    links: list[Link]
    pages: dict[str, PageFacts]
    resources: dict[str, ResourceFacts]
    pairs: list[tuple[str, str, str]]           # (page, page, skos property local name)
    exports: dict[str, dict]                    # wiki name -> {"graph", "created", "source"}

    def links_of(self, resource: str) -> list[Link]:
        return [lk for lk in self.links if lk.resource == resource]

    def resources_of(self, page: str) -> list[str]:
        return list(dict.fromkeys(lk.resource for lk in self.links if lk.page == page))

    def wiki_of(self, page: str) -> Wiki | None:
        p = self.pages.get(page)
        return p.wiki if p else None

    def has_export(self, wiki: Wiki | None) -> bool:
        return wiki is not None and wiki.name in self.exports

    def final(self, page: str, limit: int = 5) -> str:
        """Follow redirects (at most ``limit`` steps; MediaWiki itself follows one)."""
        seen = {page}
        while limit and (p := self.pages.get(page)) and p.redirect_to and p.redirect_to not in seen:
            page = p.redirect_to
            seen.add(page)
            limit -= 1
        return page


def _v(term) -> str | None:
    return None if term is None else term.value


def read_facts(store: Store, wikis: tuple[Wiki, ...], strings: dict[str, str] | None = None) -> Facts:
    """The wiki facts of ``store``; ``strings``: the generation's shared strings (one str per IRI), if any."""
    share = (strings if strings is not None else {}).setdefault
    pre = sparql_prefixes(["keten", "skos", "dcterms", "rdf"]) + f"PREFIX swivt: <{SWIVT}>\nPREFIX am: <{AM}>\n"

    def canon(iri: str) -> tuple[str, Any]:
        ref = parse_page_iri(iri, wikis)
        return (ref.iri, ref) if ref else (iri, None)

    pages: dict[str, PageFacts] = {}

    def page(iri: str) -> PageFacts:
        c, ref = canon(iri)
        if c not in pages:
            pages[c] = PageFacts(iri=c, wiki=ref.wiki if ref else None, title=ref.title if ref else iri)
        return pages[c]

    links: list[Link] = []
    for r in store.select(pre + "SELECT ?s ?p ?g WHERE { GRAPH ?g { ?s keten:wikiPagina ?p } "
                                "FILTER(isIRI(?s) && isIRI(?p)) }"):
        pf = page(r["p"].value)
        links.append(Link(r["s"].value, pf.iri, r["p"].value, origin_of(_v(r["g"])), _v(r["g"]) or ""))
    links.sort(key=lambda lk: (lk.resource, lk.page, lk.origin))
    for r in store.select(pre + """SELECT ?p ?ns ?mod ?status ?to WHERE {
        { ?p a keten:WikiPagina } UNION { ?p swivt:wikiNamespace ?x } UNION { ?x keten:wikiPagina ?p }
        OPTIONAL { ?p swivt:wikiNamespace ?ns } OPTIONAL { ?p keten:laatstBewerkt ?mod }
        OPTIONAL { ?p keten:paginastatus ?status } OPTIONAL { ?p swivt:redirectsTo ?to } FILTER(isIRI(?p)) }"""):
        pf = page(r["p"].value)
        if r["ns"] is not None:
            pf.in_export = True
        mod = _v(r["mod"])
        if mod:     # the export's date wins; else the latest date the catalogue records
            if r["ns"] is not None and "T" in mod:
                pf.modified, pf.modified_in_export = mod, True
            elif not pf.modified_in_export and (pf.modified is None or mod > pf.modified):
                pf.modified = mod
        if r["status"] is not None and pf.status is None:
            pf.status = r["status"].value
        if r["to"] is not None:
            pf.redirect_to = page(r["to"].value).iri
    for base_wiki in wikis:
        prop = base_wiki.base + "Property:"
        for r in store.select(pre + f"""SELECT ?p ?prop ?v WHERE {{ ?p swivt:wikiNamespace ?ns ; ?prop ?v
            FILTER(STRSTARTS(STR(?prop), "{prop}") && isLiteral(?v)) }}"""):
            pf = page(r["p"].value)
            pf.properties.setdefault(r["prop"].value[len(prop):].replace("_", " "), []).append(r["v"].value)

    resources: dict[str, ResourceFacts] = {}

    def res(iri: str) -> ResourceFacts:
        rf = resources.get(iri)
        if rf is None:
            iri = share(iri, iri)
            rf = resources[iri] = ResourceFacts(iri)
        return rf

    idbase = str(ID)
    # one row per value of every resource (over 400k at 1M triples): folded in as they come, not listed first
    for r in store.rows(pre + f"""SELECT ?s ?p ?o WHERE {{
        VALUES ?p {{ skos:prefLabel skos:altLabel rdf:type keten:objectId am:prop-object-id am:prop-nora-id
                    am:prop-nora-url am:prop-gemma-url }}
        ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{idbase}")) }}"""):
        s, p, o = r["s"].value, r["p"].value, r["o"]
        rf = res(s)
        value = o.value
        if p.endswith("#prefLabel"):
            lang = getattr(o, "language", None) or ""
            rf.labels += ((value, share(lang, lang)),)
        elif p.endswith("#altLabel"):
            lang = getattr(o, "language", None) or ""
            rf.alt_labels += ((value, share(lang, lang)),)
        elif p.endswith("#type"):
            if value not in rf.types:
                rf.types += (share(value, value),)
        elif p.endswith(("#objectId", "prop-object-id")):
            if value not in rf.object_ids:
                rf.object_ids += (value,)
        elif p.endswith("prop-nora-id"):
            if value.strip():
                rf.nora_ids += (value.strip(),)
        elif value.strip():
            rf.urls += (value.strip(),)
    for rf in resources.values():
        if len(rf.labels) > 1:
            rf.labels = tuple(sorted(rf.labels, key=lambda t: (t[1] != "nl", t[1], t[0])))

    pairs = []
    for r in store.select(pre + """SELECT DISTINCT ?a ?b ?rel WHERE { VALUES ?rel { skos:exactMatch skos:closeMatch }
        ?a ?rel ?b FILTER(isIRI(?a) && isIRI(?b)) }"""):
        a, _ = canon(r["a"].value)
        b, _ = canon(r["b"].value)
        if a in pages and b in pages and pages[a].wiki and pages[b].wiki and pages[a].wiki != pages[b].wiki:
            pairs.append((a, b, r["rel"].value.rsplit("#", 1)[-1]))
    exports: dict[str, dict] = {}
    wiki_graphs = str(GRAPH) + "data/wiki/"
    query = pre + """PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?g ?wiki ?created ?source WHERE { ?g a prov:Entity ; dcterms:subject ?wiki ; dcterms:source ?source
        OPTIONAL { ?g prov:generatedAtTime ?created } FILTER(STRSTARTS(STR(?g), "WIKI_GRAPHS")) }"""
    for r in store.select(query.replace("WIKI_GRAPHS", wiki_graphs)):
        for w in wikis:
            if w.concept == r["wiki"].value:
                exports[w.name] = {"graph": r["g"].value, "created": _v(r["created"]), "source": r["source"].value}
    return Facts(wikis=wikis, links=links, pages=pages, resources=resources, pairs=sorted(set(pairs)),
                 exports=exports)
