"""The validation report model: what a person (or the web layer) needs of a SHACL report.

A :class:`Report` wraps the SHACL report graph (``sh:ValidationReport``) and
reads its results into :class:`Result` objects: focus node and its labels,
shape ID, severity, messages per language, path, offending value and the source
file of the focus node. The graph written to ``validation.ttl`` carries the
focus labels (``skos:prefLabel`` / ``rdfs:label``) and each result's source file
(``dcterms:source``) too, so :func:`read_report` gives back the same model.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from ..errors import InputError

SHAPES_NS = "https://w3id.org/ketengraaf/def/shapes#"
SEVERITIES = ("Violation", "Warning", "Info")          # most severe first
LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label)


def _pick(texts: dict[str, str], lang: str) -> str | None:
    """The text in ``lang``, else Dutch or English, else one without language, else any."""
    for key in (lang, "nl", "en", ""):
        if key in texts:
            return texts[key]
    return next(iter(texts.values()), None)


def _local(iri: Node | None) -> str | None:
    if iri is None:
        return None
    text = str(iri)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]


def path_text(graph: Graph, path: Node | None) -> str | None:
    """A SHACL property path as SPARQL-like text (``keten:heeftDoel`` is shown as its IRI)."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (path_text(graph, inverse) or "?")
    if graph.value(path, RDF.first) is not None:
        return "/".join(path_text(graph, p) or "?" for p in graph.items(path))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(graph, p) or "?" for p in graph.items(alternatives)) + ")"
    for prop, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, prop)
        if inner is not None:
            return (path_text(graph, inner) or "?") + mark
    return str(path)


@dataclass(frozen=True)
class Result:
    focus: Node
    shape: Node
    severity: str                       # Violation | Warning | Info
    messages: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    value: Node | None = None
    labels: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    component: str | None = None        # e.g. MinCountConstraintComponent
    since: str | None = None            # when the catalogue first had this result (ISO time of that load)
    node: Node | None = None            # the result's node in the report graph

    @property
    def key(self) -> tuple:
        """What makes two results (of two loads) the same result."""
        return (str(self.focus), str(self.shape), self.severity, self.path or "", str(self.value))

    @property
    def shape_id(self) -> str:
        text = str(self.shape)
        return text[len(SHAPES_NS):] if text.startswith(SHAPES_NS) else (
            (_local(self.shape) or "") if isinstance(self.shape, URIRef) else text)

    def message(self, lang: str = "nl") -> str:
        return _pick(self.messages, lang) or f"{self.shape_id}: {self.component or 'constraint'} failed"

    def label(self, lang: str = "nl") -> str | None:
        return _pick(self.labels, lang)


def _text_or_none(node: Node | None) -> str | None:
    return None if node is None else str(node)


def _texts(graph: Graph, subject: Node, predicate) -> dict[str, str]:
    out: dict[str, str] = {}
    for o in sorted(graph.objects(subject, predicate), key=str):
        if isinstance(o, Literal):
            out.setdefault(o.language or "", str(o))
    return out


def _labels(graph: Graph, node: Node) -> dict[str, str]:
    for prop in LABEL_PROPERTIES:
        found = _texts(graph, node, prop)
        if found:
            return found
    return {}


class Report:
    def __init__(self, graph: Graph, results: list[Result], took: float | None = None):
        self.graph = graph
        self.took = took
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        self.results = sorted(results, key=lambda r: (r.source or "~", str(r.focus), rank.get(r.severity, 9),
                                                      r.shape_id, r.path or "", str(r.value)))

    @classmethod
    def from_graph(cls, graph: Graph, *, data_graph: Graph | None = None, sources: dict | None = None,
                   took: float | None = None) -> Report:
        """Read a SHACL report graph. With ``data_graph``, focus labels and source files are
        looked up and written into the report graph; without, they are read from it."""
        results = []
        for node in graph.subjects(RDF.type, SH.ValidationResult):
            focus = graph.value(node, SH.focusNode)
            shape = graph.value(node, SH.sourceShape)
            assert focus is not None and shape is not None     # SHACL: each result has exactly one of each
            if data_graph is not None:
                labels = _labels(data_graph, focus)
                source = (sources or {}).get(focus)
                for prop in LABEL_PROPERTIES:
                    for o in data_graph.objects(focus, prop):
                        graph.add((focus, prop, o))
                if source:
                    graph.set((node, DCTERMS.source, Literal(source)))
            else:
                labels = _labels(graph, focus)
                found = graph.value(node, DCTERMS.source)
                source = str(found) if found is not None else None
            results.append(Result(
                focus=focus, shape=shape,
                severity=_local(graph.value(node, SH.resultSeverity)) or "Violation",
                messages=_texts(graph, node, SH.resultMessage),
                path=path_text(graph, graph.value(node, SH.resultPath)),
                value=graph.value(node, SH.value), labels=labels, source=source,
                component=_local(graph.value(node, SH.sourceConstraintComponent)),
                since=_text_or_none(graph.value(node, DCTERMS.created)), node=node))
        for report in graph.subjects(RDF.type, SH.ValidationReport):   # SHACL §3.6.1: true iff no results
            graph.set((report, SH.conforms, Literal(not results)))
        return cls(graph, results, took)

    def mark_since(self, previous: Report | None, now: str, shapes_version: str) -> None:
        """Record in the report graph when each result first appeared (``dcterms:created``): the time
        ``previous`` gives for the same result, else ``now``; and on the report, this load's time and
        the version (content hash) of the shapes that made it."""
        first = {r.key: r.since for r in previous.results if r.since} if previous is not None else {}
        marked = []
        for r in self.results:
            since = first.get(r.key, now)
            if r.node is not None:
                self.graph.set((r.node, DCTERMS.created, Literal(since, datatype=XSD.dateTime)))
            marked.append(replace(r, since=since))
        self.results = marked
        for report in self.graph.subjects(RDF.type, SH.ValidationReport):
            self.graph.set((report, DCTERMS.created, Literal(now, datatype=XSD.dateTime)))
            self.graph.set((report, OWL.versionInfo, Literal(f"shapes {shapes_version}")))

    # ---- summaries
    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> int:
        return self.count("Violation")

    @property
    def warnings(self) -> int:
        return self.count("Warning")

    @property
    def infos(self) -> int:
        return self.count("Info")

    @property
    def conforms(self) -> bool:
        """SHACL's ``sh:conforms`` (§3.6.1): no validation results at all, of any severity."""
        return not self.results

    def acceptable(self, strict: bool = False) -> bool:
        """Good enough to pass (exit 0, load without complaint): no violations; with ``strict``,
        no warnings either. Infos never fail."""
        return self.violations == 0 and not (strict and self.warnings)

    def summary(self) -> dict:
        return {"conforms": self.conforms, "violations": self.violations,
                "warnings": self.warnings, "infos": self.infos}

    # ---- lookups
    def results_for(self, iri: str | Node) -> list[Result]:
        """Results whose focus node is ``iri``."""
        key = str(iri)
        return [r for r in self.results if str(r.focus) == key]

    def by_focus(self) -> dict[Node, list[Result]]:
        groups: dict[Node, list[Result]] = {}
        for r in self.results:
            groups.setdefault(r.focus, []).append(r)
        return groups


def read_report_bytes(data: bytes) -> Report:
    """A stored report's Turtle, read back into the model."""
    g = Graph()
    try:
        g.parse(data=data, format="turtle")
    except Exception as exc:  # rdflib raises several parser exception types
        raise InputError(f"not a readable Turtle report: {exc}") from None
    return Report.from_graph(g)


def read_report(path: str | Path) -> Report:
    """Read a stored report (``validation.ttl`` of a generation) back into the model."""
    path = Path(path)
    g = Graph()
    try:
        g.parse(path, format="turtle")
    except FileNotFoundError:
        raise InputError(f"{path}: no such validation report") from None
    except Exception as exc:  # rdflib raises several parser exception types
        raise InputError(f"{path}: not a readable Turtle report: {exc}") from None
    return Report.from_graph(g)
