"""Result formats of the endpoint (a registry) and content negotiation with q-values.

SELECT/ASK answers (kind ``results``) and CONSTRUCT/DESCRIBE answers (kind
``graph``) have their own formats. A client picks one with ``Accept`` (q-values,
wildcards) or with a ``format`` / ``output`` / ``results`` parameter (what
SPARQLWrapper, Virtuoso-era clients and the download links send). With no
preference (``*/*`` or no ``Accept``) the answer is SPARQL XML or RDF/XML.
``html`` is only chosen when the client names ``text/html`` itself (a browser).
Add a format by adding a line to :data:`FORMATS`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from ..errors import NotAcceptable


@dataclass(frozen=True)
class Format:
    name: str                      # short name, used in ?format= and download links
    kind: str                      # "results" (SELECT/ASK) or "graph" (CONSTRUCT/DESCRIBE)
    media_types: tuple[str, ...]   # the first is sent as Content-Type
    label: str
    extension: str
    aliases: tuple[str, ...] = ()  # other ?format= values that mean this format
    oxigraph: str | None = None    # member of ox.QueryResultsFormat / ox.RdfFormat

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        mt = self.media_type
        return mt + "; charset=utf-8" if mt.startswith("text/") else mt

    def engine_format(self):
        """The pyoxigraph format object (looked up by name: picklable across processes)."""
        enum = ox.QueryResultsFormat if self.kind == "results" else ox.RdfFormat
        return getattr(enum, self.oxigraph)


# Server preference order per kind: the first is the answer to */* (SPARQL XML / RDF/XML).
FORMATS: tuple[Format, ...] = (
    Format("xml", "results", ("application/sparql-results+xml", "application/xml"),
           "SPARQL XML", "srx", ("srx", "sparql-results+xml"), "XML"),
    Format("json", "results", ("application/sparql-results+json", "application/json"),
           "SPARQL JSON", "srj", ("srj", "sparql-results+json"), "JSON"),
    Format("csv", "results", ("text/csv",), "CSV", "csv", (), "CSV"),
    Format("tsv", "results", ("text/tab-separated-values",), "TSV", "tsv", (), "TSV"),
    Format("rdfxml", "graph", ("application/rdf+xml", "application/xml"),
           "RDF/XML", "rdf", ("xml", "rdf", "rdf+xml", "rdf/xml"), "RDF_XML"),
    Format("turtle", "graph", ("text/turtle", "application/turtle", "application/x-turtle", "text/n3",
                               "text/rdf+n3", "application/n3"),
           "Turtle", "ttl", ("ttl", "n3"), "TURTLE"),
    Format("ntriples", "graph", ("application/n-triples", "text/plain"),
           "N-Triples", "nt", ("nt", "n-triples"), "N_TRIPLES"),
    Format("jsonld", "graph", ("application/ld+json", "application/x-json+ld", "application/json"),
           "JSON-LD", "jsonld", ("json-ld", "json"), "JSON_LD"),
    Format("trig", "graph", ("application/trig",), "TriG", "trig", (), "TRIG"),
    Format("nquads", "graph", ("application/n-quads",), "N-Quads", "nq", ("nq", "n-quads"), "N_QUADS"),
)
HTML = Format("html", "page", ("text/html", "application/xhtml+xml"), "HTML", "html")
BY_NAME: dict[str, Format] = {f.name: f for f in FORMATS}
KINDS = ("results", "graph")


def formats_for(kind: str) -> list[Format]:
    return [f for f in FORMATS if f.kind == kind]


def _by_param(kind: str) -> dict[str, Format]:
    table: dict[str, Format] = {}
    for f in formats_for(kind):
        for key in (f.name, f.extension, *f.aliases, *f.media_types):
            table.setdefault(key.lower(), f)
    table["html"] = HTML
    table["text/html"] = HTML
    return table


PARAM_NAMES: dict[str, dict[str, Format]] = {k: _by_param(k) for k in KINDS}


def parse_accept(header: str) -> list[tuple[str, str, float]]:
    """``Accept`` -> [(type, subtype, q)], q=0 entries kept (they forbid a type)."""
    out = []
    for part in header.split(","):
        items = part.strip().split(";")
        mt = items[0].strip().lower()
        if not mt:
            continue
        if mt == "*":
            mt = "*/*"
        typ, _, sub = mt.partition("/")
        q = 1.0
        for p in items[1:]:
            k, _, v = p.strip().partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        out.append((typ, sub or "*", q))
    return out


def _quality(ranges: list[tuple[str, str, float]], media_type: str, explicit_only: bool) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching ``media_type``."""
    typ, _, sub = media_type.partition("/")
    best = (-1.0, -1)
    for rt, rs, q in ranges:
        if rt == typ and rs == sub:
            spec = 2
        elif explicit_only:
            continue
        elif rt == typ and rs == "*":
            spec = 1
        elif rt == "*":
            spec = 0
        else:
            continue
        if spec > best[1]:
            best = (q, spec)
    return best


@lru_cache(maxsize=2048)
def negotiate(kind: str, accept: str | None, params: tuple[str, ...] = (), allow_html: bool = True) -> Format:
    """The format for an answer of ``kind``; raises :class:`NotAcceptable` (406).

    ``params`` are the values of ``format``/``output``/``results``: the first one
    that names a format of this kind wins over ``Accept``.
    """
    if params:
        table = PARAM_NAMES[kind]
        for p in params:
            f = table.get(p.strip().lower())
            if f is not None and (f is not HTML or allow_html):
                return f
        raise NotAcceptable(
            f"format {', '.join(params)!s} is not available for a {_kind_text(kind)}; choose one of: "
            + ", ".join(f.name for f in formats_for(kind)))
    candidates = formats_for(kind)
    if not accept or not accept.strip():
        return candidates[0]
    ranges = parse_accept(accept)
    best, best_key = None, (0.0, -1)
    if allow_html:
        q, spec = max(_quality(ranges, mt, True) for mt in HTML.media_types)
        if q > 0:
            best, best_key = HTML, (q, spec)
    for f in candidates:
        q, spec = max(_quality(ranges, mt, False) for mt in f.media_types)
        if q > 0 and (q, spec) > best_key:
            best, best_key = f, (q, spec)
    if best is None:
        raise NotAcceptable(
            f"cannot answer a {_kind_text(kind)} in any type of Accept: {accept}; available: "
            + ", ".join(f.media_type for f in candidates))
    return best


def _kind_text(kind: str) -> str:
    return {"results": "SELECT/ASK query", "graph": "CONSTRUCT/DESCRIBE query"}.get(kind, kind)
