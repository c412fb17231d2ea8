"""An answer (SPARQL JSON or N-Triples bytes) as rows of cells for the HTML result table.

IRIs link into the linked-data browser (``app.web.urls.local_url``) and show
their label when the browser's per-generation label index is available.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox

from ..namespaces import qname

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


def _local_url(iri: str) -> str:
    try:
        from ..web.urls import local_url
        return local_url(iri)
    except Exception:  # the browser is not there (yet), or the IRI is not one of ours
        from flask import current_app
        base = current_app.config["KETENGRAAF"].public_base
        if iri.startswith(base + "id/"):
            return "/" + iri[len(base):]
        return iri


def _labels():
    try:
        from ..web.snapshot import snapshot
        return snapshot().labels
    except Exception:
        return None


def _iri_cell(iri: str, labels, lang: str) -> Cell:
    text = None
    if labels is not None and labels.has_label(iri):
        text = labels.label(iri, lang)
    return Cell(text or qname(iri) or iri, _local_url(iri), iri, "uri")


def _json_cell(term: dict | None, labels, lang: str) -> Cell:
    if term is None:
        return Cell("", kind="empty")
    typ, value = term.get("type"), term.get("value", "")
    if typ == "uri":
        return _iri_cell(value, labels, lang)
    if typ == "bnode":
        return Cell("_:" + value, kind="bnode")
    if typ == "triple":
        return Cell(json.dumps(value), kind="literal")
    title = term.get("xml:lang") and "@" + term["xml:lang"] or term.get("datatype")
    return Cell(value, title=title)


def _ox_cell(term, labels, lang: str) -> Cell:
    if isinstance(term, ox.NamedNode):
        return _iri_cell(term.value, labels, lang)
    if isinstance(term, ox.BlankNode):
        return Cell("_:" + term.value, kind="bnode")
    if isinstance(term, ox.Literal):
        return Cell(term.value, title=("@" + term.language) if term.language else term.datatype.value)
    return Cell(str(term))


def result_table(body: bytes, kind: str, lang: str) -> Table:
    labels = _labels()
    if kind == "graph":
        triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        rows = [[_ox_cell(t.subject, labels, lang), _ox_cell(t.predicate, labels, lang),
                 _ox_cell(t.object, labels, lang)] for t in triples[:MAX_ROWS_SHOWN]]
        return Table(["subject", "predicate", "object"], rows, len(triples))
    data = json.loads(body)
    if "boolean" in data:
        return Table([], [], 0, boolean=bool(data["boolean"]))
    columns = data["head"].get("vars", [])
    bindings = data["results"]["bindings"]
    rows = [[_json_cell(b.get(c), labels, lang) for c in columns] for b in bindings[:MAX_ROWS_SHOWN]]
    return Table(columns, rows, len(bindings))
