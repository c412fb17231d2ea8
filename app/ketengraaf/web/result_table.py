"""An answer (SPARQL JSON or N-Triples bytes) as rows of cells for the HTML result table.

IRIs link into the linked-data browser (:func:`ketengraaf.web.urls.local_url`) and show
their label from the browser's per-generation label index.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox

from ..namespaces import qname
from .snapshot import snapshot
from .urls import local_url

MAX_ROWS_SHOWN = 1000


@dataclass
class Cell:
    text: str
    href: str | None = None
    title: str | None = None      # the full IRI or the datatype
    kind: str = "literal"          # uri / literal / bnode / empty


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    total: int
    boolean: bool | None = None

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def _iri_cell(iri: str, snap, lang: str) -> Cell:
    labels = snap.labels
    text = labels.label(iri, lang) if labels.has_label(iri) else None
    return Cell(text or qname(iri) or iri, local_url(iri, known=snap.subjects), iri, "uri")


def _json_cell(term: dict | None, snap, lang: str) -> Cell:
    if term is None:
        return Cell("", kind="empty")
    typ, value = term.get("type"), term.get("value", "")
    if typ == "uri":
        return _iri_cell(value, snap, lang)
    if typ == "bnode":
        return Cell("_:" + value, kind="bnode")
    if typ == "triple":
        return Cell(json.dumps(value), kind="literal")
    title = term.get("xml:lang") and "@" + term["xml:lang"] or term.get("datatype")
    return Cell(value, title=title)


def _ox_cell(term, snap, lang: str) -> Cell:
    if isinstance(term, ox.NamedNode):
        return _iri_cell(term.value, snap, lang)
    if isinstance(term, ox.BlankNode):
        return Cell("_:" + term.value, kind="bnode")
    if isinstance(term, ox.Literal):
        return Cell(term.value, title=("@" + term.language) if term.language else term.datatype.value)
    return Cell(str(term))


def result_table(body: bytes, kind: str, lang: str) -> Table:
    snap = snapshot()            # labels and subjects of the current generation, once per table
    if kind == "graph":
        triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        rows = [[_ox_cell(t.subject, snap, lang), _ox_cell(t.predicate, snap, lang),
                 _ox_cell(t.object, snap, lang)] for t in triples[:MAX_ROWS_SHOWN]]
        return Table(["subject", "predicate", "object"], rows, len(triples))
    data = json.loads(body)
    if "boolean" in data:
        return Table([], [], 0, boolean=bool(data["boolean"]))
    columns = data["head"].get("vars", [])
    bindings = data["results"]["bindings"]
    rows = [[_json_cell(b.get(c), snap, lang) for c in columns] for b in bindings[:MAX_ROWS_SHOWN]]
    return Table(columns, rows, len(bindings))
