"""Service description (W3C ``sd:``) of the endpoint and VoID description of the dataset.

Both are built once per store generation (the VoID counts need a few queries
over the whole store) and serialized in any RDF format of the registry.
"""
from __future__ import annotations

import threading
from typing import cast

import pyoxigraph as ox

from ..namespaces import PREFIXES, SD, VOID
from .formats import BY_NAME, formats_for

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCT = "http://purl.org/dc/terms/"
FORMATS_NS = "http://www.w3.org/ns/formats/"
LICENSE = "https://joinup.ec.europa.eu/collection/eupl/eupl-text-eupl-12"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
# registry format name -> W3C format IRI (http://www.w3.org/ns/formats/)
W3C_FORMATS = {"xml": "SPARQL_Results_XML", "json": "SPARQL_Results_JSON", "csv": "SPARQL_Results_CSV",
               "tsv": "SPARQL_Results_TSV", "rdfxml": "RDF_XML", "turtle": "Turtle", "ntriples": "N-Triples",
               "jsonld": "JSON-LD", "trig": "TriG", "nquads": "N-Quads"}
EXAMPLE_CLASSES = ("Keten", "Ketenpartner", "Proces", "Netwerk")

_lock = threading.Lock()
_built: dict[tuple, object] = {}
MAX_ENTRIES = 64


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _lit(value, lang: str | None = None) -> ox.Literal:
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=_n("http://www.w3.org/2001/XMLSchema#integer"))
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def service_triples(endpoint: str, gen, union: bool, void_url: str) -> list[ox.Triple]:
    svc, ds, dg = _n(endpoint), ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")
    t = [
        ox.Triple(svc, RDF_TYPE, _n(SD + "Service")),
        ox.Triple(svc, _n(SD + "endpoint"), svc),
        ox.Triple(svc, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        ox.Triple(svc, _n(SD + "defaultDataset"), ds),
        ox.Triple(ds, RDF_TYPE, _n(SD + "Dataset")),
        ox.Triple(ds, _n(SD + "defaultGraph"), dg),
        ox.Triple(dg, RDF_TYPE, _n(SD + "Graph")),
        ox.Triple(dg, _n(VOID + "triples"), _lit(gen.triples)),
        ox.Triple(ds, _n(DCT + "source"), _n(void_url)),
        ox.Triple(svc, _n(RDFS_COMMENT), _lit(
            ("De standaardgraaf is de vereniging (union) van alle benoemde grafen. " if union else
             "De standaardgraaf is leeg; gebruik GRAPH, FROM of default-graph-uri. ")
            + "default-graph-uri en named-graph-uri gaan voor FROM en FROM NAMED; FROM mag alleen grafen "
            "uit deze catalogus noemen. Alleen lezen: SPARQL Update wordt niet bediend.", "nl")),
        ox.Triple(svc, _n(RDFS_COMMENT), _lit(
            ("The default graph is the union of all named graphs. " if union else
             "The default graph is empty; use GRAPH, FROM or default-graph-uri. ")
            + "default-graph-uri and named-graph-uri override FROM and FROM NAMED; FROM may only name graphs "
            "of this catalogue (nothing is fetched). Read-only: SPARQL Update is not served.", "en")),
    ]
    if union:
        t.append(ox.Triple(svc, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")))
    for f in formats_for("results") + formats_for("graph"):
        t.append(ox.Triple(svc, _n(SD + "resultFormat"), _n(FORMATS_NS + W3C_FORMATS[f.name])))
    for src in sorted(gen.sources, key=lambda s: s.graph):
        ng = ox.BlankNode()
        g = ox.BlankNode()
        t += [ox.Triple(ds, _n(SD + "namedGraph"), ng), ox.Triple(ng, RDF_TYPE, _n(SD + "NamedGraph")),
              ox.Triple(ng, _n(SD + "name"), _n(src.graph)), ox.Triple(ng, _n(SD + "graph"), g),
              ox.Triple(g, RDF_TYPE, _n(SD + "Graph")), ox.Triple(g, _n(VOID + "triples"), _lit(src.triples))]
    return t


def void_triples(store, gen, dataset_iri: str, base: str) -> list[ox.Triple]:
    """The dataset's statistics (whole-store queries): built once per generation, whatever the host."""
    ds = _n(dataset_iri)
    t = [
        ox.Triple(ds, RDF_TYPE, _n(VOID + "Dataset")),
        ox.Triple(ds, _n(DCT + "title"), _lit("ketengraaf: catalogus van ketensamenwerking", "nl")),
        ox.Triple(ds, _n(DCT + "title"), _lit("ketengraaf: catalogue of chain collaboration", "en")),
        ox.Triple(ds, _n(DCT + "license"), _n(LICENSE)),
        ox.Triple(ds, _n(DCT + "modified"), ox.Literal(gen.created.isoformat(),
                                                      datatype=_n("http://www.w3.org/2001/XMLSchema#dateTime"))),
        ox.Triple(ds, _n(VOID + "uriSpace"), _lit(base + "id/")),
        ox.Triple(ds, _n(VOID + "triples"), _lit(gen.triples)),
    ]
    for fmt in ("turtle", "jsonld", "rdfxml", "ntriples"):
        t.append(ox.Triple(ds, _n(VOID + "feature"), _n(FORMATS_NS + W3C_FORMATS[fmt])))
    for ns in (PREFIXES["keten"], "http://www.w3.org/2004/02/skos/core#", PREFIXES["org"]):
        t.append(ox.Triple(ds, _n(VOID + "vocabulary"), _n(ns)))

    def one(q: str) -> int:
        rows = store.select(q)
        return int(rows[0]["n"].value) if rows else 0

    t.append(ox.Triple(ds, _n(VOID + "distinctSubjects"), _lit(one(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"))))
    t.append(ox.Triple(ds, _n(VOID + "distinctObjects"), _lit(one(
        "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"))))
    classes = store.select("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } "
                           "GROUP BY ?c ORDER BY ?c")
    props = store.select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p")
    t.append(ox.Triple(ds, _n(VOID + "classes"), _lit(len(classes))))
    t.append(ox.Triple(ds, _n(VOID + "properties"), _lit(len(props))))
    for row in classes:
        part = ox.BlankNode()
        t += [ox.Triple(ds, _n(VOID + "classPartition"), part),
              ox.Triple(part, _n(VOID + "class"), row["c"]),
              ox.Triple(part, _n(VOID + "entities"), _lit(int(row["n"].value)))]
    for row in props:
        part = ox.BlankNode()
        t += [ox.Triple(ds, _n(VOID + "propertyPartition"), part),
              ox.Triple(part, _n(VOID + "property"), row["p"]),
              ox.Triple(part, _n(VOID + "triples"), _lit(int(row["n"].value)))]
    for src in sorted(gen.sources, key=lambda s: s.graph):
        sub = _n(src.graph)
        t += [ox.Triple(ds, _n(VOID + "subset"), sub), ox.Triple(sub, RDF_TYPE, _n(VOID + "Dataset")),
              ox.Triple(sub, _n(VOID + "triples"), _lit(src.triples)),
              ox.Triple(sub, _n(DCT + "source"), _lit(src.path))]
    for cls in EXAMPLE_CLASSES:
        for row in store.select(f"SELECT ?s WHERE {{ ?s a <{PREFIXES['keten']}{cls}> FILTER(isIRI(?s)) }} "
                                "ORDER BY ?s LIMIT 2"):
            t.append(ox.Triple(ds, _n(VOID + "exampleResource"), row["s"]))
    return t


def _serialize(triples: list[ox.Triple], fmt_name: str) -> bytes:
    prefixes = {k: PREFIXES[k] for k in ("rdf", "rdfs", "xsd", "keten")}
    prefixes.update(sd=str(SD), void=str(VOID), dcterms=DCT, formats=FORMATS_NS)
    fmt = BY_NAME[fmt_name].engine_format()
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        # without an output file, serialize returns the bytes (stubs: bytes | None)
        return cast(bytes, ox.serialize(triples, format=fmt, prefixes=prefixes))
    return cast(bytes, ox.serialize(triples, format=fmt))


def _cached(key: tuple, build):
    """Built once per key; keys of older generations of the same store are dropped, and at most
    ``MAX_ENTRIES`` are kept (the endpoint URL in some keys comes from the request's Host)."""
    value = _built.get(key)
    if value is None:
        with _lock:
            value = _built.get(key)
            if value is None:
                for k in [k for k in _built if k[1] == key[1] and k[2] != key[2]]:
                    del _built[k]       # an older generation of the same store
                while len(_built) >= MAX_ENTRIES:
                    del _built[next(iter(_built))]      # the oldest entry
                value = _built[key] = build()
    return value


def service_description(store, gen, fmt_name: str, endpoint: str, union: bool, void_url: str) -> bytes:
    key = ("sd", store.key, gen.id, endpoint, union, void_url)
    triples = _cached(key, lambda: service_triples(endpoint, gen, union, void_url))
    return _cached(key + (fmt_name,), lambda: _serialize(triples, fmt_name))


def void_description(store, gen, fmt_name: str, dataset_iri: str, endpoint: str, base: str) -> bytes:
    stats = _cached(("void", store.key, gen.id, dataset_iri), lambda: void_triples(store, gen, dataset_iri, base))
    triples = stats + [ox.Triple(_n(dataset_iri), _n(VOID + "sparqlEndpoint"), _n(endpoint))]
    return _cached(("void", store.key, gen.id, dataset_iri, endpoint, fmt_name),
                   lambda: _serialize(triples, fmt_name))
