"""SHACL-SPARQL constraints of a full validation, evaluated once per constraint on Oxigraph (issue 15).

pySHACL runs a SPARQL constraint once per focus node, on rdflib: that was most of a full validation's
time. Here each constraint runs once for all its focus nodes: the shape's targets become a sub-select
``{ SELECT DISTINCT ?this WHERE { targets } }`` put first in the query's outer group, so every pattern and
FILTER of that group sees ``$this`` bound, as SHACL's pre-binding does (SPARQL's ``$this`` and ``?this``
are one variable). Each solution becomes a result the way pySHACL makes it: focus ``?this``, value
``?value`` (else the focus node, for a node shape), path ``?path`` (else the shape's ``sh:path``),
solutions that agree on ``this``, ``path``, ``value`` and the other projected variables once.

Only what that rewrite keeps exact is taken out of pySHACL's hands (:func:`split`); a constraint with
its own ``sh:message``, without a ``WHERE {``, in a shape without targets or with an implicit class
target, with ``$this`` inside a sub-select, MINUS or OPTIONAL (where pre-binding and a join differ), or
whose messages have no language (pySHACL's template filling would be needed), stays with pySHACL.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from .portable import from_ox, path_sparql, prefixes_of, to_ox

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_PATH = re.compile(r"\$PATH(?![\w\u00B7\u00C0-\uFFFF])")
_SHAPE = re.compile(r"[?$]currentShape(?![\w\u00B7\u00C0-\uFFFF])")
_RISKY = re.compile(r"\b(SELECT|MINUS|OPTIONAL|SERVICE|GRAPH)\b", re.IGNORECASE)
_RDF_TYPE = f"<{RDF.type}>"
_SUBCLASS = f"<{RDFS.subClassOf}>"


@dataclass(frozen=True)
class Batch:
    shape: Node
    constraint: Node
    query: str
    severity: Node
    path: Node | None
    property_shape: bool


def _term(node: Node) -> str | None:
    if isinstance(node, BNode):
        return None                     # cannot be written into a query
    return str(to_ox(node))


def _targets(shapes: Graph, shape: Node) -> str | None:
    """The shape's targets as a group pattern binding ``?this``; None when one cannot be written."""
    parts = []
    for cls in shapes.objects(shape, SH.targetClass):
        t = _term(cls)
        if t is None:
            return None
        parts.append(f"{{ ?this {_RDF_TYPE}/{_SUBCLASS}* {t} }}")
    nodes = [_term(n) for n in shapes.objects(shape, SH.targetNode)]
    if None in nodes:
        return None
    if nodes:
        parts.append("{ VALUES ?this { " + " ".join(cast(list[str], nodes)) + " } }")
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        parts.append(f"{{ ?this {_term(p)} ?kgTargetObject }}")
    for p in shapes.objects(shape, SH.targetObjectsOf):
        parts.append(f"{{ ?kgTargetSubject {_term(p)} ?this }}")
    if not parts or (shape, SH.target, None) in shapes:
        return None
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"


def split(shapes: Graph) -> tuple[Graph, list[Batch]]:
    """(the shapes pySHACL still validates, the SPARQL constraints to run here). ``shapes`` must have its
    SPARQL-based targets resolved already (``engine.resolve_sparql_targets``)."""
    batches: list[Batch] = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql), key=str):
        if (shape, SH.deactivated, Literal(True)) in shapes:
            continue
        batch = _batch(shapes, shape, constraint)
        if batch is not None:
            batches.append(batch)
    if not batches:
        return shapes, []
    taken = {(b.shape, b.constraint) for b in batches}
    rest = Graph()
    for s, p, o in shapes:
        if p == SH.sparql and (s, o) in taken:
            continue
        rest.add((s, p, o))
    return rest, batches


def _batch(shapes: Graph, shape: Node, constraint: Node) -> Batch | None:
    select = shapes.value(constraint, SH.select)
    if select is None or (constraint, SH.message, None) in shapes:
        return None
    if (constraint, SH.deactivated, Literal(True)) in shapes:
        return None
    messages = [m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)]
    if not messages or not any(m.language for m in messages):
        return None
    if (shape, RDF.type, RDFS.Class) in shapes:
        return None
    targets = _targets(shapes, shape)
    if targets is None:
        return None
    text = str(select)
    where = _WHERE.search(text)
    if where is None or len(_RISKY.findall(text)) != 1:          # one SELECT: the outer one
        return None
    path = shapes.value(shape, SH.path)
    if isinstance(path, BNode) or not _this_only_where_joins_agree(text):
        return None
    if _PATH.search(text):
        if path is None:
            return None
        text = _PATH.sub(path_sparql(shapes, path).replace("\\", "\\\\"), text)
    if _SHAPE.search(text):
        if not isinstance(shape, URIRef):
            return None
        text = _SHAPE.sub(f"<{shape}>", text)
    where = _WHERE.search(text)
    assert where is not None
    query = prefixes_of(shapes, constraint) + "\n" + text[:where.end()] + " " + targets + " " + text[where.end():]
    return Batch(shape, constraint, query, shapes.value(shape, SH.severity) or SH.Violation, path,
                 path is not None)


def run(store: ox.Store, batches: list[Batch], report_graph: Graph) -> int:
    """Add the results of ``batches`` on ``store`` to the SHACL report graph; how many."""
    report = next(iter(report_graph.subjects(RDF.type, SH.ValidationReport)), None)
    if report is None:
        report = BNode()
        report_graph.add((report, RDF.type, SH.ValidationReport))
    count = 0
    for b in batches:
        solutions = cast(ox.QuerySolutions, store.query(b.query))     # a SELECT (stubs: any result kind)
        names = [v.value for v in solutions.variables]
        seen = set()
        for row in solutions:
            values = {n: row[n] for n in names if row[n] is not None}
            if "failure" in values:
                raise ValueError(f"{b.shape}: the SPARQL constraint reports a failure")
            this = values.pop("this", None)
            if this is None:
                continue
            path = values.pop("path", None)
            value = values.pop("value", None)
            key = (this, path, value, tuple(sorted(values.items(), key=lambda kv: kv[0])))
            if key in seen:
                continue
            seen.add(key)
            focus = from_ox(this)
            result = BNode()
            add = report_graph.add
            add((report, SH.result, result))
            add((result, RDF.type, SH.ValidationResult))
            add((result, SH.focusNode, focus))
            add((result, SH.resultSeverity, b.severity))
            add((result, SH.sourceShape, b.shape))
            add((result, SH.sourceConstraint, b.constraint))
            add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
            shown = from_ox(value) if value is not None else (None if b.property_shape else focus)
            if shown is not None:
                add((result, SH.value, shown))
            result_path = from_ox(path) if path is not None else b.path
            if result_path is not None:
                _copy_path(report_graph, result, result_path, b)
            count += 1
    return count


def _copy_path(report_graph: Graph, result: Node, path: Node, batch: Batch) -> None:
    report_graph.add((result, SH.resultPath, path))


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|#[^\n]*|\{|\}|\bEXISTS\b|\b(?:FILTER|BIND)\b|[?$]this\b',
                    re.IGNORECASE)


def _this_only_where_joins_agree(text: str) -> bool:
    """False when ``$this`` appears in a FILTER or BIND of a nested group that is not an EXISTS pattern:
    there pre-binding sees the focus node and a join (bottom-up) sees an unbound variable."""
    stack: list[str] = []           # "group" | "exists" per open brace
    pending_exists = False
    expression_from = None          # stack depth at which a FILTER/BIND expression started
    for m in _TOKEN.finditer(text):
        token = m.group(0)
        upper = token.upper()
        if token[0] in "\"'#":
            continue
        if upper == "EXISTS":
            pending_exists = True
        elif token == "{":
            stack.append("exists" if pending_exists else "group")
            pending_exists = False
        elif token == "}":
            if stack:
                stack.pop()
            if expression_from is not None and len(stack) < expression_from:
                expression_from = None
        elif upper in ("FILTER", "BIND"):
            expression_from = len(stack)
            nested = stack[1:]          # below the outer WHERE group
            if "group" in nested and "exists" not in nested:
                expression_from = -len(stack)      # a risky expression: watch for $this in it
        elif upper.endswith("THIS"):
            if expression_from is not None and expression_from < 0 and len(stack) == -expression_from:
                return False
    return True
