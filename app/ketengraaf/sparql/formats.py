"""The one registry of answer formats: SPARQL results, RDF, and HTML.

SELECT/ASK answers (kind ``results``) and CONSTRUCT/DESCRIBE answers and
resource descriptions (kind ``graph``) have their own formats. A client picks
one with ``Accept`` or with a ``format`` / ``output`` / ``results`` parameter
(what SPARQLWrapper, Virtuoso-era clients and the download links send); the
parameter is looked up here (:func:`by_param`, also used by ``ketengraaf
query``), ``Accept`` in :func:`ketengraaf.web.http.negotiate`. Add a format by
adding a line to :data:`FORMATS`. No Flask here: the CLI and the query workers
use this module too.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Sequence

import pyoxigraph as ox

from ..errors import KetengraafError, NotAcceptable


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

    @property
    def quads(self) -> bool:
        """Serializes named graphs (TriG, N-Quads); the others get each triple once."""
        return self.oxigraph in ("TRIG", "N_QUADS")

    def engine_format(self):
        """The pyoxigraph format object (looked up by name: picklable across processes)."""
        enum = ox.QueryResultsFormat if self.kind == "results" else ox.RdfFormat
        assert self.oxigraph is not None        # only HTML has none, and the engine never writes HTML
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
BY_EXTENSION: dict[str, Format] = {f.extension: f for f in FORMATS}
TURTLE = BY_NAME["turtle"]


def formats_for(kind: str) -> list[Format]:
    return [f for f in FORMATS if f.kind == kind]


def by_param(offers: Sequence[Format], params: Sequence[str], *, html: bool = False,
             error: type[KetengraafError] = NotAcceptable) -> Format:
    """The format the first of ``params`` names (a name, extension, alias or media type) among ``offers``
    (and :data:`HTML` when ``html``); else ``error`` (406 for the endpoint, 400 for a page's ``?format=``)."""
    offers = tuple(offers)
    table = _param_table(offers, html)
    for p in params:
        f = table.get(p.strip().lower())
        if f is not None:
            return f
    raise error(f"format {', '.join(params)!s} is not available for {_kind_text(offers)}; choose one of: "
                + ", ".join(f.name for f in offers))


@lru_cache(maxsize=64)
def _param_table(offers: tuple[Format, ...], html: bool) -> dict[str, Format]:
    table: dict[str, Format] = {}
    for f in offers:
        for key in (f.name, f.extension, *f.aliases, *f.media_types):
            table.setdefault(key.lower(), f)
    if html:
        table["html"] = HTML
        table["text/html"] = HTML
    return table


def _kind_text(offers: Sequence[Format]) -> str:
    """What the offers answer, for error messages (``a SELECT/ASK query``)."""
    kinds = {f.kind for f in offers if f is not HTML}
    kind = kinds.pop() if len(kinds) == 1 else ""
    return {"results": "a SELECT/ASK query", "graph": "RDF (a CONSTRUCT/DESCRIBE query or a resource)"}.get(
        kind, "this request")
