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
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
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
    prepared = prepare(shapes, shape, constraint)
    return None if prepared is None else prepared[1]


def prepare(shapes: Graph, shape: Node, constraint: Node) -> tuple[str, Batch | None] | None:
    """(the constraint's query with its prefixes, ``$PATH`` and ``$currentShape`` filled in; the
    :class:`Batch` for all focus nodes, or None when the shape's targets cannot be written into a query),
    or None when the rewrite would not keep SHACL's pre-binding exact (see the module text)."""
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
    prefixes = prefixes_of(shapes, constraint) + "\n"
    targets = _targets(shapes, shape)
    made = None
    if targets is not None:
        joined = semi_joins(text, prefixes)
        where = _WHERE.search(joined)
        assert where is not None
        made = Batch(shape, constraint, prefixes + joined[:where.end()] + " " + targets + " " + joined[where.end():],
                     shapes.value(shape, SH.severity) or SH.Violation, path, path is not None)
    return prefixes + text, made


def run(store: ox.Store, batches: list[Batch], report_graph: Graph) -> int:
    """Add the results of ``batches`` on ``store`` to the SHACL report graph; how many."""
    report = next(iter(report_graph.subjects(RDF.type, SH.ValidationReport)), None)
    if report is None:
        report = BNode()
        report_graph.add((report, RDF.type, SH.ValidationReport))
    return sum(add_solutions(store.query(b.query), b, report_graph, report) for b in batches)


def add_solutions(solutions, b: Batch, report_graph: Graph, report: Node, this=None) -> int:
    """Add a result to ``report`` for each solution of ``b``'s query, as pySHACL makes them (``this``: the
    focus node when the query was run for one, with ``$this`` written into it); how many."""
    solutions = cast(ox.QuerySolutions, solutions)     # a SELECT (stubs: any result kind)
    names = [v.value for v in solutions.variables]
    seen = set()
    count = 0
    for row in solutions:
        values = {n: row[n] for n in names if row[n] is not None}
        if "failure" in values:
            raise ValueError(f"{b.shape}: the SPARQL constraint reports a failure")
        focus_term = values.pop("this", this)
        if focus_term is None:
            continue
        path = values.pop("path", None)
        value = values.pop("value", None)
        key = (focus_term, path, value, tuple(sorted(values.items(), key=lambda kv: kv[0])))
        if key in seen:
            continue
        seen.add(key)
        focus = from_ox(focus_term)
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


# ---------------------------------------------------------------- FILTER (NOT) EXISTS as joins

_SCAN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*|\{|\}'
                   r'|\bFILTER\s+(?:(NOT)\s+)?EXISTS\s*\{', re.IGNORECASE)
_THIS_VAR = re.compile(r"[?$]this(?![\w\u00B7\u00C0-\uFFFF])")
_VARIABLE = re.compile(r"[?$]([A-Za-z_0-9\u00B7\u00C0-\uFFFF]+)")
_NOT_PLAIN = re.compile(r"\b(BIND|VALUES|SERVICE|GRAPH|OPTIONAL|MINUS|UNION|SELECT|EXISTS)\b", re.IGNORECASE)


def semi_joins(text: str, prefixes: str = "", *, this_bound: bool = True) -> str:
    """``text`` (a SELECT) with each ``FILTER NOT EXISTS { P }`` / ``FILTER EXISTS { P }`` of a group turned
    into ``MINUS { P }`` / a join with ``{ SELECT DISTINCT <shared> WHERE { P } }`` at the end of that group,
    where that gives the same solutions. ``this_bound``: ``$this`` is bound in every solution of the outer
    group (a batched constraint joins the focus nodes there).

    Oxigraph evaluates an EXISTS pattern for each solution without starting from the variables the solution
    binds, so a batched constraint (:func:`prepare`: all focus nodes in one query) grows with the square of
    the data; a MINUS or a join evaluates P once. The two agree when (SPARQL 1.1 §8.3) P is triple patterns
    and FILTERs only, every variable a FILTER of P reads is bound by P's triple patterns, and the variables
    P shares with the rest of its group are not empty and bound in every solution of that group (by its
    triple patterns or a BIND outside OPTIONAL, UNION and MINUS; ``$this`` as ``this_bound`` says, in the
    outer group only): then P has a solution with a group solution's values exactly when it has one on its
    own that agrees on those variables. Anything else is left as it is."""
    if "\\u" in text or "\\U" in text:     # decoded before parsing: the scan below would not see them
        return text
    groups: list[dict] = []
    stack: list[dict] = []
    for m in _SCAN.finditer(text):
        token = m.group(0)
        if token[0] in "\"'<#":
            continue
        if token == "}":
            if not stack:
                return text
            group = stack.pop()
            group["end"] = m.start()
            if group.get("exists") is not None and stack:
                parent = group["exists"]
                parent["spans"].append((group["from"], m.end(), group["negated"], text[group["start"]:m.start()]))
            continue
        group = {"start": m.end(), "spans": [], "outer": not stack}
        if token != "{":                # FILTER (NOT) EXISTS {
            group.update(exists=stack[-1] if stack else None, negated=m.group(1) is not None, **{"from": m.start()})
        stack.append(group)
        groups.append(group)
    if stack:
        return text
    edits: list[tuple[int, int, str]] = []
    for group in groups:
        if not group["spans"]:
            continue
        body = text[group["start"]:group["end"]]
        outside = body
        for start, end, _, _ in sorted(group["spans"], reverse=True):
            outside = outside[:start - group["start"]] + " " + outside[end - group["start"]:]
        bound = _bound_in(prefixes, outside)
        if bound is None:
            continue
        known = {"this"} if group["outer"] and this_bound else set()
        bound |= known
        added = []
        for start, end, negated, inner in group["spans"]:
            shared = _shared(prefixes, inner, outside, bound, known)
            if shared is None or (this_bound and not group["outer"] and _THIS_VAR.search(inner)):
                continue                # (pre-bound, $this is the focus node in P: not a variable of its own)
            edits.append((start, end, " "))
            if negated:
                added.append(f"MINUS {{ {inner} }}")
            else:
                names = " ".join(f"?{v}" for v in sorted(shared))
                added.append(f"{{ SELECT DISTINCT {names} WHERE {{ {inner} }} }}")
        if added:
            edits.append((group["end"], group["end"], " " + " ".join(added) + " "))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _algebra(text: str):
    try:
        return prepareQuery(text).algebra
    except Exception:  # rdflib raises several parser exception types
        return None


def _bound_in(prefixes: str, body: str) -> set | None:
    """The variables bound in every solution of the group pattern ``body`` (:func:`_bound`)."""
    algebra = _algebra(f"{prefixes}\nSELECT * WHERE {{ {body} }}")
    return None if algebra is None else _bound(algebra)


def _bound(node) -> set:
    """The variables every solution of an algebra node binds: triple patterns; a BIND of a constant; both
    sides of a join, both branches of a UNION, the left of OPTIONAL and MINUS; a sub-select's projection."""
    if not isinstance(node, CompValue):
        return set()
    name = node.name
    if name == "BGP":
        return {str(t) for triple in node.triples for t in triple if isinstance(t, Variable)}
    if name == "Extend":
        constant = isinstance(node.expr, (URIRef, Literal))
        return _bound(node.p) | ({str(node.var)} if constant else set())
    if name == "Join":
        return _bound(node.p1) | _bound(node.p2)
    if name in ("LeftJoin", "Minus"):
        return _bound(node.p1)
    if name == "Union":
        return _bound(node.p1) & _bound(node.p2)
    if name == "Project":
        return _bound(node.p) & {str(v) for v in node.PV}
    if name in ("Filter", "Distinct", "Reduced", "Slice", "OrderBy", "ToMultiSet", "SelectQuery"):
        return _bound(node.p)
    return set()


def _shared(prefixes: str, inner: str, outside: str, bound: set, known: set) -> set | None:
    """The variables ``inner`` shares with ``outside`` when the rewrite keeps the solutions, else None."""
    if "{" in _strip(inner) or _NOT_PLAIN.search(_strip(inner)):
        return None
    algebra = _algebra(f"{prefixes}\nSELECT * WHERE {{ {inner} }}")
    if algebra is None:
        return None
    in_triples: set = set()
    in_filters: set = set()

    def walk(node) -> None:
        if isinstance(node, (list, tuple)):
            for item in node:
                walk(item)
        elif isinstance(node, CompValue):
            if node.name == "BGP":
                in_triples.update(str(t) for triple in node.triples for t in triple if isinstance(t, Variable))
            elif node.name == "Filter":
                in_filters.update(str(v) for v in _variables(node.expr))
            for key, value in node.items():
                if key not in ("_vars", "expr"):
                    walk(value)
    walk(algebra)
    if not in_filters <= in_triples:
        return None
    used_outside = {m.group(1) for m in _VARIABLE.finditer(_strip(outside))} | known
    shared = in_triples & used_outside
    if not shared or not shared <= bound:
        return None
    return shared


def _variables(expr):
    if isinstance(expr, Variable):
        yield expr
    elif isinstance(expr, (list, tuple)):
        for item in expr:
            yield from _variables(item)
    elif isinstance(expr, CompValue):
        for key, value in expr.items():
            if key != "_vars":
                yield from _variables(value)


def _strip(text: str) -> str:
    """``text`` without its strings, IRIs and comments (so the braces and names left are the query's)."""
    return _SCAN.sub(lambda m: " " if m.group(0)[0] in "\"'<#" else m.group(0), text)
