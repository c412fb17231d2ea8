"""One chain as a small, immutable model, read from a store with SPARQL.

What the model holds (terms from ``docs/terms.md``):

- the chain's kind: ``orkestratie`` (``keten:Orkestratieketen``), ``estafette``
  (``keten:Estafetteketen``), ``doel`` (``keten:Doelketen``) or ``keten`` (only
  ``keten:Keten``), and whether it is recorded as ``keten:HorizontaleSamenwerking``;
- its partners with their roles (``keten:Deelname``), the lead first: the partner with
  the role regisseur or ketenregisseur, else one whose participation ``keten:stuurt``
  others, else the one responsible for the ``keten:hoofdproces``; partners that only
  appear as executor, responsible or on-behalf-of party of a process are partners too
  (without a role);
- its shared goals (``keten:heeftDoel``);
- its processes: ``keten:heeftProces`` and ``keten:hoofdproces``, and below them every
  ``keten:heeftDeelproces``, recursively, as a tree in pre-order; per process who is
  responsible (``keten:verantwoordelijke``), who executes (``keten:uitvoerder``), on whose
  behalf (``keten:namens``) and which processes of the chain it needs the result of
  (``keten:afhankelijkVan``). The ontology has no separate hand-over: in a relay, a
  dependency *is* the hand-over of a result.

Labels are in the requested language with the fallback of :mod:`ketengraaf.labels`
(the language, then nl, then en, then any). Every list is sorted, so the same data
always gives the same model.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import Any
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from ..errors import InputError, NotFound
from ..labels import local_name, pick
from ..namespaces import ID, KETEN
from ..store import Generation, SourceInfo, Store

K = str(KETEN)
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

MODELS = {K + "Orkestratieketen": "orkestratie", K + "Estafetteketen": "estafette", K + "Doelketen": "doel"}
MODEL_PRIORITY = ("orkestratie", "estafette", "doel")
LEAD_ROLES = (str(ID) + "rol/regisseur", str(ID) + "rol/ketenregisseur")
GOAL_CLASSES = (K + "Beleidsdoel", K + "Klantdoel")
CHAIN_CLASSES = (K + "Keten", K + "Orkestratieketen", K + "Estafetteketen", K + "Doelketen",
                 K + "HorizontaleSamenwerking")
CHAIN_PREFIX = str(ID) + "keten/"

_BAD_IRI = re.compile(r'[\s<>"{}|^`\\]')


@dataclass(frozen=True)
class Role:
    iri: str
    label: str


@dataclass(frozen=True)
class Partner:
    iri: str
    label: str
    roles: tuple[Role, ...] = ()      # from the chain's participations, sorted by label
    lead: bool = False
    participates: bool = True         # False: only named by a process, no keten:Deelname
    steers: tuple[str, ...] = ()      # partners this one directs (keten:stuurt), sorted

    @property
    def role_label(self) -> str:
        return ", ".join(r.label for r in self.roles)


@dataclass(frozen=True)
class Goal:
    iri: str
    label: str
    kind: str | None = None           # keten:Beleidsdoel or keten:Klantdoel
    kind_label: str | None = None


@dataclass(frozen=True)
class Process:
    iri: str
    label: str
    sub: bool                         # a keten:Deelproces (or reached only through heeftDeelproces)
    main: bool = False                # the chain's keten:hoofdproces
    parent: str | None = None         # the process it is a sub-process of (in this tree)
    depth: int = 0
    rank: int = 0                     # column of its block: how many blocks the block waits for, in a row
    children: tuple[str, ...] = ()
    responsible: tuple[str, ...] = ()
    executors: tuple[str, ...] = ()
    on_behalf_of: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()  # processes of this chain whose result it needs

    @property
    def executor(self) -> str | None:
        """The partner whose lane the process is drawn in: the first executor, else the first responsible."""
        if self.executors:
            return self.executors[0]
        return self.responsible[0] if self.responsible else None


@dataclass(frozen=True)
class ChainModel:
    iri: str
    label: str
    lang: str
    model: str                        # orkestratie | estafette | doel | keten
    model_label: str                  # the class label in the requested language
    horizontal: bool = False
    horizontal_label: str | None = None
    partners: tuple[Partner, ...] = ()
    goals: tuple[Goal, ...] = ()
    processes: tuple[Process, ...] = ()   # every process, tree pre-order
    main: str | None = None               # the keten:hoofdproces, if any
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def lead(self) -> Partner | None:
        return next((p for p in self.partners if p.lead), None)

    def partner(self, iri: str) -> Partner | None:
        return next((p for p in self.partners if p.iri == iri), None)

    def process(self, iri: str) -> Process | None:
        return next((p for p in self.processes if p.iri == iri), None)

    def label_of(self, iri: str) -> str:
        return self.labels.get(iri) or local_name(iri)

    @property
    def top_processes(self) -> tuple[Process, ...]:
        return tuple(p for p in self.processes if p.parent is None)


# -- reading --------------------------------------------------------------------
def _iri(value: str) -> str:
    if not value or _BAD_IRI.search(value):
        raise InputError(f"not an IRI: {value!r}")
    return f"<{value}>"


def _values(var: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(_iri(i) for i in sorted(set(iris)))} }}"


def _str(term: Any) -> str | None:
    return None if term is None else term.value


def chain_iri(store: Store, ref: str) -> str:
    """The IRI of the chain ``ref`` names: a full IRI, or the slug of ``id/keten/<slug>``.
    Raises :class:`NotFound` when the store holds no chain by that name."""
    ref = ref.strip()
    iri = ref if ":" in ref else CHAIN_PREFIX + ref
    _iri(iri)
    if iri not in set(list_chains(store)):
        raise NotFound(f"no chain {ref!r} in the catalogue (known: {', '.join(_slug(c) for c in list_chains(store))})")
    return iri


def _slug(iri: str) -> str:
    return iri[len(CHAIN_PREFIX):] if iri.startswith(CHAIN_PREFIX) else iri


def list_chains(store: Store) -> list[str]:
    """IRIs of every chain (an instance of keten:Keten or one of its kinds), sorted."""
    rows = store.select(f"SELECT DISTINCT ?c WHERE {{ {_values('t', CHAIN_CLASSES)} ?c a ?t . FILTER(isIRI(?c)) }}")
    return sorted({r["c"].value for r in rows})


def _labels(store: Store, iris: Iterable[str], lang: str) -> dict[str, str]:
    """IRI -> label: skos:prefLabel before rdfs:label, language by :func:`ketengraaf.labels.pick`."""
    iris = sorted(set(iris))
    if not iris:
        return {}
    # one index lookup per IRI and property (a VALUES x VALUES query took 240 ms for a chain at 100k)
    rows = []
    for iri in iris:
        _iri(iri)                          # refused as before
        s = ox.NamedNode(iri)
        for prop in (SKOS + "prefLabel", RDFS + "label"):
            rows += [(iri, prop, q.object.language or "", q.object.value)
                     for q in store.quads(s, ox.NamedNode(prop), None) if isinstance(q.object, ox.Literal)]
    per: dict[str, dict[str, dict[str, str]]] = {}
    for iri, prop, lang_tag, value in sorted(rows):
        per.setdefault(iri, {}).setdefault(prop, {}).setdefault(lang_tag.lower(), value)
    out: dict[str, str] = {}
    for iri in iris:
        props = per.get(iri, {})
        got = pick(props.get(SKOS + "prefLabel"), lang) or pick(props.get(RDFS + "label"), lang)
        out[iri] = got[0] if got else local_name(iri)
    return out


def build_model(store: Store, chain: str, lang: str = "nl") -> ChainModel:
    """Read chain ``chain`` (its IRI) from ``store`` in language ``lang``."""
    c = _iri(chain)
    types = {r["t"].value for r in store.select(f"SELECT ?t WHERE {{ {c} a ?t }}")}
    if not types & set(CHAIN_CLASSES):
        raise NotFound(f"{chain} is not a chain (keten:Keten) in the catalogue")
    kinds = {MODELS[t] for t in types if t in MODELS}
    model = next((m for m in MODEL_PRIORITY if m in kinds), "keten")
    model_class = next((t for t, m in MODELS.items() if m == model), K + "Keten")
    horizontal = K + "HorizontaleSamenwerking" in types

    # participations: partner, role, whom it steers
    part_rows = store.select(
        f"SELECT ?d ?p ?r ?s WHERE {{ ?d <{K}keten> {c} ; <{K}partner> ?p . "
        f"OPTIONAL {{ ?d <{K}rol> ?r }} OPTIONAL {{ ?d <{K}stuurt> ?s }} }}")
    roles: dict[str, set[str]] = {}
    steers: dict[str, set[str]] = {}
    for r in part_rows:
        p = r["p"].value
        roles.setdefault(p, set())
        steers.setdefault(p, set())
        if r["r"] is not None:
            roles[p].add(r["r"].value)
        if r["s"] is not None:
            steers[p].add(r["s"].value)

    goal_rows = store.select(
        f"SELECT ?g ?t WHERE {{ {c} <{K}heeftDoel> ?g . OPTIONAL {{ {_values('t', GOAL_CLASSES)} ?g a ?t }} }}")
    goal_kind: dict[str, str | None] = {}
    for r in goal_rows:
        g = r["g"].value
        kind = _str(r["t"])
        known = goal_kind.get(g)
        if known is None or (kind is not None and kind < known):
            goal_kind[g] = kind

    # processes: the chain's own, then every sub-process below them
    top_rows = store.select(
        f"SELECT ?p ?prop WHERE {{ {_values('prop', [K + 'heeftProces', K + 'hoofdproces'])} {c} ?prop ?p . "
        f"FILTER(isIRI(?p)) }}")
    tops = {r["p"].value for r in top_rows}
    mains = sorted(r["p"].value for r in top_rows if r["prop"].value == K + "hoofdproces")
    main = mains[0] if mains else None
    all_rows = store.select(
        f"SELECT DISTINCT ?p WHERE {{ {_values('top', tops or ['urn:x-ketengraaf:none'])} "
        f"?top <{K}heeftDeelproces>* ?p . FILTER(isIRI(?p)) }}") if tops else []
    procs = {r["p"].value for r in all_rows} | tops
    facts: dict[str, dict[str, set[str]]] = {p: {} for p in procs}
    if procs:
        props = [K + n for n in ("verantwoordelijke", "uitvoerder", "namens", "afhankelijkVan", "heeftDeelproces")]
        props.append(RDF_TYPE)
        for r in store.select(f"SELECT ?p ?prop ?o WHERE {{ {_values('p', procs)} {_values('prop', props)} "
                              f"?p ?prop ?o . FILTER(isIRI(?o)) }}"):
            facts[r["p"].value].setdefault(r["prop"].value, set()).add(r["o"].value)

    def get(p: str, name: str) -> set[str]:
        return facts.get(p, {}).get(K + name if not name.startswith("http") else name, set())

    named_partners = set()
    for p in procs:
        for name in ("verantwoordelijke", "uitvoerder", "namens"):
            named_partners |= get(p, name)
    partner_iris = set(roles) | named_partners
    role_iris = set().union(*roles.values()) if roles else set()
    labels = _labels(store, {chain, model_class, K + "HorizontaleSamenwerking"} | partner_iris | role_iris
                     | set(goal_kind) | {k for k in goal_kind.values() if k is not None} | procs, lang)

    def by_label(iris: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(set(iris), key=lambda i: ((labels[i] if i in labels else i).casefold(), i)))

    def kind_label(kind: str | None) -> str | None:
        return labels.get(kind) if kind else None

    # the process tree, pre-order; a sub-process with several parents hangs below the first (by label)
    parents: dict[str, list[str]] = {}
    for p in procs:
        for child in get(p, "heeftDeelproces"):
            if child in procs and child != p:
                parents.setdefault(child, []).append(p)
    order: list[tuple[str, str | None, int]] = []
    seen: set[str] = set()

    def visit(p: str, parent: str | None, depth: int) -> None:
        if p in seen:
            return
        seen.add(p)
        order.append((p, parent, depth))
        for child in by_label(c for c in get(p, "heeftDeelproces") if c in procs):
            if by_label(parents.get(child, [p]))[0] == p:
                visit(child, p, depth + 1)

    roots = by_label(tops)
    if main is not None and main in tops:
        roots = (main,) + tuple(r for r in roots if r != main)
    for root in roots:
        visit(root, None, 0)
    for p in by_label(procs):            # left over (a cycle of sub-processes): hang them at the top
        visit(p, None, 0)
    parent_of = {p: parent for p, parent, _ in order}
    children: dict[str, list[str]] = {}
    for p, parent, _ in order:
        if parent is not None:
            children.setdefault(parent, []).append(p)
    rank = _ranks(parent_of, {p: {d for d in get(p, "afhankelijkVan") if d in procs and d != p} for p in procs},
                  main if model == "orkestratie" else None, lambda i: (labels[i].casefold(), i))

    def key(p: str) -> tuple:
        return (p != main, rank[p], labels[p].casefold(), p)

    final: list[tuple[str, str | None, int]] = []

    def walk(p: str, parent: str | None, depth: int) -> None:
        final.append((p, parent, depth))
        for child in sorted(children.get(p, ()), key=key):
            walk(child, p, depth + 1)

    for root in sorted((p for p, parent in parent_of.items() if parent is None), key=key):
        walk(root, None, 0)
    processes = tuple(
        Process(iri=p, label=labels[p], sub=(K + "Deelproces") in get(p, RDF_TYPE) or parent is not None,
                main=p == main, parent=parent, depth=depth, rank=rank[p],
                children=tuple(sorted(children.get(p, ()), key=key)),
                responsible=by_label(get(p, "verantwoordelijke")), executors=by_label(get(p, "uitvoerder")),
                on_behalf_of=by_label(get(p, "namens")),
                depends_on=by_label(d for d in get(p, "afhankelijkVan") if d in procs and d != p))
        for p, parent, depth in final)

    # the lead
    lead: str | None = None
    leads = [p for p, rs in roles.items() if rs & set(LEAD_ROLES)]
    if not leads:
        leads = [p for p, s in steers.items() if s]
    if not leads and main is not None:
        leads = sorted(get(main, "verantwoordelijke"))
    if leads:
        lead = by_label(leads)[0]

    # partners: lead first, then by where their first process is drawn, then by label
    first_seen: dict[str, int] = {}
    for i, proc in enumerate(processes):
        if proc.executor is not None:
            first_seen.setdefault(proc.executor, i)
    partners = tuple(sorted(
        (Partner(iri=p, label=labels[p], roles=tuple(sorted((Role(r, labels[r]) for r in roles.get(p, ())),
                                                           key=lambda r: (r.label.casefold(), r.iri))),
                 lead=p == lead, participates=p in roles, steers=by_label(steers.get(p, ())))
         for p in partner_iris),
        key=lambda pt: (not pt.lead, first_seen.get(pt.iri, len(processes)), pt.label.casefold(), pt.iri)))
    goals = tuple(Goal(iri=g, label=labels[g], kind=goal_kind[g],
                       kind_label=kind_label(goal_kind[g])) for g in by_label(goal_kind))
    return ChainModel(iri=chain, label=labels[chain], lang=lang, model=model, model_label=labels[model_class],
                      horizontal=horizontal,
                      horizontal_label=labels[K + "HorizontaleSamenwerking"] if horizontal else None,
                      partners=partners, goals=goals, processes=processes, main=main, labels=labels)


def _ranks(parent_of: dict[str, str | None], deps: dict[str, set[str]], main: str | None, sort_key) -> dict[str, int]:
    """Rank of every process: the length of the longest chain of dependencies before its *block*.

    A block is a top-level process with everything below it; in an orchestration, the main process
    is not a block of its own (it spans the diagram), each of its sub-processes heads one. The rank
    of a block is 0 when it needs no other block, else one more than the highest rank it needs.
    Cycles are broken where a depth-first walk in label order meets them, so ranks are stable."""
    def block(p: str) -> str:
        up = parent_of.get(p)
        while up is not None and up != main:
            p, up = up, parent_of.get(up)
        return p

    blocks = {p: block(p) for p in parent_of}
    needs: dict[str, set[str]] = {}
    for p, ds in deps.items():
        for d in ds:
            if blocks[d] != blocks[p] and blocks[d] != main and blocks[p] != main:
                needs.setdefault(blocks[p], set()).add(blocks[d])
    rank: dict[str, int] = {}
    active: set[str] = set()

    def visit(b: str) -> int:
        if b in rank:
            return rank[b]
        active.add(b)
        r = 0
        for d in sorted(needs.get(b, ()), key=sort_key):
            if d not in active:
                r = max(r, visit(d) + 1)
        active.discard(b)
        rank[b] = r
        return r

    for b in sorted(set(blocks.values()), key=sort_key):
        visit(b)
    return {p: (0 if p == main else rank[blocks[p]]) for p in parent_of}


# -- an in-memory store from files (tests, the CLI on files) -------------------------
class MemoryStore(Store):
    """A :class:`Store` over an in-memory Oxigraph store filled from RDF files; each file
    becomes its own named graph (its ``file:`` IRI), queries see the union."""

    def __init__(self, paths: Iterable[str | Path] = ()):
        self.ox = ox.Store()
        self._sources: list[SourceInfo] = []
        for path in _files(paths):
            self.add_file(path)

    def add_file(self, path: str | Path) -> None:
        path = Path(path)
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt is None:
            raise InputError(f"{path}: not an RDF file this store can read")
        graph = path.resolve().as_uri()
        data = path.read_bytes()
        try:
            self.ox.load(data, format=fmt, base_iri=graph, to_graph=ox.NamedNode(graph))
        except SyntaxError as exc:
            raise InputError(f"{path}: {exc}") from None
        self._sources.append(SourceInfo(path=str(path), graph=graph, sha256=hashlib.sha256(data).hexdigest(),
                                        triples=0))

    def add_turtle(self, text: str, graph: str = "urn:x-ketengraaf:memory") -> None:
        """Add Turtle text (generated test chains)."""
        self.ox.load(text.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))

    def generation(self) -> Generation:
        version = hashlib.sha256("".join(s.sha256 for s in self._sources).encode()).hexdigest()
        return Generation(id="memory", version=version, created=datetime(1970, 1, 1, tzinfo=UTC),
                          path="", sources=tuple(self._sources), triples=len(self.ox), load_seconds=0.0)

    def query(self, sparql: str, **kw: Any) -> Any:
        return self.ox.query(sparql, use_default_graph_as_union=True)

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[Any]:
        s, p, o, g = (ox.NamedNode(t) if isinstance(t, str) else t for t in (subject, predicate, obj, graph))
        return self.ox.quads_for_pattern(s, p, o, g)


def _files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            out.extend(sorted(f for f in path.rglob("*") if f.is_file()
                              and ox.RdfFormat.from_extension(f.suffix.lstrip(".")) is not None))
        else:
            out.append(path)
    return out


def model_from_files(paths: Iterable[str | Path], chain: str, lang: str = "nl") -> ChainModel:
    """The model of ``chain`` (IRI or slug) from RDF files or folders (e.g. ``ontology/`` and ``data/``)."""
    store = MemoryStore(paths)
    return build_model(store, chain_iri(store, chain), lang)
