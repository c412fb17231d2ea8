"""Per-app state of the endpoint: settings, the store, the answer cache and the query worker pool.

Admission: at most ``query_threads`` (and never more than ``threads`` - 2) server threads are
inside :meth:`SparqlState.run` at once, running a query or waiting for a worker; a query past
them is refused at once with 503 and ``Retry-After`` (:class:`ServerBusy`), so a flood of slow
queries leaves the server's other threads to pages and ``/healthz`` (issue 9: 20 slow queries
took every waitress thread and ``/healthz`` took 19.5 s). Answers from the cache never get here;
a single-resource lookup is answered in this process (:mod:`.inprocess`), its work bounded, with
no admission and no worker, one at a time.

The pool starts on the first query (or explicitly with :meth:`SparqlState.start`,
which ``ketengraaf serve`` does) and stops at interpreter exit or on
:meth:`SparqlState.close`. The endpoint's views (:mod:`ketengraaf.web.endpoint`)
keep one per app in ``app.extensions["ketengraaf.sparql"]``; nothing here knows Flask.
"""
from __future__ import annotations

import atexit
import threading

from ..errors import ServerBusy
from ..store import Store
from . import inprocess
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
        self.query_threads = admitted_threads(settings)
        self._admission = threading.BoundedSemaphore(self.query_threads)
        self._in_process_slot = threading.Lock()
        preparers = getattr(store, "preparers", None)
        if preparers is not None:          # a store that switches in the background: warm the workers first
            preparers.append(self._prepare)

    def _prepare(self, new, old) -> None:
        """Have each running worker open generation ``new`` before the store serves it (the workers keep the
        old one open beside it meanwhile), so no query waits for the copy into memory."""
        pool = self._pool
        if pool is not None:
            pool.prepare(new.generation().path)

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
                                           memory_cap=self.settings.query_memory_mb * 1024 * 1024,
                                           warm=self._warm_path,
                                           isolate_network=not self.settings.allow_network).start()
                    atexit.register(self._pool.close)
                pool = self._pool
        return pool

    def _warm_path(self) -> str | None:
        """The current generation, for new workers to open before their first query."""
        return self._store.generation().path

    def start(self) -> SparqlState:
        _ = self.pool           # starts the worker processes now, not on the first query
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
        body = self._in_process(gen, job)
        if body is not None:
            return body
        if not self._admission.acquire(blocking=False):
            raise ServerBusy(f"all {self.query_threads} server threads for queries are busy (setting "
                             "query_threads); try again in a few seconds")
        try:
            return self.pool.run(job, self.settings.query_timeout)
        finally:
            self._admission.release()

    def _in_process(self, gen, job: Job) -> bytes | None:
        """The answer of a single-resource lookup from the generation this process has open
        (:mod:`.inprocess`), or None: a worker answers. One lookup at a time: while one runs here, the
        next goes to a worker, so concurrent lookups still use the other cores (measured: without this,
        four clients got 12% fewer lookups a second than with every lookup on a worker)."""
        lookup = inprocess.lookup_of(job)         # first, outside the slot: most queries are not lookups
        if lookup is None or not self._in_process_slot.acquire(blocking=False):
            return None
        try:
            # the generation served now, without a second look at CURRENT (the caller's generation() made it)
            pinned_now = getattr(self._store, "pinned_now", None)
            pinned = pinned_now() if pinned_now is not None else None
            if pinned is None or pinned.generation().id != gen.id:
                return None
            return inprocess.answer(pinned.opened(), job, lookup)
        finally:
            self._in_process_slot.release()


def admitted_threads(settings) -> int:
    """Server threads queries may hold at once: ``query_threads``, leaving at least two to the pages."""
    return max(1, min(settings.query_threads, settings.threads - 2))
