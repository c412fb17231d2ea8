"""SHACL-SPARQL constraints evaluated on a second engine (Oxigraph), to keep the shapes standard.

pySHACL runs each ``sh:select`` on rdflib, which is lenient where SPARQL 1.1 is strict (it let a
``FILTER`` see a variable bound outside its group). This module runs the same constraints on
Oxigraph the way SHACL §5.3 describes: for every focus node of the shape, ``$this`` is pre-bound
by writing the node into the query text (a blank node, which cannot be written, is passed as a
SEP-0007 substitution), ``$PATH`` becomes the shape's ``sh:path`` in SPARQL syntax and
``$currentShape`` the shape; ``sh:prefixes`` give the ``PREFIX`` lines. Each solution is one
result: focus node ``$this``, value ``?value`` (else the focus node), path ``?path`` (else
``sh:path``). The shape tests compare these results with pySHACL's on every example.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

_THIS = re.compile(r"[?$]this(?![\w\u00B7\u00C0-\uFFFF])")
_PATH = re.compile(r"\$PATH(?![\w\u00B7\u00C0-\uFFFF])")
_SHAPE = re.compile(r"[?$]currentShape(?![\w\u00B7\u00C0-\uFFFF])")


@dataclass(frozen=True)
class SparqlResult:
    shape: Node
    focus: Node
    value: Node
    path: Node | None


def to_ox(term: Node):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    lang = term.language
    if lang:
        return Literal(term.value, lang=lang)
    dt = term.datatype.value
    if dt == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(dt))


def path_sparql(shapes: Graph, path: Node) -> str:
    """A SHACL property path (SHACL §2.3.1) in SPARQL 1.1 syntax."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return f"^({path_sparql(shapes, inverse)})"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_sparql(shapes, p) for p in shapes.items(alternatives)) + ")"
    for prop, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = shapes.value(path, prop)
        if inner is not None:
            return f"({path_sparql(shapes, inner)}){mark}"
    if shapes.value(path, RDF.first) is not None:
        return "(" + "/".join(path_sparql(shapes, p) for p in shapes.items(path)) + ")"
    raise ValueError(f"not a SHACL path: {path}")


def prefixes_of(shapes: Graph, constraint: Node) -> str:
    """``PREFIX`` lines of the ``sh:prefixes`` of a constraint or target."""
    lines = []
    for owner in shapes.objects(constraint, SH.prefixes):
        for decl in shapes.objects(owner, SH.declare):
            lines.append(f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>")
    return "\n".join(sorted(set(lines)))


def _targets(store: ox.Store, shapes: Graph, shape: Node) -> list:
    """Focus nodes of ``shape`` (SHACL §2.1.3), as pyoxigraph terms."""
    found: dict = {}
    for node in shapes.objects(shape, SH.targetNode):
        found[to_ox(node)] = None
    classes = list(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes:
        classes.append(shape)
    for cls in classes:
        q = f"SELECT DISTINCT ?x WHERE {{ ?x <{RDF.type}>/<{RDFS.subClassOf}>* <{cls}> }}"
        for row in cast(ox.QuerySolutions, store.query(q)):      # a SELECT (stubs: any result kind)
            found[row["x"]] = None
    for target in shapes.objects(shape, SH.target):          # SHACL-AF SPARQL-based targets
        select = shapes.value(target, SH.select)
        if select is not None:
            rows = cast(ox.QuerySolutions, store.query(prefixes_of(shapes, target) + "\n" + str(select)))
            for row in rows:
                found[row["this"]] = None
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        for quad in store.quads_for_pattern(None, to_ox(prop), None):
            found[quad.subject] = None
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        for quad in store.quads_for_pattern(None, to_ox(prop), None):
            found[quad.object] = None
    return list(found)


def sparql_constraint_results(data: Graph, shapes: Graph) -> set[SparqlResult]:
    """The results of every SHACL-SPARQL constraint (``sh:sparql`` with ``sh:select``) in ``shapes``
    on ``data``, evaluated by Oxigraph with ``$this`` pre-bound per focus node."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph()) for s, p, o in data)
    out: set[SparqlResult] = set()
    for shape, constraint in shapes.subject_objects(SH.sparql):
        if shapes.value(constraint, SH.deactivated) == Literal(True) or \
                shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        select = shapes.value(constraint, SH.select)
        if select is None:
            continue
        text = str(select)
        path = shapes.value(shape, SH.path)
        if path is not None:
            def sparql_path(_m: re.Match[str], path: Node = path) -> str:
                return path_sparql(shapes, path)
            text = _PATH.sub(sparql_path, text)
        if isinstance(shape, URIRef):
            text = _SHAPE.sub(f"<{shape}>", text)
        prefixes = prefixes_of(shapes, constraint)
        for focus in _targets(store, shapes, shape):
            if isinstance(focus, ox.NamedNode):
                query, subs = prefixes + "\n" + prebind(text, f"<{focus.value}>"), None
            else:
                query, subs = prefixes + "\n" + text, {ox.Variable("this"): focus}
            rows = cast(ox.QuerySolutions,      # a SELECT (stubs: any result kind)
                        store.query(query, substitutions=subs) if subs else store.query(query))
            for row in rows:
                value = _get(row, "value")
                result_path = _get(row, "path")
                out.add(SparqlResult(shape, from_ox(focus), from_ox(value) if value is not None else from_ox(focus),
                                     from_ox(result_path) if result_path is not None else path))
    return out


_PROJECTION = re.compile(r"\bSELECT\b(.*?)(?=\bWHERE\b|\{)", re.I | re.S)


def prebind(text: str, term: str) -> str:
    """``text`` with ``$this`` replaced by ``term``: in the projection of the outer SELECT as
    ``(term AS ?this)`` (a constant cannot be projected), everywhere else as ``term``."""
    m = _PROJECTION.search(text)
    if m is None:
        return _THIS.sub(term, text)
    head = _THIS.sub(f"({term} AS ?this)", m.group(1))
    return _THIS.sub(term, text[:m.start(1)]) + head + _THIS.sub(term, text[m.end(1):])


def _get(row, name: str):
    try:
        return row[name]
    except (KeyError, IndexError):
        return None
