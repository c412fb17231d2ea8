"""The SHACL report of a generation, per resource and per shape, and the data-quality page.

Each generation folder holds ``validation.ttl``, the SHACL validation report
of the catalogue written at load time. It is read once per generation (rdflib;
it is small) into :class:`Report`: results by focus node and by shape. Each
result is told in plain language: the result's own ``sh:resultMessage``, else
the shape's ``sh:message`` from the store, in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, render_template
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from ..labels import pick
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


def _literals(graph: Graph, node, prop) -> dict[str, str]:
    out: dict[str, str] = {}
    for o in graph.objects(node, prop):
        if isinstance(o, Literal):
            out.setdefault((o.language or "").lower(), str(o))
    return out


def _shape_messages(snap: Snapshot, shape: str) -> dict[str, str]:
    import pyoxigraph as ox
    out: dict[str, str] = {}
    for q in snap.store.quads(ox.NamedNode(shape), ox.NamedNode(str(SH.message)), None, None):
        if isinstance(q.object, ox.Literal):
            out.setdefault((q.object.language or "").lower(), q.object.value)
    return out


def read_report(snap: Snapshot) -> Report:
    path = Path(snap.gen.path) / "validation.ttl"
    try:
        data = path.read_bytes()
    except OSError:
        return Report(available=False)
    if not data.strip():
        return Report(available=False)
    graph = Graph()
    graph.parse(data=data, format="turtle")
    report_node = next(graph.subjects(RDF.type, SH.ValidationReport), None)
    if report_node is None:
        return Report(available=False)
    conforms = graph.value(report_node, SH.conforms)
    report = Report(available=True, conforms=bool(conforms.toPython()) if conforms is not None else None)
    for node in graph.objects(report_node, SH.result):
        focus = graph.value(node, SH.focusNode)
        sev = graph.value(node, SH.resultSeverity)
        shape = graph.value(node, SH.sourceShape)
        path_ = graph.value(node, SH.resultPath)
        value = graph.value(node, SH.value)
        comp = graph.value(node, SH.sourceConstraintComponent)
        shape_iri = str(shape) if isinstance(shape, URIRef) else None
        messages = _literals(graph, node, SH.resultMessage)
        if shape_iri:
            messages = {**messages, **_shape_messages(snap, shape_iri)} if not messages or \
                set(messages) == {""} else messages
        result = Result(
            focus=str(focus) if isinstance(focus, URIRef) else None,
            severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation",
            shape=shape_iri, messages=messages,
            path=str(path_) if isinstance(path_, URIRef) else None,
            value=None if value is None or isinstance(value, BNode) else str(value),
            value_is_iri=isinstance(value, URIRef),
            component=str(comp).rsplit("#", 1)[-1] if comp else None)
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
        return render_template("quality.html", report=rep, groups=rep.by_shape(), counts=counts,
                               lang=reader_lang())
    return conditional(HTML, lambda: _html(make()))


def _html(body: str):
    from flask import Response
    return Response(body, mimetype="text/html")
