"""Incremental SHACL validation of a write: only the focus nodes a change can affect.

A write (SPARQL Update, Graph Store Protocol) is a delta applied to a private copy of the store.
Before it commits, three steps give the report of the after-state without validating everything:

1. :func:`affected_focus_nodes` (after-state store, shapes, changed quads/triples) -> the set of nodes
   whose results can differ, or ``None`` (:data:`EVERYTHING`): validate everything, because the change
   touches the shapes or the ontology (classes, properties, their hierarchy and declarations), or
   because the nodes it can affect are too many to be worth it (more than ``limit``).
2. :func:`validate_focus` (store, shapes, focus nodes) -> a :class:`Report` with exactly the results a full
   validation of the same state has for those nodes: pySHACL on a small rdflib graph of what those
   nodes' validation reads.
3. :func:`merge` (old report, affected, fresh report) -> the report of the after-state: the old results
   of the nodes not affected plus the fresh ones.

:func:`validate_change` does the three; :func:`validate_store` is the full validation of a store.

What is "the data" of a store (:func:`data_graphs`): a store is organised like a generation: one named
graph per source file, the union of them in the default graph. The data validated is the union of the
named graphs but the derived ones (``graph/inferentie``, ``graph/validatie``) and those that declare
shapes: the same graph a load validates (data + ontology, ``engine.build_graphs``). The default
graph also holds the inferred and the shape triples, so reads that must be exact go to the named graphs;
the search for affected nodes may read more than the data (it only widens) and reads the default graph.
A store without named graphs is read through its default graph.

How the affected nodes are found (:class:`ReadModel`). Every shape reads the data along paths from its
focus node: ``sh:path`` (sequence, inverse, alternative, ``*``, ``+``, ``?``), the parameters that read
further (``sh:class``: ``rdf:type/rdfs:subClassOf*``; ``sh:node``, ``sh:property``,
``sh:qualifiedValueShape``, ``sh:and``/``or``/``xone``/``not``: the nested shape from the value nodes;
``sh:equals``/``disjoint``/``lessThan``/``lessThanOrEquals``: a second path from the focus node), the
targets (``sh:targetClass``: the node's types and their superclasses; ``sh:targetSubjectsOf``/
``ObjectsOf``: one step), and the triple patterns of SHACL-SPARQL constraints and SPARQL targets. The
patterns of a query are read as a graph over its terms; walking it from ``$this`` orients every pattern
(a pattern is read from the end that is reached first; a variable predicate reads "the predicates of the
node's triples"). The model is one automaton over all shapes; its start state is the focus node.

A changed triple ``s p o`` can change the result of a focus node only if a step of the automaton reads it:
the node the step starts from (``s`` for a forward step, ``o`` for an inverse one) must be reachable from
the focus node. So the affected nodes are found by walking the automaton backwards, on the after-state,
from that node to the start state. A path broken by the change itself is not missed: its first removed
triple is a changed triple too, whose walk starts nearer the focus node. Added to that: the subject and
object of every changed triple (its own results: types, ``sh:targetSubjectsOf``/``ObjectsOf``).

Conservative choices (widen when in doubt):

- a query pattern not connected to ``$this`` through variables reads the whole graph: a change to a
  triple it can match means :data:`EVERYTHING` (none of the shipped shapes has one);
- a sub-select ``{ SELECT ?k WHERE { one triple pattern } }`` that does not mention ``$this`` is an
  existence test per key ``?k`` (e.g. "the term is used somewhere" in ``kgs:GeslotenVocabulaire``'s
  target). Its answer for a key changes only if no unchanged triple matches it after the change; only
  then are the nodes that reach the key affected (few: the key just became used, or is not used any more);
- variables of one name in a query are one node (UNION branches and OPTIONAL are read as joins);
- a query that rdflib cannot parse, a SHACL parameter this module does not know, an ``sh:path`` it cannot
  read: the shape reads everything (:data:`EVERYTHING` for any change);
- a walk that visits more than ``limit`` (node, state) pairs stops with :data:`EVERYTHING`.
"""
from __future__ import annotations

import itertools
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from ..namespaces import GRAPH
from . import native
from .engine import DataGraph, drop_results, to_rdflib, validate_data, validate_graph
from .portable import path_sparql, prefixes_of, to_ox
from .report import LABEL_PROPERTIES, Report

EVERYTHING = None                       # what affected_focus_nodes returns when all must be validated
# made by the catalogue, not data to validate: inferences, the report, the history of writes (loading.py)
DERIVED_GRAPHS = frozenset({str(GRAPH) + "inferentie", str(GRAPH) + "validatie", str(GRAPH) + "geschiedenis"})
DEFAULT_LIMIT = 50_000                  # (node, state) pairs a walk may visit before it gives up

class State(str):
    """A state of the read model (a query variable, a point on a path); constants are rdflib terms."""


ROOT = State("^focus")                  # the start state: the focus node
_SHAPE_CLASSES = (SH.NodeShape, SH.PropertyShape)
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
# parameters that read nothing but the value nodes (or are not constraints at all)
_VALUE_ONLY = {SH[n] for n in (
    "minCount", "maxCount", "datatype", "nodeKind", "pattern", "flags", "languageIn", "uniqueLang",
    "minLength", "maxLength", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "hasValue",
    "in", "qualifiedMinCount", "qualifiedMaxCount", "severity", "message", "name", "description",
    "deactivated", "order", "group", "defaultValue", "closed", "ignoredProperties", "targetNode",
    "prefixes", "declare", "select", "ask", "labelTemplate", "resultAnnotation", "rule", "path")}
# predicates whose triples are the ontology (class and property hierarchy, declarations, lists)
_SCHEMA_PREDICATES = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, RDF.first, RDF.rest}
_META_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(SH))

# ---------------------------------------------------------------- paths, as a small syntax tree
# ("atom", kind, predicate|None) | ("seq", [..]) | ("alt", [..]) | ("star"|"plus"|"opt", inner)
# kinds: F forward, I inverse (predicate None: any); P node -> predicates of its triples,
# PS predicate -> subjects using it, PO node -> predicates of its incoming triples, PU predicate -> objects
_INVERSE_KIND = {"F": "I", "I": "F", "P": "PS", "PS": "P", "PO": "PU", "PU": "PO"}
_ANY_FORWARD = ("atom", "F", None)
_CLASS_OF = ("seq", [("atom", "F", RDF.type), ("star", ("atom", "F", RDFS.subClassOf))])


class Unreadable(Exception):
    """A shape this module cannot analyse: it is taken to read everything."""


def _inverse(path: tuple) -> tuple:
    tag = path[0]
    if tag == "atom":
        return ("atom", _INVERSE_KIND[path[1]], path[2])
    if tag == "seq":
        return ("seq", [_inverse(p) for p in reversed(path[1])])
    if tag == "alt":
        return ("alt", [_inverse(p) for p in path[1]])
    return (tag, _inverse(path[1]))


def _from_rdflib_path(path: Any) -> tuple:
    """An rdflib path (from a parsed query) as a path tree."""
    if isinstance(path, URIRef):
        return ("atom", "F", path)
    if isinstance(path, InvPath):
        return _inverse(_from_rdflib_path(path.arg))
    if isinstance(path, SequencePath):
        return ("seq", [_from_rdflib_path(p) for p in path.args])
    if isinstance(path, AlternativePath):
        return ("alt", [_from_rdflib_path(p) for p in path.args])
    if isinstance(path, MulPath):
        return ({"*": "star", "+": "plus", "?": "opt"}[path.mod], _from_rdflib_path(path.path))
    if isinstance(path, NegatedPath):            # !p, !^p: any predicate, either way (wider than needed)
        return ("alt", [("atom", "F", None), ("atom", "I", None)])
    raise Unreadable(f"unknown path {path!r}")


def _from_shacl_path(shapes: Graph, path: Node) -> tuple:
    """A SHACL property path (SHACL §2.3.1) as a path tree."""
    if isinstance(path, URIRef):
        return ("atom", "F", path)
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return _inverse(_from_shacl_path(shapes, inverse))
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return ("alt", [_from_shacl_path(shapes, p) for p in shapes.items(alternatives)])
    for prop, tag in ((SH.zeroOrMorePath, "star"), (SH.oneOrMorePath, "plus"), (SH.zeroOrOnePath, "opt")):
        inner = shapes.value(path, prop)
        if inner is not None:
            return (tag, _from_shacl_path(shapes, inner))
    if shapes.value(path, RDF.first) is not None:
        return ("seq", [_from_shacl_path(shapes, p) for p in shapes.items(path)])
    raise Unreadable(f"not a SHACL path: {path}")


# ---------------------------------------------------------------- the read model

@dataclass(frozen=True)
class Existence:
    """A sub-select ``{ SELECT ?keys { s p o } }`` without ``$this``: an existence test per key."""
    pattern: tuple                      # (s, p, o): a state name (str) for a variable, else an rdflib term
    keys: tuple                         # positions (0, 1, 2) of the key variables in ``pattern``


@dataclass
class ReadModel:
    """What the shapes read from a focus node, as an automaton over the data (see the module text)."""
    forward: dict = field(default_factory=dict)      # state -> [(kind, predicate, next state)]
    backward: dict = field(default_factory=dict)     # state -> [(kind, predicate, previous state)]
    existences: dict = field(default_factory=dict)   # state -> [Existence] (the state is a key of it)
    global_predicates: set = field(default_factory=set)  # predicates of unconnected patterns (None: any)
    reads_everything: bool = False
    unreadable: list = field(default_factory=list)        # why (shape: reason)
    _count: itertools.count = field(default_factory=itertools.count)
    _sinks: dict = field(default_factory=dict)

    def state(self, hint: str = "s") -> str:
        return State(f"{hint}#{next(self._count)}")

    def add(self, a: str, kind: str, predicate, b: str) -> None:
        step = (kind, predicate, b)
        steps = self.forward.setdefault(a, [])
        if step not in steps:
            steps.append(step)
            self.backward.setdefault(b, []).append((kind, predicate, a))

    def sink(self, a: str, path: tuple, hint: str) -> None:
        """``path`` from ``a`` to a state nothing is read from (a constant, a class): one per (a, path)."""
        key = (a, repr(path))
        if key not in self._sinks:
            self._sinks[key] = self.state(hint)
            self.add_path(a, path, self._sinks[key])

    def add_path(self, a: str, path: tuple, b: str) -> None:
        """Thompson's construction: ``path`` from state ``a`` to state ``b``."""
        tag = path[0]
        if tag == "atom":
            self.add(a, path[1], path[2], b)
        elif tag == "seq":
            steps = path[1]
            here = a
            for i, step in enumerate(steps):
                there = b if i == len(steps) - 1 else self.state("seq")
                self.add_path(here, step, there)
                here = there
            if not steps:
                self.add(a, "E", None, b)
        elif tag == "alt":
            for p in path[1]:
                self.add_path(a, p, b)
        elif tag == "opt":
            self.add_path(a, path[1], b)
            self.add(a, "E", None, b)
        else:                                   # star, plus
            loop = self.state("loop")
            if tag == "star":
                self.add(a, "E", None, loop)
            else:
                self.add_path(a, path[1], loop)
            self.add_path(loop, path[1], loop)
            self.add(loop, "E", None, b)

    @property
    def predicates(self) -> set:
        """Every predicate a step reads (None: a step reads any predicate)."""
        return {p for steps in self.forward.values() for kind, p, _ in steps if kind in "FI"} | (
            {None} if any(kind in ("P", "PS", "PO", "PU") for steps in self.forward.values()
                          for kind, _, _ in steps) else set())


def read_model(shapes: Graph) -> ReadModel:
    """The read model of all shapes in ``shapes`` that have a target (nested shapes through them)."""
    model = ReadModel()
    tops = {s for s in shapes.subjects() if any((s, t, None) in shapes for t in _TARGETS)}
    for shape in sorted(tops, key=str):
        try:
            _shape(model, shapes, shape, ROOT, top=True, seen=set())
        except Unreadable as exc:
            model.reads_everything = True
            model.unreadable.append(f"{shape}: {exc}")
    return model


def _shape(model: ReadModel, shapes: Graph, shape: Node, focus: str, *, top: bool, seen: set) -> None:
    if (shape, focus) in seen:
        return
    seen.add((shape, focus))
    path = shapes.value(shape, SH.path)
    value = focus
    if path is not None:
        value = model.state("value")
        model.add_path(focus, _from_shacl_path(shapes, path), value)
    for prop, obj in shapes.predicate_objects(shape):
        if prop == SH["class"]:
            model.sink(value, _CLASS_OF, "class")
        elif prop in (SH.node, SH.qualifiedValueShape, SH.property, SH["not"]):
            _shape(model, shapes, obj, value, top=False, seen=seen)
        elif prop in (SH["and"], SH["or"], SH.xone):
            for item in shapes.items(obj):
                _shape(model, shapes, item, value, top=False, seen=seen)
        elif prop in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
            if not isinstance(obj, URIRef):
                raise Unreadable(f"{prop} {obj}")
            model.sink(focus, ("atom", "F", obj), "pair")
        elif prop == SH.sparql:
            text = _query_text(shapes, shape, obj, path)
            _query(model, text, focus, "this")
        elif prop == SH.targetClass and top:
            model.sink(ROOT, _CLASS_OF, "target")
        elif prop == SH.targetSubjectsOf and top:
            model.sink(ROOT, ("atom", "F", obj), "target")
        elif prop == SH.targetObjectsOf and top:
            model.sink(ROOT, ("atom", "I", obj), "target")
        elif prop == SH.target and top:
            select = shapes.value(obj, SH.select)
            if select is None:
                raise Unreadable(f"a target this module does not know: {obj}")
            _query(model, prefixes_of(shapes, obj) + "\n" + str(select), ROOT, "this")
        elif prop == SH.qualifiedValueShapesDisjoint:
            raise Unreadable("sh:qualifiedValueShapesDisjoint reads the sibling shapes")
        elif str(prop).startswith(str(SH)) and prop not in _VALUE_ONLY and prop not in _TARGETS:
            raise Unreadable(f"a SHACL parameter this module does not know: {prop}")


def _query_text(shapes: Graph, shape: Node, constraint: Node, path: Node | None) -> str:
    select = shapes.value(constraint, SH.select) or shapes.value(constraint, SH.ask)
    if select is None:
        raise Unreadable(f"a SPARQL constraint without sh:select: {constraint}")
    text = str(select)
    if path is not None:
        text = re.sub(r"\$PATH(?![\w\u00B7\u00C0-\uFFFF])", path_sparql(shapes, path), text)
    text = re.sub(r"[?$]currentShape(?![\w\u00B7\u00C0-\uFFFF])", f"<{shape}>" if isinstance(shape, URIRef)
                  else "?currentShapeNode", text)
    return prefixes_of(shapes, constraint) + "\n" + text


# ---------------------------------------------------------------- queries as pattern graphs

def _query(model: ReadModel, text: str, root: str, this: str) -> None:
    """Add the triple patterns of a SPARQL query, read from variable ``this`` bound to state ``root``."""
    try:
        algebra = prepareQuery(text).algebra
    except Exception as exc:  # rdflib raises several parser exception types
        raise Unreadable(f"cannot parse: {exc}") from None
    scope = f"q{next(model._count)}"
    patterns: list[tuple] = []
    existences: list[tuple] = []
    _collect(algebra, {}, scope, patterns, existences, itertools.count())
    rename = {State(f"{scope}:{this}"): root}

    def node(term):
        if isinstance(term, State):
            return rename.get(term, term)
        return term

    # a pattern as ((node, node, path from the first to the second), ...): read from the end reached first.
    # A pattern with a variable predicate ``s ?v o`` is one pattern with three ends; read from ``s``,
    # it gives the node's triples (any predicate to ``o``, their predicates to ``?v``).
    edges: list[tuple] = []
    for s, p, o in patterns:
        s, o = node(s), node(o)
        if isinstance(p, State):
            p = node(p)
            edges.append(((s, o, _ANY_FORWARD), (s, p, ("atom", "P", None)), (o, p, ("atom", "PO", None))))
        else:
            edges.append(((s, o, _from_rdflib_path(p)),))
    reached = {root}
    done: set[int] = set()
    queue = deque([root])
    while queue:
        here = queue.popleft()
        for i, parts in enumerate(edges):
            if i in done or not any(here in (a, b) for a, b, _ in parts):
                continue
            done.add(i)
            for a, b, path in parts:
                if here not in (a, b):
                    continue
                there, step = (b, path) if a == here else (a, _inverse(path))
                if isinstance(there, State):
                    model.add_path(here, step, there)
                    if there not in reached:
                        reached.add(there)
                        queue.append(there)
                else:                               # a constant: the step must end there; read, not expand
                    model.sink(here, step, "const")
    for i, parts in enumerate(edges):
        if i not in done:                           # not connected to $this: reads the whole graph
            for _a, _b, path in parts:
                model.global_predicates |= _predicates_of(path)
    for pattern, keys in existences:
        pattern = tuple(node(t) for t in pattern)
        ex = Existence(pattern, keys)
        key_states = [pattern[k] for k in keys]
        if all(k in reached for k in key_states):
            for k in key_states:
                model.existences.setdefault(k, []).append(ex)
        else:
            p = pattern[1]
            model.global_predicates.add(None if isinstance(p, State) else p)


def _predicates_of(path: tuple) -> set:
    if path[0] == "atom":
        return {path[2] if path[1] in "FI" else None}
    if path[0] in ("seq", "alt"):
        return set().union(*(_predicates_of(p) for p in path[1]))
    return _predicates_of(path[1])


def _var(term, names: dict, scope: str):
    if isinstance(term, Variable):
        return names.get(str(term), State(f"{scope}:{term}"))
    if isinstance(term, BNode):                     # a blank node in a pattern is a variable
        return names.get("_:" + str(term), State(f"{scope}:_:{term}"))
    return term


def _triples_of(node: CompValue) -> list:
    if node.name == "BGP":
        return list(node.triples)
    flat: list = []
    for item in node.get("triples") or []:           # TriplesBlock (inside EXISTS): lists of 3n terms
        flat.extend(item)
    return [tuple(flat[i:i + 3]) for i in range(0, len(flat) - 2, 3)]


def _collect(node, names: dict, scope: str, patterns: list, existences: list, counter) -> None:
    """The triple patterns under ``node`` (variables named ``scope:name``; a sub-select's variables that
    it does not project get a scope of their own), and the one-pattern existence sub-selects."""
    if isinstance(node, (list, tuple)):
        for item in node:
            _collect(item, names, scope, patterns, existences, counter)
        return
    if not isinstance(node, CompValue):
        return
    if node.name in ("ServiceGraphPattern", "Graph", "GraphGraphPattern", "Load"):
        raise Unreadable(f"{node.name} in a shape's query")
    if node.name in ("ToMultiSet", "SubSelect"):
        project = _project(node)
        if project is not None:
            shown = [str(v) for v in project]
            inner_scope = f"{scope}/{next(counter)}"
            inner_names = {n: names.get(n, State(f"{scope}:{n}")) for n in shown}
            sub_patterns: list = []
            _collect(node.get("p") if node.name == "ToMultiSet" else node.get("where"), inner_names,
                     inner_scope, sub_patterns, existences, counter)
            this_inside = any(isinstance(t, State) and t.endswith(":this") for tr in sub_patterns for t in tr)
            keys = tuple(i for i in range(3) if sub_patterns[0][i] in inner_names.values()) \
                if len(sub_patterns) == 1 else ()
            if len(sub_patterns) == 1 and keys and not this_inside and not isinstance(sub_patterns[0][1], Path) \
                    and _filters_only_on(node, set(shown)):
                existences.append((sub_patterns[0], keys))
            else:
                patterns.extend(sub_patterns)
            return
    if node.name in ("BGP", "TriplesBlock"):
        for s, p, o in _triples_of(node):
            patterns.append((_var(s, names, scope), _var(p, names, scope), _var(o, names, scope)))
    for key, value in node.items():
        if key != "_vars":
            _collect(value, names, scope, patterns, existences, counter)


def _project(node: CompValue):
    """The projected variables of a sub-select (algebra ``ToMultiSet(Project)`` or parse tree ``SubSelect``)."""
    inner = node
    for _ in range(4):
        if not isinstance(inner, CompValue):
            return None
        if inner.name == "Project":
            return inner.PV
        if inner.name == "SubSelect":
            proj = inner.get("projection")
            if not proj:
                return None
            return [p.get("var") or p.get("evar") for p in proj]
        inner = inner.get("p")
    return None


def _filters_only_on(node: CompValue, names: set) -> bool:
    """Every FILTER inside ``node`` mentions only the variables ``names`` (so it is a function of the keys)."""
    ok = True

    def visit(n):
        nonlocal ok
        if isinstance(n, (list, tuple)):
            for item in n:
                visit(item)
        elif isinstance(n, CompValue):
            if n.name == "Filter":
                used = {str(v) for v in _vars_in(n.expr)}
                if not used <= names:
                    ok = False
            for key, value in n.items():
                if key != "_vars":
                    visit(value)
    visit(node)
    return ok


def _vars_in(expr) -> Iterator[Variable]:
    if isinstance(expr, Variable):
        yield expr
    elif isinstance(expr, (list, tuple)):
        for item in expr:
            yield from _vars_in(item)
    elif isinstance(expr, CompValue):
        for key, value in expr.items():
            if key != "_vars":
                yield from _vars_in(value)


_MODELS: dict[int, tuple[Graph, int, ReadModel]] = {}


def model_of(shapes: Graph) -> ReadModel:
    """The read model of ``shapes``, kept while the same graph object has the same size."""
    key = id(shapes)
    kept = _MODELS.get(key)
    if kept is not None and kept[0] is shapes and kept[1] == len(shapes):
        return kept[2]
    model = read_model(shapes)
    _MODELS[key] = (shapes, len(shapes), model)
    return model


# ---------------------------------------------------------------- the store

def _triple_of(item) -> tuple:
    """(subject, predicate, object, graph name or None) of a pyoxigraph Quad or Triple."""
    return item.subject, item.predicate, item.object, getattr(item, "graph_name", None)


def shape_graphs(store: ox.Store) -> set[str]:
    """The named graphs of ``store`` that declare SHACL shapes (the shapes' source files)."""
    found = set()
    for cls in _SHAPE_CLASSES:
        for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(cls)), None):
            if isinstance(q.graph_name, ox.NamedNode):
                found.add(q.graph_name.value)
    return found


def data_graphs(store: ox.Store) -> list | None:
    """The named graphs holding the data to validate; None: the store has none, read its default graph."""
    skip = DERIVED_GRAPHS | shape_graphs(store)
    graphs = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value not in skip]
    return sorted(graphs, key=lambda g: g.value) if graphs else None


class _Reader:
    """Triples of the data (see :func:`data_graphs`), each once: read from the default graph (the union),
    leaving out the triples held only by a derived graph or a shapes graph."""

    def __init__(self, store: ox.Store):
        self.store = store
        graphs = data_graphs(store)
        self.graphs = graphs or []
        shape_names = shape_graphs(store)
        present = {g.value: g for g in store.named_graphs() if isinstance(g, ox.NamedNode)} if graphs is not None \
            else {}
        self.derived = [g for name, g in present.items() if name in DERIVED_GRAPHS]
        self.shape_graphs = [g for name, g in present.items() if name in shape_names]
        self.shape_subjects = {q.subject for g in self.shape_graphs
                               for q in store.quads_for_pattern(None, None, None, g)}
        self.check = bool(self.derived or self.shape_graphs)
        self._first: dict = {}

    def _data(self, s, p, o) -> bool:
        store = self.store
        if not any(ox.Quad(s, p, o, g) in store for g in self.derived) and (
                s not in self.shape_subjects or not any(ox.Quad(s, p, o, g) in store for g in self.shape_graphs)):
            return True
        return any(ox.Quad(s, p, o, g) in store for g in self.graphs)

    def first(self, s=None, p=None, o=None) -> tuple | None:
        """One triple of the data matching the pattern, else None: looked for graph by graph (in the
        default graph the first thousands of matches can all be inferred ones, e.g. ``?s rdf:type ?c``)."""
        if isinstance(s, ox.Literal) or (p is not None and not isinstance(p, ox.NamedNode)):
            return None
        key = (s, p, o)
        if key in self._first:
            return self._first[key]
        self._first[key] = found = self._look(s, p, o)
        return found

    def _look(self, s, p, o) -> tuple | None:
        for t in itertools.islice(self.store.quads_for_pattern(s, p, o, ox.DefaultGraph()), 64):
            triple = (t.subject, t.predicate, t.object)
            if not self.check or self._data(*triple):
                return triple
        for g in self.graphs or [ox.DefaultGraph()]:
            q = next(iter(self.store.quads_for_pattern(s, p, o, g)), None)
            if q is not None:
                return q.subject, q.predicate, q.object
        return None

    def triples(self, s=None, p=None, o=None) -> Iterator[tuple]:
        if isinstance(s, ox.Literal) or (p is not None and not isinstance(p, ox.NamedNode)):
            return
        for q in self.store.quads_for_pattern(s, p, o, ox.DefaultGraph()):
            t = (q.subject, q.predicate, q.object)
            if not self.check or self._data(*t):
                yield t


def _default(store: ox.Store, s=None, p=None, o=None) -> Iterator:
    if isinstance(s, ox.Literal) or (p is not None and not isinstance(p, ox.NamedNode)):
        return iter(())
    return store.quads_for_pattern(s, p, o, ox.DefaultGraph())


# ---------------------------------------------------------------- 1. affected focus nodes

def touches_schema(store: ox.Store, shapes: Graph, changed: Iterable) -> bool:
    """Whether a change touches the shapes or the ontology: then everything is validated again.

    The shapes: a quad in a graph declaring shapes, a triple with a SHACL term, or about a node of
    ``shapes``. The ontology: a triple with a predicate of the class/property hierarchy (``rdfs:subClassOf``,
    ``subPropertyOf``, ``domain``, ``range``, ``rdf:first``/``rest``) or any OWL predicate; a type that is
    an RDF/RDFS/OWL/SHACL term (declaring a class or property); a triple about a node the after-state uses
    as a class or a predicate, or types as one."""
    shape_graph_names = shape_graphs(store)
    rdf_type = ox.NamedNode(str(RDF.type))
    for item in changed:
        s, p, o, g = _triple_of(item)
        if isinstance(g, ox.NamedNode) and g.value in shape_graph_names:
            return True
        pv = p.value
        if pv.startswith(str(SH)) or pv.startswith(str(OWL)) or URIRef(pv) in _SCHEMA_PREDICATES:
            return True
        if p == rdf_type and isinstance(o, ox.NamedNode) and o.value.startswith(_META_NAMESPACES):
            return True
        if isinstance(s, ox.Literal):
            continue
        if (to_rdflib(s), None, None) in shapes:
            return True
        if isinstance(s, ox.NamedNode) and (_exists(store, None, rdf_type, s) or _exists(store, None, s, None)):
            return True                 # the subject is a class or a predicate in use
        if any(isinstance(t.object, ox.NamedNode) and t.object.value.startswith(_META_NAMESPACES)
               for t in store.quads_for_pattern(s, rdf_type, None, None)):
            return True                 # the subject is declared as a class or a property
    return False


def _exists(store: ox.Store, s, p, o) -> bool:
    return next(iter(store.quads_for_pattern(s, p, o, None)), None) is not None


class _TooMany(Exception):
    pass


def affected_focus_nodes(store: ox.Store, shapes: Graph, changed: Iterable, *,
                         limit: int = DEFAULT_LIMIT) -> set[Node] | None:
    """Every node whose validation result can differ because of ``changed`` (pyoxigraph quads or triples,
    added or removed; ``store`` holds the state after the change), as rdflib terms; or ``None``
    (:data:`EVERYTHING`): validate the whole store, because the change touches the shapes or the
    ontology (:func:`touches_schema`), a shape reads the whole graph, or the walk exceeds ``limit``."""
    changed = list(changed)
    if not changed:
        return set()
    model = model_of(shapes)
    if model.reads_everything or touches_schema(store, shapes, changed):
        return EVERYTHING
    changed_set = {(s, p, o) for s, p, o, _ in map(_triple_of, changed)}
    starts: set[tuple] = set()
    found: set = set()
    for s, p, o in changed_set:
        found.add(s)
        found.add(o)
        if None in model.global_predicates or URIRef(p.value) in model.global_predicates:
            return EVERYTHING
        for state, steps in model.forward.items():
            for kind, pred, _ in steps:
                if kind == "F" and (pred is None or pred == URIRef(p.value)) or kind == "P":
                    starts.add((s, state))
                elif kind == "I" and (pred is None or pred == URIRef(p.value)) or kind == "PO":
                    starts.add((o, state))
                elif kind in ("PS", "PU"):
                    starts.add((p, state))
        for state, existences in model.existences.items():
            for ex in existences:
                binding = _match(ex.pattern, (s, p, o))
                if binding is not None and state in binding and _flipped(store, ex, binding, changed_set):
                    starts.add((binding[state], state))
    try:
        found |= _walk_back(store, model, starts, limit)
    except _TooMany:
        return EVERYTHING
    return {to_rdflib(n) for n in found}


def _match(pattern: tuple, triple: tuple) -> dict | None:
    binding: dict = {}
    for term, value in zip(pattern, triple):
        if isinstance(term, State):
            if binding.setdefault(term, value) != value:
                return None
        elif to_ox(term) != value:
            return None
    return binding


def _flipped(store: ox.Store, ex: Existence, binding: dict, changed: set) -> bool:
    """Whether the existence test may have changed its answer for these keys: true unless an unchanged
    triple of the after-state matches it (then it matched before the change too)."""
    args = [binding.get(t) if isinstance(t, State) and i in ex.keys else (None if isinstance(t, State) else to_ox(t))
            for i, t in enumerate(ex.pattern)]
    for q in _default(store, *args):
        if (q.subject, q.predicate, q.object) not in changed:
            return False
    return True


def _walk_back(store: ox.Store, model: ReadModel, starts: set, limit: int) -> set:
    """The nodes at the start state of the model reached backwards from (node, state) ``starts``."""
    seen = set(starts)
    queue = deque(starts)
    found = set()
    while queue:
        node, state = queue.popleft()
        if state == ROOT:
            found.add(node)
        for kind, pred, prev in model.backward.get(state, ()):
            for other in _back_step(store, node, kind, pred):
                pair = (other, prev)
                if pair not in seen:
                    seen.add(pair)
                    if len(seen) > limit:
                        raise _TooMany
                    queue.append(pair)
    return found


def _back_step(store: ox.Store, node, kind: str, pred) -> Iterator:
    p = None if pred is None else ox.NamedNode(str(pred))
    if kind == "E":
        yield node
    elif kind == "F":                                   # prev --p--> node
        for q in _default(store, None, p, node):
            yield q.subject
    elif kind == "I":                                   # node --p--> prev
        for q in _default(store, node, p, None):
            yield q.object
    elif kind == "P":                                   # prev uses node as a predicate
        for q in _default(store, None, node, None):
            yield q.subject
    elif kind == "PS":                                  # prev is a predicate node uses
        for q in _default(store, node, None, None):
            yield q.predicate
    elif kind == "PO":                                  # prev is an object of predicate node
        for q in _default(store, None, node, None):
            yield q.object
    elif kind == "PU":                                  # prev is a predicate of a triple into node
        for q in _default(store, None, None, node):
            yield q.predicate


# ---------------------------------------------------------------- 2. validate some focus nodes

def neighbourhood(store: ox.Store, shapes: Graph, focus_nodes: Iterable[Node]) -> DataGraph:
    """An rdflib graph with every triple the validation of ``focus_nodes`` reads (the read model walked
    forwards from them), their labels, and the class hierarchy."""
    model = model_of(shapes)
    reader = _Reader(store)
    start = [(to_ox(n), ROOT) for n in focus_nodes]
    seen = set(start)
    queue = deque(start)
    label_props = [ox.NamedNode(str(p)) for p in LABEL_PROPERTIES]
    triples: set = set()
    put = triples.add

    for node, _ in start:
        for prop in label_props:
            for t in reader.triples(node, prop, None):
                put(t)
    for t in reader.triples(None, ox.NamedNode(str(RDFS.subClassOf)), None):
        put(t)
    steps: dict = {}                    # (node, kind, predicate) -> [(triple, next node)]: each read once
    while queue:
        node, state = queue.popleft()
        for kind, pred, nxt in model.forward.get(state, ()):
            key = (node, kind, pred)
            found = steps.get(key)
            if found is None:
                found = steps[key] = list(_forward_step(reader, node, kind, pred))
            for t, other in found:
                if t is not None:
                    put(t)
                pair = (other, nxt)
                if pair not in seen:
                    seen.add(pair)
                    queue.append(pair)
        for ex in model.existences.get(state, ()):
            args = [node if t == state else (None if isinstance(t, State) else to_ox(t)) for t in ex.pattern]
            witness = reader.first(*args)           # one triple shows the existence
            if witness is not None:
                put(witness)
    graph = DataGraph()
    add = graph.add
    for t in triples:
        add((to_rdflib(t[0]), to_rdflib(t[1]), to_rdflib(t[2])))
    return graph


def _forward_step(reader: _Reader, node, kind: str, pred) -> Iterator[tuple]:
    p = None if pred is None else ox.NamedNode(str(pred))
    if kind == "E":
        yield None, node
    elif kind == "F":
        for t in reader.triples(node, p, None):
            yield t, t[2]
    elif kind == "I":
        for t in reader.triples(None, p, node):
            yield t, t[0]
    elif kind == "P":
        for t in reader.triples(node, None, None):
            yield t, t[1]
    elif kind == "PO":
        for t in reader.triples(None, None, node):
            yield t, t[1]
    elif kind in ("PS", "PU") and isinstance(node, ox.NamedNode):
        for t in reader.triples(None, node, None):
            yield t, (t[0] if kind == "PS" else t[2])


def validate_focus(store: ox.Store, shapes: Graph, focus_nodes: Iterable[Node], *,
                   sources: dict | None = None) -> Report:
    """The results of a full validation of ``store`` (:func:`validate_store`) whose focus node is one of
    ``focus_nodes`` (rdflib terms): pySHACL over :func:`neighbourhood`, restricted to those nodes."""
    started = time.perf_counter()
    focus = set(focus_nodes)
    if not focus:
        return _empty_report(time.perf_counter() - started)
    graph = neighbourhood(store, shapes, focus)
    report = validate_graph(graph, shapes, sources=sources, focus_nodes=focus)
    report.took = time.perf_counter() - started
    return report


def validate_store(store: ox.Store, shapes: Graph, *, sources: dict | None = None, batched: bool = False) -> Report:
    """The full validation of a store organised like a generation (its data: :func:`data_graphs`): on
    Oxigraph (``engine.validate_data``) when it implements the shapes, else with pySHACL (``batched``:
    see ``engine.validate_graph``)."""
    started = time.perf_counter()
    if not batched:
        try:
            the_plan = native.plan(shapes)
        except native.Unsupported:
            pass
        else:
            copy = native.store_of_graphs(store, data_graphs(store))
            return validate_data(native.Data(copy), the_plan, started=started, sources=sources)
    graph = DataGraph()
    reader = _Reader(store)
    for s, p, o in reader.triples():
        graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    return validate_graph(graph, shapes, sources=sources, batched=batched)


def _empty_report(took: float) -> Report:
    graph = Graph()
    node = BNode()
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.add((node, SH.conforms, Literal(True)))
    return Report(graph, [], took)


# ---------------------------------------------------------------- 3. merge

def merge(old: Report, affected: Iterable[Node] | None, fresh: Report) -> Report:
    """The report of the after-state: ``old``'s results whose focus node is not in ``affected``, plus
    ``fresh`` (the results of :func:`validate_focus` for ``affected``). With ``affected`` None
    (:data:`EVERYTHING`), ``fresh`` is a full report and is returned as it is."""
    if affected is None:
        return fresh
    gone = set(affected)                # rdflib terms: an IRI and a literal with the same text differ
    graph = Graph()
    for prefix, ns in old.graph.namespaces():
        graph.bind(prefix, ns, override=False)
    for t in old.graph:
        graph.add(t)
    drop_results(graph, [r.node for r in old.results if r.focus in gone and r.node is not None])
    report_node = next(iter(graph.subjects(RDF.type, SH.ValidationReport)), None)
    if report_node is None:
        report_node = BNode()
        graph.add((report_node, RDF.type, SH.ValidationReport))
    fresh_report = set(fresh.graph.subjects(RDF.type, SH.ValidationReport))
    for s, p, o in fresh.graph:
        if s in fresh_report:
            if p == SH.result:
                graph.add((report_node, p, o))
            continue
        graph.add((s, p, o))
    kept = [r for r in old.results if r.focus not in gone]
    results = kept + list(fresh.results)
    graph.set((report_node, SH.conforms, Literal(not results)))
    return Report(graph, results, took=fresh.took)


# ---------------------------------------------------------------- all three

@dataclass
class ChangeValidation:
    report: Report                      # the report of the after-state
    affected: set | None                # the focus nodes validated again; None: everything
    seconds_affected: float = 0.0       # time to find them
    seconds_validate: float = 0.0       # time to validate them (and merge)


def validate_change(store: ox.Store, shapes: Graph, old: Report, changed: Iterable, *,
                    limit: int = DEFAULT_LIMIT, sources: dict | None = None) -> ChangeValidation:
    """The report of ``store`` (the after-state) from ``old`` (the report before ``changed``):
    incrementally when the change allows it, else by a full validation."""
    t0 = time.perf_counter()
    affected = affected_focus_nodes(store, shapes, changed, limit=limit)
    t1 = time.perf_counter()
    if affected is None:
        report = validate_store(store, shapes, sources=sources)
    else:
        report = merge(old, affected, validate_focus(store, shapes, affected, sources=sources))
    return ChangeValidation(report, affected, t1 - t0, time.perf_counter() - t1)


__all__ = ["EVERYTHING", "ChangeValidation", "ReadModel", "affected_focus_nodes", "data_graphs", "merge",
           "model_of", "neighbourhood", "read_model", "touches_schema", "validate_change", "validate_focus",
           "validate_store"]
