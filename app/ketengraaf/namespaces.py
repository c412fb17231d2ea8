"""Namespaces and prefixes used across ketengraaf (one place)."""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

BASE = "https://w3id.org/ketengraaf/"
KETEN = Namespace(BASE + "def#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
ORG = Namespace("http://www.w3.org/ns/org#")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
CV = Namespace("http://data.europa.eu/m8g/")
AM = Namespace(BASE + "archimate#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
VANN = Namespace("http://purl.org/vocab/vann/")
SCHEMA = Namespace("https://schema.org/")

PREFIXES: dict[str, str] = {
    "keten": str(KETEN),
    "id": str(ID),
    "am": str(AM),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "org": str(ORG),
    "cpsv": str(CPSV),
    "cv": str(CV),
    "sh": str(SH),
    "void": str(VOID),
    "vann": str(VANN),
}


def sparql_prefixes(names: list[str] | None = None) -> str:
    """PREFIX lines for a query, for the named prefixes (default: all)."""
    names = names or list(PREFIXES)
    return "".join(f"PREFIX {n}: <{PREFIXES[n]}>\n" for n in names)


def qname(iri: str) -> str | None:
    """`keten:Keten` for a known namespace, else None."""
    best = None
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            best = prefix
    if best is None:
        return None
    local = iri[len(PREFIXES[best]):]
    if not local or any(c in local for c in "/#?"):
        return None
    return f"{best}:{local}"
