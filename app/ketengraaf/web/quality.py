"""The SHACL report of a generation, per resource and per shape, and the data-quality page.

Each generation holds the SHACL validation report of the catalogue as the named graph
``graph/validatie`` (written by the load, and brought up to date by every write). It is read once per
generation through the store into :class:`Report`: results by focus node and by shape. Each
result is told in plain language: the result's own ``sh:resultMessage``, else
the shape's ``sh:message`` from the store, in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, render_template
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH

from ..labels import pick
from ..loading import REPORT_GRAPH
from ..validation.engine import add_triples
from ..validation.report import Report as ValidationReport
from .http import HTML, conditional
from .i18n import reader_lang
from .snapshot import Snapshot, snapshot

bp = Blueprint("quality", __name__)

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass
class Result:
    focus: str | None
    severity: str                       # Violation | Warning | Info
    shape: str | None                   # IRI, or None for an anonymous shape
    messages: dict[str, str]            # language -> text
    path: str | None = None
    value: str | None = None
    value_is_iri: bool = False
    component: str | None = None
    path_text: str | None = None        # a complex path (inverse, sequence) as text
    since: str | None = None            # when the catalogue first had this result (ISO time of that load)

    def message(self, lang: str) -> str:
        got = pick(self.messages, lang)
        if got:
            return got[0]
        return self.component or "?"


@dataclass
class Report:
    available: bool
    conforms: bool | None = None
    results: list[Result] = field(default_factory=list)
    by_focus: dict[str, list[Result]] = field(default_factory=dict)

    def for_focus(self, iri: str) -> list[Result]:
        return self.by_focus.get(iri, [])

    def by_shape(self) -> list[tuple[str | None, list[Result]]]:
        groups: dict[str | None, list[Result]] = {}
        for r in self.results:
            groups.setdefault(r.shape, []).append(r)
        return sorted(groups.items(), key=lambda kv: (min(SEVERITY_ORDER.get(r.severity, 3) for r in kv[1]),
                                                      kv[0] or "~"))


def _shape_messages(snap: Snapshot, shape: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for q in snap.store.quads(ox.NamedNode(shape), ox.NamedNode(str(SH.message)), None, None):
        if isinstance(q.object, ox.Literal):
            out.setdefault((q.object.language or "").lower(), q.object.value)
    return out


def read_report(snap: Snapshot) -> Report:
    """The generation's report (the graph ``graph/validatie``, read through the store), indexed for pages."""
    quads = list(snap.store.quads(graph=REPORT_GRAPH))
    if not quads:
        return Report(available=False)
    stored = ValidationReport.from_graph(add_triples(Graph(), quads))
    report = Report(available=True, conforms=stored.conforms)
    for r in stored.results:
        shape_iri = str(r.shape) if isinstance(r.shape, URIRef) else None
        messages = dict(r.messages)
        if shape_iri and set(messages) <= {""}:     # no language-tagged message: the shape's own
            messages = {**messages, **_shape_messages(snap, shape_iri)}
        simple = bool(r.path and r.path.startswith(("http://", "https://")) and "/http" not in r.path
                      and r.path[-1] not in "*+?)")
        path_iri = r.path if simple else None
        result = Result(
            focus=str(r.focus) if isinstance(r.focus, URIRef) else None,
            severity=r.severity, shape=shape_iri, messages=messages,
            path=path_iri, path_text=None if path_iri else r.path,
            value=None if r.value is None or isinstance(r.value, BNode) else str(r.value),
            value_is_iri=isinstance(r.value, URIRef), component=r.component, since=r.since)
        report.results.append(result)
        if result.focus:
            report.by_focus.setdefault(result.focus, []).append(result)
    report.results.sort(key=lambda r: (SEVERITY_ORDER.get(r.severity, 3), r.shape or "~", r.focus or ""))
    for lst in report.by_focus.values():
        lst.sort(key=lambda r: (SEVERITY_ORDER.get(r.severity, 3), r.shape or ""))
    return report


def report(snap: Snapshot | None = None) -> Report:
    snap = snap or snapshot()
    return snap.extra("validation-report", read_report)


@bp.get("/quality")
def quality_page():
    def make():
        snap = snapshot()
        rep = report(snap)
        counts = {"Violation": 0, "Warning": 0, "Info": 0}
        for r in rep.results:
            counts[r.severity] = counts.get(r.severity, 0) + 1
        allowed = bool((snap.gen.extra.get("validation") or {}).get("allowed_violations"))
        writes = int(snap.gen.extra.get("writes", 0))
        last = snap.gen.extra.get("last_write") or {}
        written = sorted(s.graph for s in snap.gen.sources if s.written)
        return render_template("quality.html", report=rep, groups=rep.by_shape(), counts=counts,
                               lang=reader_lang(), allowed=allowed, writes=writes, last_write=last, written=written)
    return conditional(HTML, lambda: _html(make()))


def _html(body: str):
    return Response(body, mimetype="text/html")
