"""Per-app state of the endpoint: settings, the store, the answer cache and the query worker pool.

The pool starts on the first query (or explicitly with :meth:`SparqlState.start`,
which ``ketengraaf serve`` does) and stops at interpreter exit or on
:meth:`SparqlState.close`. The endpoint's views (:mod:`ketengraaf.web.endpoint`)
keep one per app in ``app.extensions["ketengraaf.sparql"]``; nothing here knows Flask.
"""
from __future__ import annotations

import atexit
import threading

from ..store import Store
from .cache import AnswerCache
from .workers import Job, QueryPool


class SparqlState:
    def __init__(self, settings, cache: AnswerCache, store: Store):
        self.settings = settings
        self.cache = cache
        self._pool: QueryPool | None = None
        self._lock = threading.Lock()
        self._graphs: tuple[str, frozenset[str]] | None = None
        self._store = store            # the app's store: new workers open its current generation

    def store(self) -> Store:
        return self._store

    @property
    def pool(self) -> QueryPool:
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = QueryPool(self.settings.query_workers,
                                           memory_max_triples=self.settings.memory_max_triples,
                                           warm=self._warm_path,
                                           isolate_network=not self.settings.allow_network).start()
                    atexit.register(self._pool.close)
                pool = self._pool
        return pool

    def _warm_path(self) -> str | None:
        """The current generation, for new workers to open before their first query."""
        return self._store.generation().path

    def start(self) -> "SparqlState":
        self.pool
        return self

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def graphs(self, gen) -> frozenset[str]:
        """Named graphs of ``gen`` (what FROM may name)."""
        cached = self._graphs
        if cached is None or cached[0] != gen.id:
            cached = self._graphs = (gen.id, frozenset(gen.graphs))
        return cached[1]

    def run(self, gen, query: str, dataset, kind: str, fmt, base_iri: str | None = None) -> bytes:
        job = Job.for_query(gen, query, dataset, kind, fmt, self.settings, base_iri)
        return self.pool.run(job, self.settings.query_timeout)
