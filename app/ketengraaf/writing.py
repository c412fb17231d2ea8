"""Writes: one gated transaction per request (design and trade-offs: ``docs/writes.md``).

A write is planned as an exact change (:class:`Delta`: the quads removed and added), checked
against the writer's :class:`Grant`, applied to the writer's head store, validated with SHACL
and then published as a new generation, or undone so that nothing changed. Writers:
SPARQL Update (:mod:`ketengraaf.sparql.update`), the Graph Store Protocol and the edit form
(:mod:`ketengraaf.web.graphstore`), ``ketengraaf restore``.

The default graph is the set union of the source graphs. Writing to it means: a triple added to
the default graph goes into :data:`DEFAULT_WRITE_GRAPH` (part of the union); a triple removed from
it is removed from every source graph that holds it (so it is gone from the union).
"""
from __future__ import annotations

import hashlib
from contextlib import nullcontext
import hmac
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, UTC
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.namespace import RDF, SH

from .errors import Forbidden, InputError, ValidationFailed
from .loading import HISTORY_GRAPH, INFERENCE_GRAPH, OUTSIDE_UNION, REPORT_GRAPH, RDFS, entailments
from .namespaces import BASE, GRAPH
from .sparql.update import Delta, graph_key
from .store import Generation, SourceInfo
from .store.oxigraph import WriterHead, writer_lock
from .store.sparql import RemoteHead
from .validation import Report, render
from .validation.engine import add_triples
from .validation.incremental import validate_change

DEFAULT_WRITE_GRAPH = str(GRAPH) + "standaard"
NOT_WRITABLE = frozenset({INFERENCE_GRAPH, REPORT_GRAPH, HISTORY_GRAPH})
CHANGE_BASE = BASE + "wijzigingen/"
AGENT_BASE = BASE + "id/agent/"

_SH = "http://www.w3.org/ns/shacl#"
_SHAPE_TYPES = (ox.NamedNode(_SH + "NodeShape"), ox.NamedNode(_SH + "PropertyShape"))
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SCHEMA_PREDICATES = {RDFS + "subClassOf", RDFS + "subPropertyOf"}
_PROV = "http://www.w3.org/ns/prov#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DEFAULT = ox.DefaultGraph()


@dataclass(frozen=True)
class Grant:
    """Who writes (a token's name) and which named graphs: IRIs, prefixes ending in ``*``, or ``*``."""

    name: str
    graphs: tuple[str, ...]

    def may_write(self, graph: str) -> bool:
        return any(g == "*" or g == graph or (g.endswith("*") and graph.startswith(g[:-1])) for g in self.graphs)


def parse_tokens(value) -> dict[str, Grant]:
    """The setting ``write_tokens``: ``name:token:graph,graph`` entries separated by whitespace -> {token: grant}."""
    if isinstance(value, dict):
        return value
    grants: dict[str, Grant] = {}
    for entry in str(value or "").split():
        parts = entry.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"a write token is name:token:graphs (graphs separated by commas), not {entry[:12]!r}…")
        name, token, graphs = parts
        if len(token) < 16:
            raise ValueError(f"the write token of {name!r} is shorter than 16 characters: use a long random one")
        grants[token] = Grant(name, tuple(g for g in graphs.split(",") if g))
    return grants


def grant_for(tokens: dict[str, Grant], presented: str) -> Grant | None:
    """The grant of ``presented``, compared with every token in constant time."""
    found = None
    for token, grant in tokens.items():
        if hmac.compare_digest(token.encode(), presented.encode()):
            found = grant
    return found


@dataclass
class WriteResult:
    generation: Generation | None        # None: nothing written (dry run, or no change)
    delta: Delta
    report: Report                       # the catalogue's report after the change
    new_results: list                    # results the change brings that the catalogue did not have
    change_iri: str | None
    took: float                          # seconds to plan, validate and commit
    waited: float = 0.0                  # seconds the server then took to answer from the new generation


Planner = Callable[[ox.Store, Callable[[Delta], Delta]], None]


class _Undo:
    """What was done to the head, to undo it in reverse order."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.steps: list[tuple[str, object]] = []

    def add(self, q) -> bool:
        if q in self.store:
            return False
        self.store.add(q)
        self.steps.append(("add", q))
        return True

    def remove(self, q) -> bool:
        if q not in self.store:
            return False
        self.store.remove(q)
        self.steps.append(("remove", q))
        return True

    def add_graph(self, g: ox.NamedNode) -> None:
        if not self.store.contains_named_graph(g):
            self.store.add_graph(g)
            self.steps.append(("add_graph", g))

    def remove_graph(self, g: ox.NamedNode) -> None:
        if self.store.contains_named_graph(g):
            self.store.remove_graph(g)
            self.steps.append(("remove_graph", g))

    def rollback(self) -> None:
        for kind, item in reversed(self.steps):
            if kind == "add":
                self.store.remove(cast(ox.Quad, item))
            elif kind == "remove":
                self.store.add(cast(ox.Quad, item))
            elif kind == "add_graph":
                self.store.remove_graph(cast(ox.NamedNode, item))
            else:
                self.store.add_graph(cast(ox.NamedNode, item))
        self.steps.clear()


class Writer:
    """The one writer of a store (per process; the writer lock keeps other processes out)."""

    def __init__(self, store_dir=None, *, inference: bool = True, head: WriterHead | RemoteHead | None = None):
        """On the embedded store in ``store_dir``; or with ``head`` (a :class:`RemoteHead`: the remote store,
        one writing process per server, see its text)."""
        self.store_dir = store_dir
        self.head: WriterHead | RemoteHead = head if head is not None else WriterHead(store_dir)
        self.inference = inference
        self._lock = threading.Lock()
        self._shapes: tuple[str, object] | None = None      # (the shape sources' hashes, rdflib shapes graph)
        self._report: tuple[str, Report | None] | None = None

    # -- the transaction ---------------------------------------------------------------------
    def write(self, plan: Planner, *, grant: Grant, description: str, dry_run: bool = False) -> WriteResult:
        started = time.perf_counter()
        with self._lock, (writer_lock(self.store_dir) if isinstance(self.head, WriterHead) else nullcontext()):
            gen, head = self.head.ensure()
            undo = _Undo(head)
            applied: list[Delta] = []
            shape_graphs = self._shape_graphs(head)
            old = self._old_report(gen, head)
            self.head.begin()
            try:
                def apply(delta: Delta) -> Delta:
                    done = self._apply(undo, delta, grant, shape_graphs)
                    applied.append(done)
                    return done
                plan(head, apply)
                net = Delta()
                for done in applied:
                    net = net.compose(done)
                if not net:
                    undo.rollback()
                    self.head.clean()
                    return WriteResult(None, net, old or _empty_report(), [], None,
                                       time.perf_counter() - started)
                inferred = self._infer(undo, net) if self.inference else 0
                report = self._validate(head, gen, shape_graphs, old, net)
                new = _new_results(old, report)
                violations = [r for r in new if r.severity == "Violation"]
                if violations:
                    raise WriteRefused(report, new)
                if dry_run:
                    undo.rollback()
                    self.head.clean()
                    return WriteResult(None, net, report, new, None, time.perf_counter() - started)
                change_iri = CHANGE_BASE + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:8]
                published = self._publish(undo, gen, net, report, old, grant, description, change_iri, started,
                                          inferred)
                if old is not None:
                    self._report = (published.id, report)     # the head's report now, without reading it back
                return WriteResult(published, net, report, new, change_iri, time.perf_counter() - started)
            except BaseException:
                undo.rollback()
                self.head.clean()
                raise

    # -- applying a change ---------------------------------------------------------------------
    def _check(self, graph: str, grant: Grant, shape_graphs: frozenset[str]) -> None:
        if graph in NOT_WRITABLE:
            raise Forbidden(f"the graph <{graph}> is made by the catalogue itself (inferences, the validation "
                            "report or the history) and cannot be written")
        if graph in shape_graphs:
            raise Forbidden(f"the graph <{graph}> holds the SHACL shapes that guard every write; change the shapes "
                            "in their files and load them (`ketengraaf load`)")
        if not grant.may_write(graph):
            raise Forbidden(f"the token of {grant.name!r} may not write the graph <{graph}>; it may write: "
                            + ", ".join(grant.graphs))

    def _holders(self, store: ox.Store, s, p, o) -> list:
        return [q for q in store.quads_for_pattern(s, p, o, None)
                if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name.value not in OUTSIDE_UNION]

    def _apply(self, undo: _Undo, delta: Delta, grant: Grant, shape_graphs: frozenset[str]) -> Delta:
        store = undo.store
        removed: list = []
        for q in delta.removed:
            if isinstance(q.graph_name, ox.DefaultGraph):
                removed += self._holders(store, q.subject, q.predicate, q.object)
            elif q.graph_name.value not in NOT_WRITABLE:    # they follow the data (CLEAR ALL leaves them)
                removed.append(q)
        dropped = delta.dropped - NOT_WRITABLE
        added = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(DEFAULT_WRITE_GRAPH))
                 if isinstance(q.graph_name, ox.DefaultGraph) else q for q in delta.added]
        for q in removed + added:
            if isinstance(q.graph_name, ox.BlankNode):
                raise InputError("a blank node cannot name a graph that is written (GRAPH ?g bound to a blank node); "
                                 "name the graph with an IRI")
        for g in {q.graph_name.value for q in removed + added} | delta.created | dropped:
            self._check(g, grant, shape_graphs)
        done = Delta()
        for q in removed:
            if self._union_remove(undo, q):
                done.removed.add(q)
        for q in added:
            if self._union_add(undo, q):
                done.added.add(q)
        for g in delta.created:
            if not store.contains_named_graph(ox.NamedNode(g)):
                undo.add_graph(ox.NamedNode(g))
                done.created.add(g)
        for g in dropped:
            node = ox.NamedNode(g)
            for q in list(store.quads_for_pattern(None, None, None, node)):   # what the planner left in it
                if self._union_remove(undo, q):
                    done.removed.add(q)
            if store.contains_named_graph(node):
                undo.remove_graph(node)
                done.dropped.add(g)
        return done

    def _union_add(self, undo: _Undo, q) -> bool:
        """Add ``q`` to its named graph and, unless that graph is outside the union, its triple to the default
        graph (a set). Whether ``q`` was new."""
        if not undo.add(q):
            return False
        if cast(ox.NamedNode, q.graph_name).value not in OUTSIDE_UNION:
            undo.add(ox.Quad(q.subject, q.predicate, q.object, _DEFAULT))
        return True

    def _union_remove(self, undo: _Undo, q) -> bool:
        """Remove ``q``; its triple leaves the default graph when no other graph of the union holds it.
        Whether ``q`` was there."""
        if not undo.remove(q):
            return False
        if (cast(ox.NamedNode, q.graph_name).value not in OUTSIDE_UNION
                and not self._holders(undo.store, q.subject, q.predicate, q.object)):
            undo.remove(ox.Quad(q.subject, q.predicate, q.object, _DEFAULT))
        return True

    def _infer(self, undo: _Undo, net: Delta) -> int:
        """Bring :data:`INFERENCE_GRAPH` up to date with the change: the entailments of the subjects it
        touched, or all of them when it touches the class or property hierarchy. Returns the change in
        the graph's number of triples."""
        store, graph = undo.store, ox.NamedNode(INFERENCE_GRAPH)
        changed = net.removed | net.added
        subjects = {q.subject for q in changed}
        everything = (any(q.predicate.value in _SCHEMA_PREDICATES for q in changed)
                      or any(not isinstance(s, ox.NamedNode) for s in subjects))
        before = [q for q in store.quads_for_pattern(None, None, None, graph)] if everything else [
            q for s in subjects for q in store.quads_for_pattern(s, None, None, graph)]
        count = 0
        for q in before:
            count -= self._union_remove(undo, q)
        values = None if everything else " ".join(f"<{cast(ox.NamedNode, s).value}>" for s in subjects)
        found: set = set()
        for query in entailments(values):
            found.update(cast(ox.QueryTriples, store.query(query)))
        for t in found:
            count += self._union_add(undo, ox.Quad(t.subject, t.predicate, t.object, graph))
        return count

    # -- validating ----------------------------------------------------------------------------
    def _shape_graphs(self, store: ox.Store) -> frozenset[str]:
        return frozenset(q.graph_name.value for t in _SHAPE_TYPES
                         for q in store.quads_for_pattern(None, _RDF_TYPE, t, None)
                         if isinstance(q.graph_name, ox.NamedNode))

    def _shapes_graph(self, store: ox.Store, gen: Generation, shape_graphs: frozenset[str]):
        """The shapes as one rdflib graph, kept while the shapes' sources are the same (writes never change
        them: only a load does), so the validator's read model of them is built once, not per write."""
        key = repr(sorted((s.graph, s.sha256, s.triples) for s in gen.sources if s.graph in shape_graphs))
        if self._shapes is None or self._shapes[0] != key:
            g = Graph()
            for name in sorted(shape_graphs):
                add_triples(g, store.quads_for_pattern(None, None, None, ox.NamedNode(name)))
            self._shapes = (key, g)
        return self._shapes[1]

    def _old_report(self, gen: Generation, store: ox.Store) -> Report | None:
        """The report of ``gen`` (the head equals it before the change): its graph ``graph/validatie``."""
        if self._report is None or self._report[0] != gen.id:
            quads = list(store.quads_for_pattern(None, None, None, ox.NamedNode(REPORT_GRAPH)))
            self._report = (gen.id, Report.from_graph(add_triples(Graph(), quads)) if quads else None)
        return self._report[1]

    def _validate(self, store: ox.Store, gen: Generation, shape_graphs: frozenset[str], old: Report | None,
                  net: Delta) -> Report:
        """The SHACL report of the head after the change (the source graphs but the shapes: what a load
        validates), incrementally: only the focus nodes the change can affect are validated again, unless
        it touches the ontology (then everything). Without a report to start from (a load without
        validation), the results of the affected nodes alone."""
        start = old if old is not None else _empty_report()
        changed = [q for q in net.removed | net.added]
        return validate_change(store, self._shapes_graph(store, gen, shape_graphs), start, changed).report

    # -- publishing ----------------------------------------------------------------------------
    def _publish(self, undo: _Undo, gen: Generation, net: Delta, report: Report, old: Report | None, grant: Grant,
                 description: str, change_iri: str, started: float, inferred: int) -> Generation:
        store = undo.store
        now = datetime.now(UTC)
        stamp = now.isoformat(timespec="seconds")
        shapes_version = gen.extra.get("shapes_version") or _shapes_version(gen)
        validated = old is not None         # a catalogue loaded without validation stays "not validated"
        turtle, report_quads = b"", []
        if validated:
            report.mark_since(old, stamp, shapes_version)
            turtle = render(report, "turtle").encode("utf-8")
            report_node = ox.NamedNode(REPORT_GRAPH)
            for q in list(store.quads_for_pattern(None, None, None, report_node)):
                undo.remove(q)
            report_quads = [ox.Quad(t.subject, t.predicate, t.object, report_node)
                            for t in ox.parse(turtle, format=ox.RdfFormat.TURTLE)]
            for q in report_quads:
                undo.add(q)
        history = _history(change_iri, grant.name, description, net, stamp, started)
        for q in history:
            undo.add(q)
        # the generation's manifest: the sources with their new counts
        counts: dict[str, int] = {}
        for q in net.added:
            counts[graph_key(q.graph_name)] = counts.get(graph_key(q.graph_name), 0) + 1
        for q in net.removed:
            counts[graph_key(q.graph_name)] = counts.get(graph_key(q.graph_name), 0) - 1
        sources: list[SourceInfo] = []
        seen = set()
        for s in gen.sources:
            seen.add(s.graph)
            if s.graph in net.dropped:
                continue
            if s.graph == REPORT_GRAPH:
                s = SourceInfo(s.path, s.graph, hashlib.sha256(turtle).hexdigest(), len(report_quads), True)
            elif s.graph == INFERENCE_GRAPH:
                s = SourceInfo(s.path, s.graph, "", s.triples + inferred, True)
            elif s.graph == HISTORY_GRAPH:
                s = SourceInfo(s.path, s.graph, "", s.triples + len(history), True)
            elif s.graph in counts or s.graph in net.created:
                s = SourceInfo(s.path, s.graph, "", s.triples + counts.get(s.graph, 0), False, written=True)
            sources.append(s)
        for g in sorted((set(counts) | net.created) - seen - net.dropped):
            sources.append(SourceInfo("(http)", g, "", counts.get(g, 0), False, written=True))
        if HISTORY_GRAPH not in seen:
            sources.append(SourceInfo("(geschiedenis: PROV-O)", HISTORY_GRAPH, "", len(history), True))
        version = hashlib.sha256(f"{gen.version}\0{change_iri}".encode()).hexdigest()
        summary = report.summary()
        if report.violations:
            summary["allowed_violations"] = True
        extra = {**gen.extra, **({"validation": summary} if validated else {}),
                 "writes": int(gen.extra.get("writes", 0)) + 1,
                 "files_version": gen.extra.get("files_version", gen.version), "shapes_version": shapes_version,
                 "last_write": {"change": change_iri, "by": grant.name, "at": stamp},
                 "outside_union": sorted(OUTSIDE_UNION)}
        default_delta = sum((1 if kind == "add" else -1) for kind, q in undo.steps
                            if kind in ("add", "remove") and isinstance(cast(ox.Quad, q).graph_name, ox.DefaultGraph))
        return self.head.publish(version, sources, triples=sum(s.triples for s in sources),
                                 default_delta=default_delta, extra=extra,
                                 extra_files={"validation.ttl": turtle} if validated else {}, started=started,
                                 steps=undo.steps)


class WriteRefused(ValidationFailed):
    """A write that would add violations of the shapes: nothing was written (HTTP 422). ``report``: the
    SHACL report of what the write would add (its new results only); ``full``: the catalogue's whole
    report as it would have been."""

    def __init__(self, full: Report, new: list):
        self.full, self.new = full, new
        self.report = only_results(full, new)
        n = sum(1 for r in new if r.severity == "Violation")
        super().__init__(f"write refused: it would add {n} violation(s) of the shapes; nothing was written",
                         detail="\n".join(f"- {r.focus}: {r.message('en')} [{r.shape_id}]"
                                          for r in new if r.severity == "Violation"))


def only_results(report: Report, results: list) -> Report:
    """A report of only ``results`` (of ``report``): the report node and each result with the blank nodes it
    holds (its path), and the labels the report gives its focus nodes, so it reads as a report of its own."""
    graph, source = Graph(), report.graph
    for prefix, ns in source.namespaces():
        graph.bind(prefix, ns)
    node = next(iter(source.subjects(RDF.type, SH.ValidationReport)), None)
    keep = {r.node for r in results if r.node is not None}
    todo = list(keep) + ([node] if node is not None else []) + [r.focus for r in results]
    seen: set = set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for p, o in source.predicate_objects(subject):
            if subject == node and p == SH.result and o not in keep:
                continue
            graph.add((subject, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return Report.from_graph(graph)


def _new_results(old: Report | None, report: Report) -> list:
    known = {r.key for r in old.results} if old is not None else set()
    return [r for r in report.results if r.key not in known]


def _empty_report() -> Report:
    return Report.from_graph(Graph())


def _shapes_version(gen: Generation) -> str:
    """As :func:`ketengraaf.loading.shapes_version`, from a generation's manifest (shapes graphs by path)."""
    h = hashlib.sha256()
    for s in sorted((s for s in gen.files if s.path.startswith("shapes/")), key=lambda s: s.graph):
        h.update(f"{s.graph}\0{s.sha256}\n".encode())
    return "sha256:" + h.hexdigest()[:16]


def _term(value: str, datatype: str | None = None):
    return ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value)


def _history(change_iri: str, who: str, description: str, net: Delta, stamp: str, started: float) -> list:
    """The change as PROV-O in :data:`HISTORY_GRAPH` (see docs/writes.md)."""
    g = ox.NamedNode(HISTORY_GRAPH)
    act, agent = ox.NamedNode(change_iri), ox.NamedNode(AGENT_BASE + _slug(who))
    rdf_type = ox.NamedNode(_RDF + "type")
    out = [
        ox.Quad(act, rdf_type, ox.NamedNode(_PROV + "Activity"), g),
        ox.Quad(act, ox.NamedNode(_PROV + "startedAtTime"),
                _term(datetime.fromtimestamp(time.time() - (time.perf_counter() - started), UTC)
                      .isoformat(timespec="milliseconds"), _XSD + "dateTime"), g),
        ox.Quad(act, ox.NamedNode(_PROV + "endedAtTime"), _term(stamp, _XSD + "dateTime"), g),
        ox.Quad(act, ox.NamedNode(_PROV + "wasAssociatedWith"), agent, g),
        ox.Quad(act, ox.NamedNode(RDFS + "label"), ox.Literal(description), g),
        ox.Quad(agent, rdf_type, ox.NamedNode(_PROV + "Agent"), g),
        ox.Quad(agent, ox.NamedNode(RDFS + "label"), ox.Literal(who), g),
    ]
    for graph in sorted(net.graphs() - {""}):
        out.append(ox.Quad(act, ox.NamedNode(_PROV + "used"), ox.NamedNode(graph), g))
    for kind, quads in (("generated", net.added), ("invalidated", net.removed)):
        for q in sorted(quads, key=str):
            st = ox.BlankNode()
            out += [ox.Quad(act, ox.NamedNode(_PROV + kind), st, g),
                    ox.Quad(st, rdf_type, ox.NamedNode(_RDF + "Statement"), g),
                    ox.Quad(st, ox.NamedNode(_RDF + "subject"), q.subject, g),
                    ox.Quad(st, ox.NamedNode(_RDF + "predicate"), q.predicate, g),
                    ox.Quad(st, ox.NamedNode(_RDF + "object"), q.object, g),
                    ox.Quad(st, ox.NamedNode(_PROV + "atLocation"), cast(ox.NamedNode, q.graph_name), g)]
    return out


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name) or "onbekend"


def quads_of(data: bytes, fmt: ox.RdfFormat, graph: str | None, base_iri: str | None = None) -> set:
    """Parsed RDF as quads in ``graph`` (None: the default graph); a parse error names line:column."""
    target = ox.NamedNode(graph) if graph else _DEFAULT
    try:
        parsed = list(ox.parse(data, format=fmt, base_iri=base_iri))
    except SyntaxError as exc:
        raise InputError(f"the body does not parse as {fmt.name}: {exc}") from None
    out = set()
    for item in parsed:
        if isinstance(item, ox.Quad) and not isinstance(item.graph_name, ox.DefaultGraph):
            out.add(item)         # TriG / N-Quads: the graphs they name
        else:
            out.add(ox.Quad(item.subject, item.predicate, item.object, target))
    return out


def replace_graph_delta(store: ox.Store, graph: str | None, new: Iterable) -> Delta:
    """The change that makes ``graph`` (None: the default graph) hold exactly ``new``."""
    node = ox.NamedNode(graph) if graph else _DEFAULT
    old = set(store.quads_for_pattern(None, None, None, node))
    new = set(new)
    delta = Delta(removed=old - new, added=new - old)
    if graph and not store.contains_named_graph(node):
        delta.created.add(graph)
    return delta
