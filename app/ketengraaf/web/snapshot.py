"""What the web layer keeps per store generation.

A generation never changes once written, so everything derived from it (labels,
types, counts, the search index, the parsed SHACL report) is built once, on
first use, and dropped when ``CURRENT`` points to a new generation. A page
request then costs only its own ``quads()`` lookups.
"""
from __future__ import annotations

import threading
from typing import Any
from collections.abc import Callable

import pyoxigraph as ox

from ..labels import LabelIndex
from ..namespaces import RDF
from .context import store as app_store

RDF_TYPE = str(RDF.type)

_lock = threading.Lock()
_snapshots: dict[str, Snapshot] = {}


class Snapshot:
    """Per-generation facts: labels, types, subjects, class counts, plus lazily built extras."""

    def __init__(self, store, gen) -> None:
        self.store = store
        self.gen = gen
        self.labels = LabelIndex(store)
        self.types: dict[str, list[str]] = {}
        self.subjects: set[str] = set()
        for q in store.quads(None, None, None, None):
            s = q.subject
            if isinstance(s, ox.NamedNode):
                self.subjects.add(s.value)
                if q.predicate.value == RDF_TYPE and isinstance(q.object, ox.NamedNode):
                    ts = self.types.setdefault(s.value, [])
                    if q.object.value not in ts:
                        ts.append(q.object.value)
        self.by_class: dict[str, list[str]] = {}
        for s, ts in self.types.items():
            for t in ts:
                self.by_class.setdefault(t, []).append(s)
        self.class_counts: list[tuple[str, int]] = sorted(((c, len(m)) for c, m in self.by_class.items()),
                                                          key=lambda kv: (-kv[1], kv[0]))
        self._extras: dict[str, Any] = {}
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
            return self._extras[name]

    def instances(self, cls: str) -> list[str]:
        return list(self.by_class.get(cls, ()))


def snapshot(store=None) -> Snapshot:
    """The snapshot of the store's current generation (built on first use)."""
    if store is None:
        store = app_store()
    gen = store.generation()
    key = f"{store.dir}\0{gen.id}"
    snap = _snapshots.get(key)
    if snap is not None:
        return snap
    with _lock:
        snap = _snapshots.get(key)
        if snap is None:
            pinned = store.pinned()              # the snapshot reads only its own generation
            gen = pinned.generation()
            key = f"{store.dir}\0{gen.id}"
            snap = Snapshot(pinned, gen)
            prefix = f"{store.dir}\0"
            for old in [k for k in _snapshots if k.startswith(prefix)]:
                del _snapshots[old]
            _snapshots[key] = snap
    return snap
