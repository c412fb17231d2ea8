"""The SHACL engine: rdflib graphs built for the purpose, validated with pySHACL; and the entry of a full
validation, which runs on Oxigraph instead (:mod:`.native`, :func:`validate_data`) when it implements the
shapes (the shipped ones: yes), with the same report.

pySHACL over an Oxigraph-backed graph is slower than over an rdflib memory
graph (docs/oxigraph-notes.md), so the parsed sources (pyoxigraph triples) are
copied into a plain rdflib graph. The data graph holds the data files plus the
ontology, so ``sh:targetClass`` and ``sh:class`` honour ``rdfs:subClassOf``.

:func:`validate_graph` is the one place pySHACL is called. Incremental validation
(:mod:`.incremental`: only the focus nodes a write can affect) calls it with
``focus_nodes`` on a small graph of what those nodes' validation reads.
"""
from __future__ import annotations

import re
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, cast
from collections.abc import Callable, Iterable

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from ..errors import ConfigError, InputError
from ..catalogue import locate
from ..namespaces import qname
from ..sources import ParsedSource, collect_sources, display_path, parse_file
from . import batch, native
from .portable import from_ox, prefixes_of, to_ox
from .report import LABEL_PROPERTIES, Report

_XSD_STRING = str(XSD.string)
_SHAPE_TYPES = {str(SH.NodeShape), str(SH.PropertyShape)}


@lru_cache(maxsize=512)
def _prepared(text: str, bound: frozenset = frozenset()):
    """``text`` parsed once; with ``bound`` (the names of the pre-bound variables, e.g. ``this``)
    its basic graph patterns are put in an order that starts from those variables."""
    query = prepareQuery(text)
    if bound:
        _order_patterns(query.algebra, frozenset(Variable(v) for v in bound))
    return query


def _vars_of(node) -> frozenset:
    return frozenset(getattr(node, "_vars", None) or ()) if isinstance(node, CompValue) else frozenset()


def _order_patterns(node, known: frozenset) -> None:
    """Reorder every BGP of a translated query (also inside FILTER (NOT) EXISTS) so that each
    next triple pattern is the one with the fewest unbound variables, preferring one that joins
    on a bound variable over one with only constants.

    rdflib orders a BGP once, when it parses the query, without knowing which variables
    ``initBindings`` will bind: a pattern like ``?d keten:rol <regisseur>`` (one variable) goes
    before ``?d keten:keten $this`` (two), so pySHACL's per-focus-node queries scanned every
    participation. A BGP is a conjunction: the order changes the work, never the answers."""
    if isinstance(node, list):
        for item in node:
            _order_patterns(item, known)
        return
    if not isinstance(node, CompValue):
        return
    name = node.name
    if name == "BGP":
        node["triples"] = _ordered(node.triples, known)
    elif name == "Filter":
        _order_patterns(node.p, known)
        _order_patterns(node.expr, known | _vars_of(node.p))     # EXISTS sees the filtered rows
    elif name in ("Join", "LeftJoin") and node.get("p1") is not None:
        _order_patterns(node.p1, known)
        inner = known | _vars_of(node.p1)
        _order_patterns(node.p2, inner)
        if name == "LeftJoin":
            _order_patterns(node.get("expr"), inner | _vars_of(node.p2))
    elif name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
        _order_patterns(node.graph, known)
    else:
        for key, value in node.items():
            if key != "_vars":
                _order_patterns(value, known)


def _ordered(triples, known: frozenset) -> list:
    def is_var(term):
        return isinstance(term, (Variable, BNode))
    rest, out, bound = list(triples), [], set(known)
    while rest:
        def cost(item):
            index, triple = item
            free = sum(1 for t in triple if is_var(t) and t not in bound)
            joined = sum(1 for t in triple if is_var(t) and t in bound)
            return (free, -joined, index)
        index, triple = min(enumerate(rest), key=cost)
        out.append(triple)
        bound.update(t for t in triple if is_var(t))
        del rest[index]
    return out


class DataGraph(Graph):
    """An rdflib memory graph that parses each SPARQL text once.

    pySHACL runs a SHACL-SPARQL constraint once per focus node, as a string, and
    rdflib parses the string every time: parsing, not evaluation, dominated
    (measured 5x on a 20k-triple synthetic catalogue). The bindings ($this)
    still come per call, so results are unchanged. The parsed query is kept per
    set of pre-bound variable names, its patterns ordered to start from them
    (:func:`_order_patterns`)."""

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs):  # noqa: N803
        if isinstance(query_object, str) and not initNs:
            try:
                query_object = _prepared(query_object, frozenset(initBindings or ()))
            except Exception:   # e.g. a prefix only the graph binds: let rdflib parse it as usual
                pass
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


def to_rdflib(term):
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value) if datatype == _XSD_STRING else Literal(term.value, datatype=URIRef(datatype))
    raise InputError(f"cannot validate RDF-star triple terms: {term}")


def add_triples(graph: Graph, triples: Iterable) -> Graph:
    for t in triples:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph


def is_shapes_source(source: ParsedSource) -> bool:
    """A file that declares SHACL shapes belongs to the shapes graph, not to the data.

    Without the text ``shacl`` (and without ``\\u`` escapes, which could spell it) a file cannot name the
    SHACL namespace: then it is not read at all. Otherwise its triples are read once, not kept."""
    raw = source.data
    if not source.is_parsed and b"shacl" not in raw and b"\\u" not in raw and b"\\U" not in raw:
        return False
    rdf_type = str(RDF.type)
    return any(t.predicate.value == rdf_type and isinstance(t.object, ox.NamedNode)
               and t.object.value in _SHAPE_TYPES for t in source.stream())


def _parse_dir(folder: Path | None, skip: set[str]) -> list[ParsedSource]:
    """The sources in a catalogue's ``shapes/`` or ``ontology/`` folder (named relative to the
    catalogue, the folder's parent), leaving out those already given."""
    if folder is None or not folder.is_dir():
        return []
    root = folder.parent
    return [parse_file(f, root) for f in collect_sources([folder]) if display_path(f, root) not in skip]


def source_index(sources: Iterable[ParsedSource]) -> dict:
    """Subject -> file it is described in (the file typing it wins, else the first one naming it)."""
    typed: dict[Any, str] = {}
    named: dict[Any, str] = {}
    rdf_type = str(RDF.type)
    for src in sources:
        for t in src.triples:
            s = to_rdflib(t.subject)
            named.setdefault(s, src.info.path)
            if t.predicate.value == rdf_type:
                typed.setdefault(s, src.info.path)
    return {**named, **typed}


def split_sources(parsed: list[ParsedSource], *, shapes_dir: Path | None = None,
                  ontology_dir: Path | None = None) -> tuple[list, list, list]:
    """(data, ontology, shapes) sources, as :func:`build_graphs` describes."""
    if shapes_dir is None or ontology_dir is None:
        here = locate()
        shapes_dir = here.shapes_dir if shapes_dir is None else shapes_dir
        ontology_dir = here.ontology_dir if ontology_dir is None else ontology_dir
    shapes: list[ParsedSource] = []
    data: list[ParsedSource] = []
    for p in parsed:                                 # one scan of each file's triples
        (shapes if is_shapes_source(p) else data).append(p)
    if not shapes:
        shapes = _parse_dir(shapes_dir, set())
        if not shapes:
            raise InputError(f"no SHACL shapes found in the sources nor in {shapes_dir}")
    given = {p.info.path for p in parsed}
    return data, _parse_dir(ontology_dir, given), shapes


def build_graphs(parsed: list[ParsedSource], *, shapes_dir: Path | None = None,
                 ontology_dir: Path | None = None) -> tuple[Graph, Graph, dict]:
    """(data graph, shapes graph, subject -> source file) for the parsed sources.

    Files declaring shapes form the shapes graph (the catalogue's ``shapes_dir`` when
    none is given); everything else is data. The catalogue's ontology (``ontology_dir``)
    is mixed into the data unless its files are among the sources already. Without the
    folders, those of the current catalogue (:func:`ketengraaf.catalogue.locate`)."""
    data, ontology, shapes = split_sources(parsed, shapes_dir=shapes_dir, ontology_dir=ontology_dir)
    data_graph, shapes_graph = DataGraph(), Graph()
    for src in data + ontology:
        add_triples(data_graph, src.triples)
    for src in shapes:
        add_triples(shapes_graph, src.triples)
    return data_graph, shapes_graph, source_index(data)


def validate_graph(data_graph: Graph, shapes_graph: Graph, *, ont_graph: Graph | None = None,
                   sources: dict | None = None, focus_nodes: Iterable | None = None,
                   batched: bool = False) -> Report:
    """Validate ``data_graph`` (plus ``ont_graph`` when given) against ``shapes_graph``.

    No inference: the class hierarchy comes from the ontology triples in the data.
    Pass a :class:`DataGraph` for speed: pySHACL works on it in place (no copy).
    ``sh:conforms`` is true only without any result (SHACL §3.6.1); ``Report.acceptable`` allows warnings.
    ``batched`` (a full validation without ``ont_graph``): the SHACL-SPARQL constraints run once each
    on Oxigraph for all their focus nodes (:mod:`.batch`), the rest on pySHACL. Off by default: the same
    results, 5x faster at 20k triples, but slower from 100k on (bench/README.md: Oxigraph does not start
    a property path inside FILTER NOT EXISTS from the bound ``$this``, so some queries grow quadratically).
    ``focus_nodes``: only the results whose focus node is one of these (each shape's targets are resolved
    here and replaced by the ``sh:targetNode``s among them: pySHACL's own ``focus_nodes`` option also
    filters the value nodes a nested shape checks, which changes ``sh:qualifiedMinCount`` and the like)."""
    started = time.perf_counter()
    focus = None if focus_nodes is None else set(focus_nodes)
    if focus is not None:
        targeted = focus_targets(data_graph, shapes_graph, focus)
        skeleton, lock = _skeleton(shapes_graph)
        added = [(shape, SH.targetNode, n) for shape, nodes in targeted.items() for n in nodes]
        with lock:                      # the skeleton is shared: one validation at a time adds its targets
            for t in added:
                skeleton.add(t)
            use: dict[str, Any] = {} if any(not isinstance(shape, URIRef) for shape in targeted) \
                else {"use_shapes": sorted(targeted)}
            try:
                _conforms, report_graph, _text = pyshacl.validate(   # use_shapes: only the shapes with targets
                    data_graph, shacl_graph=skeleton, ont_graph=ont_graph, inference="none",
                    allow_warnings=True, inplace=ont_graph is None, advanced=False, **use)
            finally:
                for t in added:
                    skeleton.remove(t)
    else:
        store = _store_of(data_graph) if batched and ont_graph is None else None
        shapes_graph = resolve_sparql_targets(data_graph, shapes_graph, store=store)
        rest, batches = batch.split(shapes_graph) if store is not None else (shapes_graph, [])
        _conforms, report_graph, _text = pyshacl.validate(
            data_graph, shacl_graph=rest, ont_graph=ont_graph, inference="none",
            allow_warnings=True, inplace=ont_graph is None, advanced=False)
        if batches and isinstance(report_graph, Graph):
            batch.run(cast(ox.Store, store), batches, report_graph)
    took = time.perf_counter() - started
    if not isinstance(report_graph, Graph):     # pySHACL's ValidationFailure: the shapes cannot be used
        raise ConfigError(f"the SHACL shapes cannot be used: {getattr(report_graph, 'message', report_graph)}")
    if focus is not None:
        _keep_results(report_graph, focus)      # (a shape's nested results name other focus nodes? never, but)
    _language_tagged_messages(report_graph, shapes_graph)
    return Report.from_graph(report_graph, data_graph=data_graph, sources=sources or {}, took=took)


_TARGET_PREDICATES = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)


_SKELETONS: dict[int, tuple[Graph, int, Graph, threading.Lock]] = {}


def _is_shape_class(shapes_graph: Graph, s) -> bool:
    return (s, RDF.type, RDFS.Class) in shapes_graph and any(
        (s, RDF.type, t) in shapes_graph for t in (SH.NodeShape, SH.PropertyShape))


def _skeleton(shapes_graph: Graph) -> tuple[Graph, threading.Lock]:
    """A copy of ``shapes_graph`` without any target (kept while the same graph has the same size)."""
    kept = _SKELETONS.get(id(shapes_graph))
    if kept is not None and kept[0] is shapes_graph and kept[1] == len(shapes_graph):
        return kept[2], kept[3]
    skeleton = Graph()
    for s, p, o in shapes_graph:
        if p in _TARGET_PREDICATES or p == SH.target or (p == RDF.type and o == RDFS.Class
                                                           and _is_shape_class(shapes_graph, s)):
            continue
        skeleton.add((s, p, o))
    lock = threading.Lock()
    _SKELETONS[id(shapes_graph)] = (shapes_graph, len(shapes_graph), skeleton, lock)
    return skeleton, lock


def focus_targets(data_graph: Graph, shapes_graph: Graph, focus: set) -> dict:
    """Shape -> the nodes of ``focus`` it targets in ``data_graph``: ``sh:targetNode``, ``sh:targetClass``
    (with ``rdfs:subClassOf``), ``sh:targetSubjectsOf``/``ObjectsOf``, SPARQL-based targets (evaluated on
    Oxigraph), and the implicit class target of a shape that is an ``rdfs:Class``."""
    superclasses: dict = {}

    def classes_of(node) -> set:
        out = set()
        for cls in data_graph.objects(node, RDF.type):
            if cls not in superclasses:
                superclasses[cls] = set(data_graph.transitive_objects(cls, RDFS.subClassOf))
            out |= superclasses[cls]
        return out

    targeted: dict = {}
    types = {n: classes_of(n) for n in focus}
    for shape, node in shapes_graph.subject_objects(SH.targetNode):
        if node in focus:
            targeted.setdefault(shape, set()).add(node)
    classes: dict = {}
    for shape, cls in shapes_graph.subject_objects(SH.targetClass):
        classes.setdefault(shape, set()).add(cls)
    for shape in shapes_graph.subjects(RDF.type, RDFS.Class):
        if _is_shape_class(shapes_graph, shape):
            classes.setdefault(shape, set()).add(shape)
    for shape, wanted in classes.items():
        chosen = {n for n in focus if types[n] & wanted}
        if chosen:
            targeted.setdefault(shape, set()).update(chosen)
    for shape, p in shapes_graph.subject_objects(SH.targetSubjectsOf):
        targeted.setdefault(shape, set()).update(n for n in focus if (n, p, None) in data_graph)
    for shape, p in shapes_graph.subject_objects(SH.targetObjectsOf):
        targeted.setdefault(shape, set()).update(n for n in focus if (None, p, n) in data_graph)
    sparql = [(shape, t) for shape, t in shapes_graph.subject_objects(SH.target)
              if shapes_graph.value(t, SH.select) is not None]
    if sparql:
        store = _store_of(data_graph)
        for shape, target in sparql:
            query = prefixes_of(shapes_graph, target) + "\n" + str(shapes_graph.value(target, SH.select))
            for row in cast(ox.QuerySolutions, store.query(query)):      # a SELECT (stubs: any result kind)
                node = from_ox(row["this"])
                if node in focus:
                    targeted.setdefault(shape, set()).add(node)
    return {shape: nodes for shape, nodes in targeted.items() if nodes}


def _keep_results(report_graph: Graph, focus: set) -> None:
    """Remove the results whose focus node is not in ``focus``."""
    drop_results(report_graph, [r for r in report_graph.subjects(RDF.type, SH.ValidationResult)
                                if report_graph.value(r, SH.focusNode) not in focus])


def drop_results(report_graph: Graph, results: Iterable) -> None:
    """Remove ``results`` from a report graph, and the blank nodes (paths, details) nothing refers to then."""
    orphans: set = set()
    for result in list(results):
        orphans.update(o for o in report_graph.objects(result, None) if isinstance(o, BNode))
        report_graph.remove((result, None, None))
        report_graph.remove((None, SH.result, result))
    while orphans:
        node = orphans.pop()
        if (None, None, node) in report_graph:
            continue
        orphans.update(o for o in report_graph.objects(node, None) if isinstance(o, BNode))
        report_graph.remove((node, None, None))


def _store_of(data_graph: Graph) -> ox.Store:
    store = ox.Store()
    store.bulk_extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph()) for s, p, o in data_graph)
    return store


def resolve_sparql_targets(data_graph: Graph, shapes_graph: Graph, *, store: ox.Store | None = None) -> Graph:
    """The shapes with each SPARQL-based target (SHACL-AF ``sh:target [ a sh:SPARQLTarget ]``)
    replaced by the ``sh:targetNode``s it selects, evaluated once on Oxigraph.

    Such a target scans the whole data graph (the closed-vocabulary check reads every predicate);
    rdflib takes seconds for that at 20k triples, Oxigraph milliseconds. The constraints then run
    on pySHACL as usual, only for the nodes selected. Without SPARQL targets: ``shapes_graph``."""
    targets = [(shape, t) for shape, t in shapes_graph.subject_objects(SH.target)
               if shapes_graph.value(t, SH.select) is not None]
    if not targets:
        return shapes_graph
    store = _store_of(data_graph) if store is None else store
    resolved = Graph()
    for triple in shapes_graph:
        resolved.add(triple)
    for shape, target in targets:
        query = prefixes_of(shapes_graph, target) + "\n" + str(shapes_graph.value(target, SH.select))
        resolved.remove((shape, SH.target, target))
        for row in cast(ox.QuerySolutions, store.query(query)):      # a SELECT (stubs: any result kind)
            resolved.add((shape, SH.targetNode, from_ox(row["this"])))
    return resolved


def _language_tagged_messages(report_graph: Graph, shapes_graph: Graph) -> None:
    """pySHACL drops the language tag of sh:message on SPARQL-based results; put the
    shape's own (language-tagged) messages back on every result of that shape, with
    ``{?value}``, ``{?path}`` and ``{$this}`` filled in from the result (SHACL §5.3.2)."""
    for result, shape in list(report_graph.subject_objects(SH.sourceShape)):
        messages = [m for m in shapes_graph.objects(shape, SH.message) if isinstance(m, Literal)]
        if messages and any(m.language for m in messages):
            fill = {"value": report_graph.value(result, SH.value), "path": report_graph.value(result, SH.resultPath),
                    "this": report_graph.value(result, SH.focusNode)}
            report_graph.remove((result, SH.resultMessage, None))
            for m in messages:
                report_graph.add((result, SH.resultMessage, Literal(_filled(str(m), fill), lang=m.language)))


_TEMPLATE_VAR = re.compile(r"\{[?$](\w+)\}")


def _filled(message: str, values: dict) -> str:
    def term(m: re.Match) -> str:
        node = values.get(m.group(1))
        if node is None:
            return m.group(0)
        return (qname(str(node)) or f"<{node}>") if isinstance(node, URIRef) else (
            f'"{node}"' if isinstance(node, Literal) else str(node))
    return _TEMPLATE_VAR.sub(term, message)


def validate_sources(parsed: list[ParsedSource], *, shapes_dir: Path | None = None,
                     ontology_dir: Path | None = None) -> Report:
    """Validate parsed sources (data, maybe ontology and shapes) as :func:`build_graphs` splits them:
    on Oxigraph (:mod:`.native`) when it implements the shapes, else with pySHACL."""
    started = time.perf_counter()
    data, ontology, shapes = split_sources(parsed, shapes_dir=shapes_dir, ontology_dir=ontology_dir)
    graph = Graph()
    for src in shapes:
        add_triples(graph, src.triples)
    try:
        the_plan = native.plan(graph)
    except native.Unsupported:
        data_graph, shapes_graph, sources = build_graphs(parsed, shapes_dir=shapes_dir, ontology_dir=ontology_dir)
        return validate_graph(data_graph, shapes_graph, sources=sources)
    store, graphs = native.store_of_sources(data + ontology)
    names = [src.info.path for src in data]
    return validate_data(native.Data(store, union=True), the_plan, started=started,
                         sources=lambda nodes: native.source_index(store, graphs[:len(data)], names, nodes))


def validate_data(data: native.Data, the_plan: native.Plan, *, started: float,
                  sources: Callable[[set], dict] | dict | None = None) -> Report:
    """The report of the data in ``data`` against the shapes of ``the_plan`` (:mod:`.native`): the same
    report graph as :func:`validate_graph` makes with pySHACL, the same results, messages, labels, sources.
    ``sources``: subject -> source file, or a function giving that for the focus nodes of the results."""
    report_graph = native.validate(data, the_plan)
    focus = set(report_graph.objects(None, SH.focusNode))
    index = sources(focus) if callable(sources) else (sources or {})
    labels = native.labels_graph(data, focus, LABEL_PROPERTIES)
    _language_tagged_messages(report_graph, the_plan.shapes_graph)
    return Report.from_graph(report_graph, data_graph=labels, sources=index, took=time.perf_counter() - started)


def shapes_graph(shapes_dir: Path | None = None) -> Graph:
    """A catalogue's shapes (by default the current catalogue's) as one rdflib graph."""
    shapes_dir = locate().shapes_dir if shapes_dir is None else shapes_dir
    g = Graph()
    for src in _parse_dir(shapes_dir, set()):
        add_triples(g, src.triples)
    return g


def ontology_graph(ontology_dir: Path | None = None) -> DataGraph:
    """A catalogue's ontology (by default the current catalogue's) as one graph, to mix into data."""
    ontology_dir = locate().ontology_dir if ontology_dir is None else ontology_dir
    g = DataGraph()
    for src in _parse_dir(ontology_dir, set()):
        add_triples(g, src.triples)
    return g
