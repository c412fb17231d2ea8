"""Full SHACL validation of a catalogue on Oxigraph, each constraint once for all its focus nodes (issue 15).

pySHACL validates one focus node at a time on an rdflib graph: at 1M triples that took minutes and GBs
(the rdflib graph alone is about 1 GB). Here the data stays in an Oxigraph store (its default graph):

- each shape's focus nodes are found with one query per target (``sh:targetClass``: one
  ``rdf:type/rdfs:subClassOf*`` query per class; SPARQL-based targets as written);
- the SHACL Core constraints the shipped shapes use are checked in Python on the value nodes, read from
  the store by index lookups, with pySHACL's own rules for each constraint component (which value node is
  reported, how a datatype, a language or a pattern is matched; :func:`_check`);
- each SHACL-SPARQL constraint runs on Oxigraph once for all focus nodes (:mod:`.batch`: the targets
  joined in front of the query), or, when a property path is read inside ``FILTER (NOT) EXISTS`` (Oxigraph
  then evaluates the path for every focus node, so the batch grows with the square of the data), once per
  focus node with ``$this`` written into the query (:func:`.portable.prebind`);
- the report graph gets the results as pySHACL writes them, and the same message filling
  (``engine._language_tagged_messages``).

:func:`plan` decides whether a shapes graph can be validated here: every parameter of every shape must be
one this module implements, every shape with targets must have a language-tagged ``sh:message`` (pySHACL's
own message texts are not reproduced), every SPARQL constraint must be one :mod:`.batch` can rewrite. If
not, :class:`Unsupported`: the callers (``engine.validate_sources``, ``incremental.validate_store``) then
run pySHACL as before. ``tests/test_validation.py`` compares both on the shape examples, the shipped
catalogue and generated catalogues with injected defects.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime
from decimal import Decimal
from typing import Any, cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from . import batch
from .portable import from_ox, prebind, prefixes_of, to_ox

_DEFAULT = ox.DefaultGraph()
_RDF_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_ANY_BLANK = "ASK { { ?s ?p ?o FILTER (isBlank(?s)) } UNION { ?s ?p ?o FILTER (isBlank(?o)) } }"
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
# parameters that are not constraints (or are read with the shape: path, targets, SPARQL constraints)
_META = {SH[n] for n in ("name", "description", "message", "severity", "order", "group", "path", "targetClass",
                         "targetNode", "targetSubjectsOf", "targetObjectsOf", "target", "sparql", "prefixes",
                         "declare", "qualifiedMinCount", "qualifiedMaxCount", "flags", "defaultValue")}
_CHECKS = {SH[n] for n in ("minCount", "maxCount", "datatype", "nodeKind", "pattern", "languageIn", "uniqueLang",
                           "qualifiedValueShape", "hasValue", "class", "xone", "lessThanOrEquals")}
_NODE_KINDS = {          # sh:nodeKind -> (blank node, literal, IRI) allowed
    SH.BlankNode: (True, False, False), SH.IRI: (False, False, True), SH.Literal: (False, True, False),
    SH.BlankNodeOrIRI: (True, False, True), SH.BlankNodeOrLiteral: (True, True, False),
    SH.IRIOrLiteral: (False, True, True)}


class Unsupported(Exception):
    """The shapes use something this module does not implement: validate them with pySHACL."""


# ---------------------------------------------------------------- the shapes, compiled

@dataclass
class Check:
    component: URIRef                   # sh:...ConstraintComponent
    kind: str
    param: Any = None
    extra: Any = None


@dataclass
class Sparql:
    constraint: Node
    text: str                           # prefixes + the query, $PATH and $currentShape filled in
    batch: batch.Batch | None           # one query for all focus nodes; None: one query per focus node


@dataclass
class Shape:
    node: Node
    path: tuple | None                  # the compiled sh:path (None: a node shape)
    path_node: Node | None
    checks: list[Check] = field(default_factory=list)
    sparql: list[Sparql] = field(default_factory=list)
    severity: Node = SH.Violation


@dataclass
class Plan:
    shapes_graph: Graph
    tops: list[tuple[Shape, list]]      # (shape, its targets: [(kind, term or query)])


def _int(value: Node | None) -> int:
    if not isinstance(value, Literal) or not isinstance(value.value, int) or isinstance(value.value, bool):
        raise Unsupported(f"not an integer: {value!r}")
    return value.value


def _path(shapes: Graph, path: Node, inverse: bool = False) -> tuple:
    """A SHACL property path as a tree over pyoxigraph predicates, inverses pushed to the leaves."""
    if isinstance(path, URIRef):
        return ("i" if inverse else "p", ox.NamedNode(str(path)))
    inner = shapes.value(path, SH.inversePath)
    if inner is not None:
        return _path(shapes, inner, not inverse)
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return ("alt", [_path(shapes, p, inverse) for p in shapes.items(alternatives)])
    for prop, tag in ((SH.zeroOrMorePath, "star"), (SH.oneOrMorePath, "plus"), (SH.zeroOrOnePath, "opt")):
        inner = shapes.value(path, prop)
        if inner is not None:
            return (tag, _path(shapes, inner, inverse))
    if shapes.value(path, RDF.first) is not None:
        steps = [_path(shapes, p, inverse) for p in shapes.items(path)]
        return ("seq", list(reversed(steps)) if inverse else steps)
    raise Unsupported(f"not a SHACL path: {path}")


def _compile(shapes: Graph, node: Node, seen: dict, *, top: bool) -> Shape:
    if node in seen:
        if seen[node] is None:
            raise Unsupported(f"recursive shape {node}")
        return seen[node]
    seen[node] = None
    path_node = shapes.value(node, SH.path)
    shape = Shape(node, _path(shapes, path_node) if path_node is not None else None, path_node,
                  severity=shapes.value(node, SH.severity) or SH.Violation)
    qualified = False
    for prop, obj in sorted(shapes.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
        if not str(prop).startswith(str(SH)) or prop in _META:
            continue
        if prop not in _CHECKS:
            raise Unsupported(f"{node}: {prop} is not implemented here")
        if len(list(shapes.objects(node, prop))) > 1:
            raise Unsupported(f"{node}: more than one {prop}")
        name = str(prop)[len(str(SH)):]
        if prop in (SH.minCount, SH.maxCount):
            shape.checks.append(Check(SH[name[0].upper() + name[1:] + "ConstraintComponent"], name, _int(obj)))
        elif prop == SH.datatype:
            shape.checks.append(Check(SH.DatatypeConstraintComponent, name, obj))
        elif prop == SH.nodeKind:
            if obj not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {obj}")
            shape.checks.append(Check(SH.NodeKindConstraintComponent, name, _NODE_KINDS[cast(URIRef, obj)]))
        elif prop == SH.pattern:
            shape.checks.append(Check(SH.PatternConstraintComponent, name, _pattern(shapes, node, obj)))
        elif prop == SH.languageIn:
            langs = set()
            for item in shapes.items(obj):
                if not isinstance(item, Literal) or not isinstance(item.value, str):
                    raise Unsupported("sh:languageIn with a member that is no string")
                langs.add(str(item.value).lower())
            shape.checks.append(Check(SH.LanguageInConstraintComponent, name, langs))
        elif prop == SH.uniqueLang:
            if obj == Literal(True):
                shape.checks.append(Check(SH.UniqueLangConstraintComponent, name))
            elif obj != Literal(False):
                raise Unsupported(f"sh:uniqueLang {obj!r}")
        elif prop == SH.qualifiedValueShape:
            if qualified or shapes.value(node, SH.qualifiedValueShapesDisjoint) is not None:
                raise Unsupported("several qualified value shapes, or sh:qualifiedValueShapesDisjoint")
            qualified = True
            low, high = shapes.value(node, SH.qualifiedMinCount), shapes.value(node, SH.qualifiedMaxCount)
            if low is None and high is None:
                raise Unsupported("sh:qualifiedValueShape without a count")
            shape.checks.append(Check(SH.QualifiedMinCountConstraintComponent, "qualified",
                                      _compile(shapes, obj, seen, top=False),
                                      (None if low is None else _int(low), None if high is None else _int(high))))
        elif prop == SH.hasValue:
            shape.checks.append(Check(SH.HasValueConstraintComponent, name, to_ox(obj)))
        elif prop == SH["class"]:
            if not isinstance(obj, URIRef):
                raise Unsupported("sh:class with a blank node")
            shape.checks.append(Check(SH.ClassConstraintComponent, "class", ox.NamedNode(str(obj))))
        elif prop == SH.xone:
            members = [_compile(shapes, m, seen, top=False) for m in shapes.items(obj)]
            if not members:
                raise Unsupported("an empty sh:xone")
            shape.checks.append(Check(SH.XoneConstraintComponent, name, members))
        elif prop == SH.lessThanOrEquals:
            if not isinstance(obj, URIRef):
                raise Unsupported("sh:lessThanOrEquals with a path")
            shape.checks.append(Check(SH.LessThanOrEqualsConstraintComponent, name, ox.NamedNode(str(obj))))
    for constraint in sorted(shapes.objects(node, SH.sparql), key=str):
        if not top:
            raise Unsupported("a SPARQL constraint in a nested shape")
        shape.sparql.append(_sparql(shapes, node, constraint))
    seen[node] = shape
    return shape


def _pattern(shapes: Graph, node: Node, pattern: Node) -> re.Pattern:
    """sh:pattern compiled as pySHACL compiles it (flags: only ``i`` and ``m``)."""
    if len(list(shapes.objects(node, SH.pattern))) != 1 or not isinstance(pattern, Literal):
        raise Unsupported("not exactly one literal sh:pattern")
    flags_found = list(shapes.objects(node, SH.flags))
    flags = 0
    if flags_found:
        text = str(cast(Literal, flags_found[0]).value).lower()
        flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
        if len(flags_found) > 1:
            raise Unsupported("several sh:flags")
    value = pattern.value
    return re.compile(str(value) if value is not None and len(value) > 1 else str(pattern), flags)


def _sparql(shapes: Graph, shape: Node, constraint: Node) -> Sparql:
    if (constraint, SH.deactivated, None) in shapes or (constraint, SH.ask, None) in shapes:
        raise Unsupported("a deactivated or ASK SPARQL constraint")
    prepared = batch.prepare(shapes, shape, constraint)
    if prepared is None:
        raise Unsupported(f"a SPARQL constraint of {shape} that cannot be run for all focus nodes at once")
    text, made = prepared
    _no_aggregates(text)
    return Sparql(constraint, text, made)


_AGGREGATE = re.compile(r"\b(COUNT|SUM|AVG|MIN|MAX|SAMPLE|GROUP_CONCAT|GROUP|HAVING)\b|\\[uU]", re.IGNORECASE)


def _no_aggregates(text: str) -> None:
    """Oxigraph 0.5.13's union default graph gives a triple once per graph holding it
    (shared/design/oxigraph-notes.md): rows repeat, which the results ignore, but a count would be
    wrong; and a codepoint escape could hide what the rewrites of :mod:`.batch` look for."""
    if _AGGREGATE.search(text):
        raise Unsupported("a SPARQL query with an aggregate or a codepoint escape")


def plan(shapes: Graph) -> Plan:
    """The shapes with targets, compiled; :class:`Unsupported` when this module cannot validate them."""
    seen: dict = {}
    tops = []
    implicit = {s for s in shapes.subjects(RDF.type, RDFS.Class)
                if any((s, RDF.type, t) in shapes for t in (SH.NodeShape, SH.PropertyShape))}
    roots = {s for s in shapes.subjects() if any((s, t, None) in shapes for t in _TARGETS)} | implicit
    for node in sorted(roots, key=str):
        messages = [m for m in shapes.objects(node, SH.message) if isinstance(m, Literal)]
        if not any(m.language for m in messages):
            raise Unsupported(f"{node}: no language-tagged sh:message")
        targets: list = []
        for cls in shapes.objects(node, SH.targetClass):
            if not isinstance(cls, URIRef):
                raise Unsupported("sh:targetClass with a blank node")
            targets.append(("class", ox.NamedNode(str(cls))))
        if node in implicit:
            targets.append(("class", to_ox(node)))
        targets += [("node", to_ox(n)) for n in shapes.objects(node, SH.targetNode)]
        for kind, prop in (("subjects", SH.targetSubjectsOf), ("objects", SH.targetObjectsOf)):
            for p in shapes.objects(node, prop):
                if not isinstance(p, URIRef):
                    raise Unsupported(f"{prop} with a blank node")
                targets.append((kind, ox.NamedNode(str(p))))
        for target in shapes.objects(node, SH.target):
            select = shapes.value(target, SH.select)
            if select is None:
                raise Unsupported(f"a target that is not a SPARQL target: {target}")
            prefixes = prefixes_of(shapes, target)
            _no_aggregates(str(select))
            targets.append(("select", prefixes + "\n" + batch.semi_joins(str(select), prefixes, this_bound=False)))
        tops.append((_compile(shapes, node, seen, top=True), targets))
    return Plan(shapes, tops)


# ---------------------------------------------------------------- the data

class Data:
    """Index lookups on the data of a store, with the class hierarchy cached: its default graph, or with
    ``union`` the union of all its graphs (a lookup may then give a triple more than once: its callers keep
    sets)."""

    def __init__(self, store: ox.Store, *, union: bool = False):
        self.store = store
        self.graph = None if union else _DEFAULT
        self.union = union
        self._super: dict = {}
        self._targets: dict = {}

    def query(self, text: str, **kwargs) -> ox.QuerySolutions:
        return cast(ox.QuerySolutions, self.store.query(text, use_default_graph_as_union=self.union, **kwargs))

    def quads(self, s, p, o) -> Iterable:
        return self.store.quads_for_pattern(s, p, o, self.graph)

    def objects(self, s, p) -> Iterable:
        if isinstance(s, ox.Literal):
            return ()
        return (q.object for q in self.quads(s, p, None))

    def subjects(self, p, o) -> Iterable:
        return (q.subject for q in self.quads(None, p, o))

    def values(self, node, path: tuple) -> set:
        tag = path[0]
        if tag == "p":
            return set(self.objects(node, path[1]))
        if tag == "i":
            return set(self.subjects(path[1], node))
        if tag == "seq":
            here = {node}
            for step in path[1]:
                here = {v for n in here for v in self.values(n, step)}
            return here
        if tag == "alt":
            return {v for step in path[1] for v in self.values(node, step)}
        if tag == "opt":
            return {node} | self.values(node, path[1])
        found = {node} if tag == "star" else set()       # star, plus
        todo = [node]
        reached = set()
        while todo:
            n = todo.pop()
            for v in self.values(n, path[1]):
                if v not in reached:
                    reached.add(v)
                    todo.append(v)
        return found | reached

    def superclasses(self, cls) -> set:
        """``cls`` and what it reaches by ``rdfs:subClassOf*``."""
        found = self._super.get(cls)
        if found is None:
            found = self._super[cls] = self.values(cls, ("star", ("p", _SUBCLASS)))
        return found

    def is_instance(self, node, cls) -> bool:
        return any(cls in self.superclasses(t) for t in self.objects(node, _RDF_TYPE))

    def focus_nodes(self, targets: list) -> list:
        """The nodes ``targets`` select (from :func:`plan`), each once; each target is evaluated once per
        :class:`Data` (shapes often share a target class)."""
        found: dict = {}
        for target in targets:
            kind, term = target
            if kind == "node":
                found[term] = None
                continue
            nodes = self._targets.get(target)
            if nodes is None:
                nodes = self._targets[target] = self._target(kind, term)
            found.update(nodes)
        return list(found)

    def _target(self, kind: str, term) -> dict:
        if kind == "class":
            rows = self.query(f"SELECT DISTINCT ?x WHERE {{ ?x <{RDF.type}>/<{RDFS.subClassOf}>* {term} }}")
            return dict.fromkeys(row["x"] for row in rows)
        if kind == "subjects":
            return dict.fromkeys(q.subject for q in self.quads(None, term, None))
        if kind == "objects":
            return dict.fromkeys(q.object for q in self.quads(None, term, None))
        return dict.fromkeys(row["this"] for row in self.query(term))


# ---------------------------------------------------------------- the constraint components

def _datatype_ok(v: Node, rule: Node) -> bool:
    """pySHACL's DatatypeConstraintComponent for one value node."""
    if not isinstance(v, Literal):
        return False
    if v.datatype == rule:
        return getattr(v, "ill_typed", None) is not True and _actual(v, rule)
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and rule == XSD.string:
        return _actual(v, rule)
    if rule == RDF.langString and v.language:
        return _actual(v, rule)
    return False


_KINDS: dict = {XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
                XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: dtime, XSD.dateTime: datetime}


def _actual(v: Literal, rule: Node) -> bool:
    """pySHACL's check that the literal's value is of the Python type of the datatype (others: true)."""
    wanted = _KINDS.get(cast(URIRef, rule))
    return True if wanted is None else isinstance(v.value, wanted)


def _string(v: Node) -> str:
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


def _language_ok(lang: str, wanted: set) -> bool:
    return "*" in wanted or lang.lower() in wanted or lang.split("-")[0].lower() in wanted


def _less_or_equal(v: Node, w: Node) -> bool:
    """pySHACL's sh:lessThanOrEquals comparison of two nodes (False: a result)."""
    if isinstance(v, BNode) or isinstance(w, BNode):
        raise Unsupported("sh:lessThanOrEquals on a blank node")     # pySHACL refuses it: let it say so
    a: Any = str(v) if isinstance(v, URIRef) else (v.value if isinstance(v, Literal) and isinstance(v.value, str)
                                                    else v)
    b: Any = str(w) if isinstance(w, URIRef) else (w.value if isinstance(w, Literal) and isinstance(w.value, str)
                                                    else w)
    if isinstance(a, str) != isinstance(b, str):
        return False
    return bool(a <= b)


class Validator:
    def __init__(self, data: Data):
        self.data = data
        self.term = from_ox

    def conforms(self, node, shape: Shape) -> bool:
        values = {node} if shape.path is None else self.data.values(node, shape.path)
        return not any(True for _ in self.check(node, values, shape))

    def check(self, focus, values: set, shape: Shape):
        """(component, reported value or None) for each result of ``shape``'s core constraints on ``focus``."""
        for c in shape.checks:
            kind = c.kind
            if kind == "minCount":
                if len(values) < c.param:
                    yield c.component, None
            elif kind == "maxCount":
                if len(values) > c.param:
                    yield c.component, None
            elif kind == "datatype":
                for v in values:
                    if not isinstance(v, ox.Literal) or not _datatype_ok(self.term(v), c.param):
                        yield c.component, v
            elif kind == "nodeKind":
                blank, literal, iri = c.param
                for v in values:
                    if not (blank if isinstance(v, ox.BlankNode) else literal if isinstance(v, ox.Literal) else iri):
                        yield c.component, v
            elif kind == "pattern":
                for v in values:
                    if isinstance(v, ox.BlankNode) or not c.param.search(_string(self.term(v))):
                        yield c.component, v
            elif kind == "languageIn":
                for v in values:
                    if not (isinstance(v, ox.Literal) and v.language and _language_ok(v.language, c.param)):
                        yield c.component, v
            elif kind == "uniqueLang":
                seen: set = set()
                twice: set = set()
                for v in values:
                    if isinstance(v, ox.Literal) and v.language:
                        low = v.language.lower()
                        (twice if low in seen else seen).add(low)
                for _ in twice:
                    yield c.component, None
            elif kind == "qualified":
                low, high = c.extra
                count = sum(1 for v in values if self.conforms(v, c.param))
                if high is not None and count > high:
                    yield SH.QualifiedMaxCountConstraintComponent, None
                if low is not None and count < low:
                    yield SH.QualifiedMinCountConstraintComponent, None
            elif kind == "hasValue":
                if c.param not in values:
                    yield c.component, None
            elif kind == "class":
                for v in values:
                    if isinstance(v, ox.Literal) or not self.data.is_instance(v, c.param):
                        yield c.component, v
            elif kind == "xone":
                for v in values:
                    if sum(1 for member in c.param if self.conforms(v, member)) != 1:
                        yield c.component, v
            elif kind == "lessThanOrEquals":
                others = [self.term(w) for w in set(self.data.objects(focus, c.param))]
                for v in values:
                    for w in others:
                        if not _less_or_equal(self.term(v), w):
                            yield c.component, v


# ---------------------------------------------------------------- the report

class ReportWriter:
    def __init__(self, shapes: Graph):
        self.shapes = shapes
        self.graph = Graph()
        self.graph.bind("sh", SH)
        self.node = BNode()
        self.graph.add((self.node, RDF.type, SH.ValidationReport))
        self.copied: set = set()
        self.count = 0

    def add(self, shape: Shape, focus: Node, component: Node, value: Node | None, *,
            path: Node | None = None, constraint: Node | None = None) -> None:
        result = BNode()
        add = self.graph.add
        add((self.node, SH.result, result))
        add((result, RDF.type, SH.ValidationResult))
        add((result, SH.focusNode, focus))
        add((result, SH.resultSeverity, shape.severity))
        add((result, SH.sourceShape, shape.node))
        add((result, SH.sourceConstraintComponent, component))
        if constraint is not None:
            add((result, SH.sourceConstraint, constraint))
        if value is not None:
            add((result, SH.value, value))
        path = shape.path_node if path is None else path
        if path is not None:
            add((result, SH.resultPath, path))
            self._copy_path(path)
        self.count += 1

    def _copy_path(self, path: Node) -> None:
        """A blank-node path's triples from the shapes graph (lists and nested paths too), once."""
        todo = [path]
        while todo:
            node = todo.pop()
            if not isinstance(node, BNode) or node in self.copied:
                continue
            self.copied.add(node)
            for p, o in self.shapes.predicate_objects(node):
                self.graph.add((node, p, o))
                todo.append(o)


def _run_sparql(data: Data, shape: Shape, focus: list, sparql: Sparql, writer: ReportWriter) -> None:
    if sparql.batch is not None:
        batch.add_solutions(data.query(sparql.batch.query), sparql.batch, writer.graph, writer.node)
        return
    made = batch.Batch(shape.node, sparql.constraint, sparql.text, shape.severity, shape.path_node,
                       shape.path_node is not None)
    for node in focus:
        if isinstance(node, ox.NamedNode):
            rows = data.query(prebind(sparql.text, str(node)))
        else:
            rows = data.query(sparql.text, substitutions={ox.Variable("this"): node})
        batch.add_solutions(rows, made, writer.graph, writer.node, this=node)


def validate(data: Data, the_plan: Plan) -> Graph:
    """The SHACL report graph (``sh:ValidationReport``) of ``data``."""
    check = Validator(data)
    writer = ReportWriter(the_plan.shapes_graph)
    by_path: dict = {}
    for shape, targets in the_plan.tops:             # shapes with one path share the value lookups
        by_path.setdefault(repr(shape.path), []).append((shape, targets))
    for group in by_path.values():
        values_of: dict = {}
        for shape, targets in group:
            focus = data.focus_nodes(targets)
            for node in focus:
                if shape.path is None:
                    values = {node}
                elif node in values_of:
                    values = values_of[node]
                else:
                    values = values_of[node] = data.values(node, shape.path)
                for component, value in check.check(node, values, shape):
                    writer.add(shape, from_ox(node), component, None if value is None else from_ox(value))
            for sparql in shape.sparql:
                if focus:
                    _run_sparql(data, shape, focus, sparql, writer)
    return writer.graph


# ---------------------------------------------------------------- stores of the data

def store_of_sources(sources: list) -> tuple[ox.Store, list]:
    """An in-memory store with each of ``sources`` (``ParsedSource``) in a named graph of its own, loaded
    from its bytes (datasets, and sources parsed already: from their triples); and those graphs, in the
    order of ``sources``. The data is their union: validate with ``Data(store, union=True)``."""
    store = ox.Store()
    graphs = []
    for i, src in enumerate(sources):
        graph = ox.NamedNode(f"urn:ketengraaf:validatie:bron:{i}")
        graphs.append(graph)
        if src.format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG) or src.is_parsed:
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in src.stream())
        else:
            try:
                store.bulk_load(src.data, format=src.format, base_iri=src.base_iri, to_graph=graph)
            except SyntaxError as exc:
                raise src.error(exc) from None
    return store, graphs


def store_of_graphs(store: ox.Store, graphs: list | None) -> ox.Store:
    """An in-memory store with the union of the named ``graphs`` of ``store`` (None: its default graph) as
    its default graph. Copied as N-Triples inside Oxigraph; a graph with blank nodes term by term through
    Python instead (slower), since parsing gives blank nodes new names and the report names the store's."""
    out = ox.Store()
    for g in graphs if graphs is not None else [_DEFAULT]:
        if bool(store.query(_ANY_BLANK, default_graph=g)):
            out.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, _DEFAULT)
                            for q in store.quads_for_pattern(None, None, None, g))
        else:
            data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
            if data:
                out.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    return out


def source_index(store: ox.Store, graphs: list, names: list, nodes: Iterable[Node]) -> dict:
    """Node -> the file it is described in, for ``nodes`` (rdflib terms), as ``engine.source_index`` says
    (the first file typing it, else the first one with it as a subject); ``graphs`` from
    :func:`store_of_sources`, ``names`` the files' names in the same order."""
    found = {}
    for node in nodes:
        if isinstance(node, Literal):
            continue
        term = to_ox(node)
        for predicate in (_RDF_TYPE, None):
            where = next((name for g, name in zip(graphs, names)
                          if next(iter(store.quads_for_pattern(term, predicate, None, g)), None) is not None), None)
            if where is not None:
                found[node] = where
                break
    return found


def labels_graph(data: Data, nodes: Iterable[Node], properties: Iterable[Node]) -> Graph:
    """An rdflib graph with the label triples of ``nodes`` (for the report's focus labels)."""
    graph = Graph()
    props = [ox.NamedNode(str(p)) for p in properties]
    for node in nodes:
        if isinstance(node, Literal):
            continue
        subject = to_ox(node)
        for p in props:
            for value in data.objects(subject, p):
                graph.add((node, URIRef(p.value), from_ox(value)))
    return graph


__all__ = ["Data", "Plan", "Unsupported", "labels_graph", "plan", "source_index", "store_of_graphs",
           "store_of_sources", "validate"]
