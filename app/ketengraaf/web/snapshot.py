"""What the web layer keeps per store generation.

A generation never changes once written, so everything derived from it (labels,
types, counts, the search index, the parsed SHACL report) is built once, on
first use, and dropped when ``CURRENT`` points to a new generation. A page
request then costs only its own ``quads()`` lookups.

A new generation is prepared before it is served (:func:`prepare_generations`): the app's store
switches in the background (``OxigraphStore(background=True)``), and on that thread, before the
switch, the new generation's snapshot is built with every structure the served one had built
(search index, report, suggestion keys, ...). Until then requests go on with the old generation,
so none waits for a rebuild (issue 15: pages took up to 87.6 s after a reload at 1.5M triples).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any
from collections.abc import Callable

import pyoxigraph as ox

from ..labels import LabelIndex
from ..namespaces import RDF
from .context import store as app_store

RDF_TYPE = str(RDF.type)

log = logging.getLogger("ketengraaf.web")
_lock = threading.Lock()
_snapshots: dict[str, Snapshot] = {}
KEEP_SNAPSHOTS = 2          # per store: the one served and the one being prepared


class Snapshot:
    """Per-generation facts: labels, types, subjects, class counts, plus lazily built extras."""

    def __init__(self, store, gen) -> None:
        self.store = store
        self.gen = gen
        # one str per IRI (and language tag) for everything built from this generation: pyoxigraph makes
        # a new str on every read, and the labels, types, search index and wiki facts each kept their own
        # copy of every IRI (at 1M triples, 139k subjects: tens of MB each)
        self.strings: dict[str, str] = {}
        share = self.strings.setdefault
        self.labels = LabelIndex(store, self.strings)
        self.types: dict[str, list[str]] = {}
        self.subjects: set[str] = set()
        type_node = ox.NamedNode(RDF_TYPE)
        for q in store.quads(None, None, None, None):
            s = q.subject
            if isinstance(s, ox.NamedNode):
                iri = s.value
                self.subjects.add(share(iri, iri))
                if q.predicate == type_node and isinstance(q.object, ox.NamedNode):
                    ts = self.types.get(iri)
                    if ts is None:
                        ts = self.types[share(iri, iri)] = []
                    t = q.object.value
                    if t not in ts:
                        ts.append(share(t, t))
        for ts in self.types.values():          # the same order whatever order the store gives the quads in
            ts.sort()
        self.by_class: dict[str, list[str]] = {}
        for s, ts in self.types.items():
            for t in ts:
                self.by_class.setdefault(t, []).append(s)
        self.class_counts: list[tuple[str, int]] = sorted(((c, len(m)) for c, m in self.by_class.items()),
                                                          key=lambda kv: (-kv[1], kv[0]))
        self._extras: dict[str, Any] = {}
        self.builders: dict[str, Callable[[Snapshot], Any]] = {}     # what was built, to build again on the next
        self._extra_lock = threading.Lock()

    def extra(self, name: str, build: Callable[[Snapshot], Any]) -> Any:
        """A derived structure, built once per generation (search index, report, ontology)."""
        try:
            return self._extras[name]
        except KeyError:
            pass
        with self._extra_lock:
            if name not in self._extras:
                self._extras[name] = build(self)
                self.builders[name] = build
            return self._extras[name]

    def instances(self, cls: str) -> list[str]:
        return list(self.by_class.get(cls, ()))


def _keep(key: str, snap: Snapshot, store_key: str) -> None:
    """Register ``snap`` under ``key``; of this store's older snapshots only the newest stays (caller holds
    the lock)."""
    _snapshots.pop(key, None)
    _snapshots[key] = snap
    prefix = f"{store_key}\0"
    mine = [k for k in _snapshots if k.startswith(prefix)]
    for old in mine[:-KEEP_SNAPSHOTS]:
        del _snapshots[old]


def snapshot(store=None) -> Snapshot:
    """The snapshot of the store's current generation (built on first use)."""
    if store is None:
        store = app_store()
    gen = store.generation()
    key = f"{store.key}\0{gen.id}"
    snap = _snapshots.get(key)
    if snap is not None:
        return snap
    with _lock:
        snap = _snapshots.get(key)
        if snap is None:
            pinned = store.pinned()              # the snapshot reads only its own generation
            gen = pinned.generation()
            key = f"{store.key}\0{gen.id}"
            snap = _snapshots.get(key) or Snapshot(pinned, gen)
            _keep(key, snap, store.key)
    return snap


def prepare_current(store=None) -> Snapshot:
    """The snapshot of the store's current generation, built now (in a request) with every extra the newest
    snapshot of an earlier generation had built: what :func:`prepare_generations` does in the background,
    for a store that switches at once (the remote one, after a write from this process)."""
    if store is None:
        store = app_store()
    prefix = f"{store.key}\0"
    with _lock:
        earlier = [snap for k, snap in _snapshots.items() if k.startswith(prefix)]
    snap = snapshot(store)
    for other in reversed(earlier):
        if other is not snap:
            for name, build in dict(other.builders).items():
                try:
                    snap.extra(name, build)
                except Exception:  # built on first use instead
                    log.exception("building %s for generation %s", name, snap.gen.id)
            break
    return snap


def prepare_generations(app, store) -> None:
    """Have ``store`` (an ``OxigraphStore(background=True)``) build each new generation's snapshot before
    it serves it: the base facts, then every extra the served generation's snapshot had built, in the
    app's context. One generation at a time, on the store's switching thread."""
    if not hasattr(store, "preparers"):      # a remote store: a new generation is prepared on first use
        return

    def prepare(new, old) -> None:
        gen = new.generation()
        key = f"{store.key}\0{gen.id}"
        started = time.perf_counter()
        before = _snapshots.get(f"{store.key}\0{old.generation().id}") if old is not None else None
        snap = Snapshot(new, gen)
        with app.test_request_context("/"):
            for name, build in (dict(before.builders) if before is not None else {}).items():
                try:
                    snap.extra(name, build)
                except Exception:  # built on first use instead, as before
                    log.exception("building %s for generation %s", name, gen.id)
        with _lock:
            _keep(key, snap, store.key)
        log.info("generation %s prepared in %.2f s (%d triples)", gen.id, time.perf_counter() - started,
                 gen.triples)

    def switched(now) -> None:
        """Drop the snapshots of the generations before the one now served (they hold its store)."""
        key = f"{store.key}\0{now.generation().id}"
        prefix = f"{store.key}\0"
        with _lock:
            if key in _snapshots:
                for old in [k for k in _snapshots if k.startswith(prefix) and k != key]:
                    del _snapshots[old]

    store.preparers.append(prepare)
    store.switched.append(switched)
