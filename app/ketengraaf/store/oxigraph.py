"""Embedded Oxigraph store on disk, in immutable generations.

Layout of ``store_dir``::

    CURRENT                      id of the generation readers use (swapped by rename)
    generations/<id>/oxigraph/   the RocksDB store, written once, then opened read-only
    generations/<id>/manifest.json
    generations/<id>/validation.ttl   SHACL report of this generation (when validated)

The default graph is a set. Each source file is its own named graph, and the
store's real default graph holds their RDF merge, written once when the
generation is (:func:`materialise_union`). Queries read that default graph
instead of Oxigraph's union mode, because in 0.5.13 union mode (and a
``default_graph`` of several graphs) returns a triple once per graph that holds
it (upstream oxigraph#1919): ``COUNT`` and ``SUM`` inflate and rows repeat.
A dataset of several chosen default graphs (``FROM``, ``default-graph-uri``)
is merged into a small in-memory store for that one query (:func:`dataset`).

Only the loader writes, and only into a new generation folder; see
``docs/oxigraph-notes.md`` for why readers must never open a
store another process writes.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import threading
import time
from datetime import datetime, UTC
from itertools import islice
from pathlib import Path
from typing import Any, cast
from collections.abc import Callable, Iterator

import pyoxigraph as ox

from ..errors import StoreError
from . import Generation, SourceInfo, Store

KEEP_GENERATIONS = 3
COPY_CHUNK = 2_000             # quads copied into memory per call (the GIL is free between calls)
log = logging.getLogger("ketengraaf.store")


def _node(iri: str | None):
    return None if iri is None else ox.NamedNode(iri)


def open_generation(path: str | os.PathLike) -> ox.Store:
    """Open a generation's store on disk, read-only (:func:`open_for_reading` adds the in-memory copies)."""
    path = Path(path)
    try:
        return ox.Store.read_only(str(path / "oxigraph"))
    except OSError as exc:
        raise StoreError(f"cannot open store {path}: {exc}") from exc


_NAMED_GRAPH_WORDS = re.compile(r"graph|from", re.IGNORECASE)


def reads_named_graphs(sparql: str) -> bool:
    """Whether a query may read a named graph (a ``GRAPH`` pattern, ``FROM`` or ``FROM NAMED``); without
    one, a query reads only the default graph. Conservative: any ``graph`` or ``from`` anywhere in the text
    (a name, an IRI, a string) counts, which costs only speed. It is sound because the engine reads keywords
    only as written: it decodes ``\\u`` escapes inside IRIs and strings, never in keywords (pyoxigraph
    0.5.13; ``sparql/reader.py`` and its tests), and reads a keyword glued to a word (``trueGRAPH``), which
    still holds the letters."""
    return _NAMED_GRAPH_WORDS.search(sparql) is not None


class Opened:
    """A generation open for reading.

    A generation of at most ``memory_max_triples`` triples is read from in-memory copies: ``memory`` holds
    its default graph only (the union of the sources), and, in the web process, ``named`` its named graphs
    only (pages show which source says what). Queries and lookups on the default graph go to ``memory``;
    queries that may read a named graph (``GRAPH``, ``FROM``, chosen graphs) go to the store on disk. The
    two are kept apart because in pyoxigraph's in-memory store the named graphs' quads slow down every scan
    of the default graph (100k triples: a join 6.4 ms with them, 2.8 ms without; a
    ``CONTAINS`` label search 9.7 against 2.4 ms). A larger generation is read from the disk only."""

    def __init__(self, disk: ox.Store, *, memory: ox.Store | None = None, named: ox.Store | None = None,
                 union_graph: bool = True):
        # the disk stays open beside the copies: a generation's folder may be removed once it is superseded,
        # and an open store keeps reading it (a query naming graphs may come later)
        self.disk, self.memory, self.named, self.union = disk, memory, named, union_graph

    def for_query(self, sparql: str, *, union: bool = True, default_graph=None, named_graphs=None
                  ) -> tuple[ox.Store, dict[str, Any]]:
        """The store to run ``sparql`` on and the keyword arguments for ``Store.query`` (see :func:`dataset`)."""
        if (self.memory is not None and union and default_graph is None and named_graphs is None
                and not reads_named_graphs(sparql)):
            return self.memory, {}
        return dataset(self.disk, union=union, default_graph=default_graph, named_graphs=named_graphs,
                       union_graph=self.union)

    def quads(self, s, p, o, g) -> Iterator[Any]:
        """Quads matching a pattern; ``g`` None: the default graph (on an old generation without the
        materialised union: every graph)."""
        if g is None:
            if self.memory is not None:
                return self.memory.quads_for_pattern(s, p, o, ox.DefaultGraph())
            if self.union:
                g = ox.DefaultGraph()
        elif self.named is not None and not isinstance(g, ox.DefaultGraph):
            return self.named.quads_for_pattern(s, p, o, g)
        return self.disk.quads_for_pattern(s, p, o, g)

    def source_store(self) -> ox.Store:
        """Where the named graphs are read from (the caller leaves out the default graph)."""
        return self.named if self.named is not None else self.disk


def open_for_reading(path: str | os.PathLike, *, memory_max_triples: int = 0, copy_named: bool = False) -> Opened:
    """Open generation ``path`` for queries and pages: on disk, or, when it holds at most
    ``memory_max_triples`` triples (0: never), from an in-memory copy of its default graph, plus one of its
    named graphs when ``copy_named`` (see :class:`Opened`)."""
    path = Path(path)
    disk = open_generation(path)
    union = has_union_graph(disk)
    if not union or memory_max_triples <= 0 or _triples(path) > memory_max_triples:
        return Opened(disk, union_graph=union)
    memory = _copy(disk.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    named = None
    if copy_named:
        named = _copy(q for q in disk.quads_for_pattern(None, None, None, None)
                      if not isinstance(q.graph_name, ox.DefaultGraph))
    return Opened(disk, memory=memory, named=named, union_graph=union)


def _copy(quads: Iterator[Any]) -> ox.Store:
    """An in-memory store of ``quads``, filled in chunks: one bulk_extend over the whole iterator holds the
    GIL until the copy is done, and the web process copies a new generation on a background thread while its
    request threads go on serving."""
    memory = ox.Store()
    quads = iter(quads)
    while chunk := list(islice(quads, COPY_CHUNK)):
        memory.bulk_extend(chunk)
    return memory


def _triples(path: Path) -> int:
    try:
        return int(json.loads((path / "manifest.json").read_text())["triples"])
    except (OSError, ValueError, KeyError, TypeError):
        return 1 << 62          # unknown: treat as too big to copy


def has_union_graph(store: ox.Store) -> bool:
    """Whether the generation's default graph holds the merge of its named graphs (written by
    :func:`write_generation` since the set-semantics fix; older generations have an empty one)."""
    return next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None


def dataset(store: ox.Store, *, union: bool = True, default_graph=None, named_graphs=None,
            union_graph: bool | None = None) -> tuple[ox.Store, dict[str, Any]]:
    """The store to query and the keyword arguments for ``Store.query``, so that the default graph is
    a set of triples (RDF merge) whatever the engine does with several graphs.

    - ``default_graph`` of one graph: that graph as it is;
    - ``default_graph`` of several graphs: they are merged into an in-memory store's default graph,
      with the ``named_graphs`` (all when None) beside them, for this query only;
    - else, ``union``: the materialised default graph (or, for a generation written before it
      existed, Oxigraph's union mode);
    - else an empty default graph."""
    names = None if named_graphs is None else [ox.NamedNode(g) for g in dict.fromkeys(named_graphs)]
    if default_graph is not None:
        chosen = [ox.NamedNode(g) for g in dict.fromkeys(default_graph)]
        if len(chosen) <= 1:
            kw: dict[str, Any] = {"default_graph": chosen}
            if names is not None:
                kw["named_graphs"] = names
            return store, kw
        merged = ox.Store()
        for g in chosen:
            merged.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                               for q in store.quads_for_pattern(None, None, None, g))
        for named in (names if names is not None else list(store.named_graphs())):
            merged.bulk_extend(store.quads_for_pattern(None, None, None, named))
            merged.add_graph(named)
        return merged, {} if names is None else {"named_graphs": names}
    kw = {} if names is None else {"named_graphs": names}
    if union:
        if union_graph is None:
            union_graph = has_union_graph(store)
        if not union_graph:
            kw["use_default_graph_as_union"] = True
        return store, kw
    kw["default_graph"] = []
    return store, kw


class OxigraphStore(Store):
    """Reader of the current generation; reopens when ``CURRENT`` changes.

    ``background=False`` (the CLI, tests): the first call after ``CURRENT`` changed opens the new
    generation itself. ``background=True`` (the web app): one thread opens it, runs the
    :attr:`preparers` on it (the web layer builds its per-generation indexes, the query workers open
    it) and only then makes it the generation this object answers from; until then every caller keeps
    getting the old one, so no request waits for a switch. One switch at a time; when ``CURRENT``
    moves again meanwhile, the newest generation wins and the ones in between are skipped."""

    def __init__(self, store_dir: str | os.PathLike, *, memory_max_triples: int = 0, background: bool = False):
        self.dir = Path(store_dir)
        self.memory_max_triples = memory_max_triples
        self.background = background
        # each called with the new generation (a PinnedStore) and the one served now (or None), on the
        # switching thread, before the new one is served; an exception is logged and does not stop the switch
        self.preparers: list[Callable[[PinnedStore, PinnedStore | None], None]] = []
        # each called with the generation now served, right after a background switch (drop what the old held)
        self.switched: list[Callable[[PinnedStore], None]] = []
        self._lock = threading.Lock()
        self._switched = threading.Condition(self._lock)
        self._switching = False
        self._gen: Generation | None = None
        self._ox: Opened | None = None
        self._pointer_stat: tuple | None = None

    # -- generations -------------------------------------------------------
    @property
    def key(self) -> str:
        return str(self.dir)

    def generation_file(self, name: str) -> bytes | None:
        return generation_file(self.generation(), name)

    @property
    def pointer(self) -> Path:
        return self.dir / "CURRENT"

    def _pointer_key(self) -> tuple:
        try:
            st = self.pointer.stat()
        except FileNotFoundError:
            raise StoreError(f"no catalogue loaded in {self.dir}: run `ketengraaf load` first") from None
        return (st.st_mtime_ns, st.st_ino, st.st_size)

    def _open(self) -> tuple[tuple, PinnedStore]:
        key = self._pointer_key()
        gen = read_generation(self.dir, self.pointer.read_text().strip())
        opened = open_for_reading(gen.path, memory_max_triples=self.memory_max_triples, copy_named=True)
        return key, PinnedStore(self.dir, gen, opened)

    def _install(self, key: tuple, pinned: PinnedStore) -> None:
        """Serve ``pinned`` from now on (caller holds the lock)."""
        self._ox, self._gen, self._pointer_stat = pinned._ox, pinned._gen, key

    def _refresh(self) -> None:
        key = self._pointer_key()
        if key == self._pointer_stat and self._ox is not None:
            return
        with self._lock:
            if key == self._pointer_stat and self._ox is not None:
                return
            if self._ox is None or not self.background:
                opened_key, pinned = self._open()
                self._install(opened_key, pinned)
            elif not self._switching:
                self._switching = True
                threading.Thread(target=self._switch_loop, name="ketengraaf-generation-switch",
                                 daemon=True).start()

    def _switch_loop(self) -> None:
        """Open and prepare the newest generation, serve it, repeat while ``CURRENT`` moved meanwhile."""
        try:
            while True:
                try:
                    key = self._pointer_key()
                    if key == self._pointer_stat:
                        return
                    key, pinned = self._open()
                except Exception:  # a generation removed under us, an unreadable manifest: next request retries
                    log.exception("could not open the new generation of %s", self.dir)
                    return
                if pinned._gen.id != (self._gen.id if self._gen is not None else None):
                    old = self.pinned_now()
                    for prepare in list(self.preparers):
                        try:
                            prepare(pinned, old)
                        except Exception:  # the switch goes on: what failed is built on first use instead
                            log.exception("preparing generation %s failed", pinned._gen.id)
                with self._lock:
                    self._install(key, pinned)
                    self._switched.notify_all()
                for done in list(self.switched):
                    try:
                        done(pinned)
                    except Exception:  # only a clean-up
                        log.exception("after switching to generation %s", pinned._gen.id)
        finally:
            with self._lock:
                self._switching = False
                self._switched.notify_all()

    def wait_current(self, timeout: float = 60.0) -> bool:
        """Block until the generation ``CURRENT`` names is the one served (a writer that wants its readers
        to see its change, a test); False after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            self._refresh()
            with self._lock:
                if self._pointer_key() == self._pointer_stat and not self._switching:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._switched.wait(min(left, 0.05))

    def pinned_now(self) -> PinnedStore | None:
        """The generation served now, without looking at ``CURRENT`` (None before the first)."""
        with self._lock:
            if self._gen is None or self._ox is None:
                return None
            return PinnedStore(self.dir, self._gen, self._ox)

    def generation(self) -> Generation:
        self._refresh()
        assert self._gen is not None
        return self._gen

    def pinned(self) -> PinnedStore:
        """The current generation as a store that stays on it (a page or snapshot built from it never
        mixes two generations, and does not look at ``CURRENT`` again)."""
        self._refresh()
        with self._lock:
            assert self._gen is not None and self._ox is not None     # set by _refresh
            return PinnedStore(self.dir, self._gen, self._ox)

    # -- reading -------------------------------------------------------------
    def query(self, sparql: str, **kw: Any) -> Any:
        self._refresh()
        with self._lock:
            opened = self._ox
        assert opened is not None
        return _query(opened, sparql, **kw)

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[Any]:
        self._refresh()
        with self._lock:
            opened = self._ox
        assert opened is not None
        return _quads(opened, subject, predicate, obj, graph)

    def source_quads(self, subject=None, predicate=None, obj=None) -> Iterator[Any]:
        self._refresh()
        with self._lock:
            opened, gen = self._ox, self._gen
        assert opened is not None
        return _source_quads(opened.source_store(), subject, predicate, obj, gen)


class PinnedStore(Store):
    """One generation, already open: what :meth:`OxigraphStore.pinned` returns."""

    def __init__(self, store_dir: Path, gen: Generation, opened: Opened):
        self.dir, self._gen, self._ox = store_dir, gen, opened

    def generation(self) -> Generation:
        return self._gen

    @property
    def key(self) -> str:
        return str(self.dir)

    def pinned(self) -> PinnedStore:
        return self

    def opened(self) -> Opened:
        """The generation as opened for reading (its store on disk and in-memory copies)."""
        return self._ox

    def generation_file(self, name: str) -> bytes | None:
        return generation_file(self._gen, name)

    def query(self, sparql: str, **kw: Any) -> Any:
        return _query(self._ox, sparql, **kw)

    def quads(self, subject=None, predicate=None, obj=None, graph=None) -> Iterator[Any]:
        return _quads(self._ox, subject, predicate, obj, graph)

    def source_quads(self, subject=None, predicate=None, obj=None) -> Iterator[Any]:
        return _source_quads(self._ox.source_store(), subject, predicate, obj, self._gen)


def _query(opened: Opened, sparql: str, *, union: bool = True,
           default_graph: list[str] | None = None, named_graphs: list[str] | None = None) -> Any:
    target, kw = opened.for_query(sparql, union=union, default_graph=default_graph, named_graphs=named_graphs)
    return target.query(sparql, **kw)


def _quads(opened: Opened, subject, predicate, obj, graph) -> Iterator[Any]:
    """Quads matching a pattern; ``graph=None`` means the default graph, the merge of all sources, so
    a triple held by two source files comes once (on an old generation without it: every graph)."""
    s, p, o, g = (_node(t) if isinstance(t, str) else t for t in (subject, predicate, obj, graph))
    return opened.quads(s, p, o, g)


def _source_quads(store: ox.Store, subject, predicate, obj, gen: Generation | None = None) -> Iterator[Any]:
    """Quads in the named graphs, each with its graph; not those a generation keeps outside the default
    graph (its validation report: data about the data, not a description of the resource)."""
    s, p, o = (_node(t) if isinstance(t, str) else t for t in (subject, predicate, obj))
    outside = frozenset(gen.extra.get("outside_union", ())) if gen is not None else frozenset()
    return (q for q in store.quads_for_pattern(s, p, o, None)
            if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name.value not in outside)


# -- writing (the loader) ----------------------------------------------------
def read_generation(store_dir: Path, gen_id: str) -> Generation:
    path = Path(store_dir) / "generations" / gen_id
    try:
        meta = json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise StoreError(f"generation {gen_id} in {store_dir} is unreadable: {exc}") from exc
    return Generation(
        id=meta["id"], version=meta["version"], created=datetime.fromisoformat(meta["created"]),
        path=str(path), sources=tuple(SourceInfo(**s) for s in meta["sources"]),
        triples=meta["triples"], load_seconds=meta["load_seconds"], extra=meta.get("extra", {}))


def current_generation(store_dir: Path) -> Generation | None:
    pointer = Path(store_dir) / "CURRENT"
    if not pointer.exists():
        return None
    return read_generation(Path(store_dir), pointer.read_text().strip())


def export_graphs(gen: Generation, graphs: list[str]) -> dict[str, bytes]:
    """Named graphs of generation ``gen`` as N-Triples (what a partial load keeps), the store opened once."""
    store = open_generation(gen.path)
    # without an output file, dump returns the bytes (stubs: bytes | None)
    return {g: cast(bytes, store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g))) for g in graphs}


def generation_file(gen: Generation, name: str) -> bytes | None:
    """A file the loader stored beside generation ``gen`` (e.g. ``validation.ttl``), or None."""
    try:
        return (Path(gen.path) / name).read_bytes()
    except OSError:
        return None


def triples_filler(info: SourceInfo, triples: list) -> Callable[[ox.Store], SourceInfo]:
    """A filler for :func:`write_generation` from triples already in memory (importers, tests)."""
    def fill(store: ox.Store) -> SourceInfo:
        g = ox.NamedNode(info.graph)
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)
        return info
    return fill


def write_generation(store_dir: Path, version: str, fillers: list[Callable[[ox.Store], SourceInfo]],
                     *, extra_files: dict[str, bytes] | None = None,
                     extra: dict[str, Any] | None = None, started: float | None = None,
                     outside_union: frozenset[str] = frozenset()) -> Generation:
    """Write a complete new generation and make it current, atomically.

    Each filler writes one source into the new store (as its named graph) and
    returns its :class:`SourceInfo`. Nothing readers see changes until the final
    rename of ``CURRENT``; when a filler raises, the half-written folder is removed.
    """
    started = time.perf_counter() if started is None else started
    store_dir = Path(store_dir)
    gens = store_dir / "generations"
    gens.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    gen_id = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + version[:12]
    path = gens / gen_id
    tmp = gens / (gen_id + ".tmp")
    try:
        tmp.mkdir()
        # built in memory, then written to disk in one bulk load: the fillers' queries (inference) and the
        # union ran on the RocksDB store being written at about 20x the time (100k triples: 20 s in all)
        memory = ox.Store()
        infos = [fill(memory) for fill in fillers]
        total = sum(i.triples for i in infos)
        union_started = time.perf_counter()
        distinct = materialise_union(memory, outside_union)
        union_seconds = time.perf_counter() - union_started
        dumped = tmp / "all.nq"
        memory.dump(output=str(dumped), format=ox.RdfFormat.N_QUADS)
        del memory
        store = ox.Store(str(tmp / "oxigraph"))
        # one document: a blank node keeps one identity across the graphs (bulk_load renames them per document)
        store.bulk_load(path=str(dumped), format=ox.RdfFormat.N_QUADS)
        dumped.unlink()
        store.flush()
        store.optimize()
        del store
        for name, data in (extra_files or {}).items():
            (tmp / name).write_bytes(data)
        meta = {
            "id": gen_id, "version": version, "created": now.isoformat(),
            "sources": [vars(info) for info in infos], "triples": total,
            "default_graph": {"union_of_sources": True, "triples": distinct,
                              "seconds": round(union_seconds, 3)},
            "load_seconds": round(time.perf_counter() - started, 3),
            "extra": {**(extra or {}), **({"outside_union": sorted(outside_union)} if outside_union else {})},
        }
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2))
        os.replace(tmp, path)
        pointer_tmp = store_dir / "CURRENT.tmp"
        pointer_tmp.write_text(gen_id + "\n")
        os.replace(pointer_tmp, store_dir / "CURRENT")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _collect_garbage(gens, keep=gen_id)
    return read_generation(store_dir, gen_id)


@contextlib.contextmanager
def writer_lock(store_dir: str | os.PathLike, *, clean: bool = True) -> Iterator[None]:
    """Hold the store's writer lock (``store_dir/LOCK``) for one load; a second writer is refused at
    once with a message naming the holder. Holding it, no other load runs, so any ``*.tmp``
    generation left is debris of a killed load and goes."""
    store_dir = Path(store_dir)
    store_dir.mkdir(parents=True, exist_ok=True)
    with open(store_dir / "LOCK", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise StoreError(f"another load is writing the store {store_dir} ({holder}); "
                             "wait for it to finish, then load again") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            if clean:
                remove_leftovers(store_dir)
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_leftovers(store_dir: str | os.PathLike) -> list[str]:
    """Remove ``*.tmp`` generations of loads that were killed (call with the writer lock held, or
    through :func:`clean_store`). Returns the names removed."""
    gens = Path(store_dir) / "generations"
    removed = []
    for stale in gens.glob("*.tmp") if gens.is_dir() else ():
        shutil.rmtree(stale, ignore_errors=True)
        removed.append(stale.name)
    return removed


def clean_store(store_dir: str | os.PathLike) -> list[str]:
    """At start-up: remove what killed loads left, unless a load is running now."""
    if not (Path(store_dir) / "generations").is_dir():
        return []
    try:
        with writer_lock(store_dir, clean=False):
            return remove_leftovers(store_dir)
    except StoreError:
        return []              # a load is running: its .tmp is not debris
def materialise_union(store: ox.Store, outside: frozenset[str] = frozenset()) -> int:
    """Write the RDF merge of all named graphs but those ``outside`` into the store's default graph (a
    set: a triple held by several graphs is stored once); the number of distinct triples. Graph by
    graph, in the engine (SPARQL ``ADD``: bound blank nodes stay the same nodes)."""
    for g in list(store.named_graphs()):
        if isinstance(g, ox.DefaultGraph) or g.value in outside:
            continue
        store.update(f"ADD GRAPH <{g.value}> TO DEFAULT")
    rows = cast(ox.QuerySolutions, store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    return int(next(iter(rows))["n"].value)


def _collect_garbage(gens: Path, keep: str) -> None:
    """Remove all but the newest generations (readers reopen on the next request)."""
    done = sorted((p for p in gens.iterdir() if p.is_dir() and not p.name.endswith(".tmp")),
                  key=lambda p: p.name)
    now = time.time()
    for old, successor in zip(done[:-KEEP_GENERATIONS], done[1:]):
        try:    # writes make generations fast: a reader may still have one superseded a moment ago open
            recent = now - (successor / "manifest.json").stat().st_mtime < MIN_GENERATION_AGE
        except OSError:
            recent = False
        if old.name != keep and not recent:
            shutil.rmtree(old, ignore_errors=True)
    # *.tmp folders are removed under the writer lock (remove_leftovers), never here: a load
    # that runs now may own one.


# -- the writer's head (HTTP writes; see docs/writes.md) ----------------------------------------
MIN_GENERATION_AGE = 60.0      # seconds a superseded generation is kept at least (readers may have it open)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def link_copy(source: Path, target: Path) -> None:
    """Copy a RocksDB folder that nobody writes: SST files hard-linked (RocksDB never changes one once
    written, it only deletes it, which removes one link), everything else copied; not the LOCK."""
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.name == "LOCK" or item.name.startswith("LOG"):
            continue
        if item.suffix == ".sst":
            os.link(item, target / item.name)
        else:
            shutil.copy2(item, target / item.name)


def swap_current(store_dir: Path, gen_id: str) -> None:
    """Make ``gen_id`` current: the pointer written, synced, renamed over ``CURRENT`` and the rename synced."""
    pointer_tmp = store_dir / "CURRENT.tmp"
    _write_synced(pointer_tmp, (gen_id + "\n").encode())
    os.replace(pointer_tmp, store_dir / "CURRENT")
    _fsync_dir(store_dir)


class WriterHead:
    """The writer's read-write copy of the current generation (``store_dir/head``).

    Only the process that holds the writer lock touches it. :meth:`ensure` brings it to the current
    generation (a hard-link copy, when a load made a newer one or a write was killed half-way);
    :meth:`publish` turns it into a new generation with a RocksDB checkpoint."""

    def __init__(self, store_dir: str | os.PathLike):
        self.store_dir = Path(store_dir)
        self.dir = self.store_dir / "head"
        self.store: ox.Store | None = None
        self.base: str | None = None

    @property
    def _dirty(self) -> Path:
        return self.dir / "DIRTY"

    def ensure(self) -> tuple[Generation, ox.Store]:
        """(current generation, the head store equal to it). Call with the writer lock held."""
        gen = current_generation(self.store_dir)
        if gen is None:
            raise StoreError(f"no catalogue loaded in {self.store_dir}: run `ketengraaf load` first")
        base_file = self.dir / "BASE"
        on_disk = base_file.read_text().strip() if base_file.exists() else None
        if self.store is not None and self.base == gen.id == on_disk and not self._dirty.exists():
            return gen, self.store
        self.close()
        if on_disk != gen.id or self._dirty.exists() or not (self.dir / "oxigraph").is_dir():
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir(parents=True)
            link_copy(Path(gen.path) / "oxigraph", self.dir / "oxigraph")
            _write_synced(base_file, (gen.id + "\n").encode())
        try:
            self.store = ox.Store(str(self.dir / "oxigraph"))
        except OSError as exc:
            raise StoreError(f"cannot open the writer's copy of the store {self.dir}: {exc}; another "
                             "ketengraaf process writes this store") from exc
        self.base = gen.id
        return gen, self.store

    def begin(self) -> None:
        """Mark the head as being changed (a process killed now leaves it to be rebuilt)."""
        _write_synced(self._dirty, b"")

    def clean(self) -> None:
        """The head equals its base again (a change rolled back)."""
        self._dirty.unlink(missing_ok=True)

    def publish(self, version: str, sources: list[SourceInfo], *, triples: int, default_delta: int,
                extra: dict[str, Any], extra_files: dict[str, bytes], started: float,
                steps: Any = None) -> Generation:
        """Write the head as a new generation (a checkpoint: SST files hard-linked) and make it current.
        ``default_delta``: how the number of triples in the default graph changed since the base; ``steps``
        (the writer's log of the change) is not needed here: the checkpoint holds it."""
        assert self.store is not None
        gens = self.store_dir / "generations"
        try:
            base = json.loads((gens / str(self.base) / "manifest.json").read_text())
            default_triples = int(base["default_graph"]["triples"]) + default_delta
        except (OSError, ValueError, KeyError, TypeError):
            default_triples = sum(1 for _ in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        now = datetime.now(UTC)
        gen_id = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + version.split(":")[-1][:12]
        path, tmp = gens / gen_id, gens / (gen_id + ".tmp")
        try:
            tmp.mkdir()
            self.store.backup(str(tmp / "oxigraph"))
            for name, data in extra_files.items():
                _write_synced(tmp / name, data)
            meta = {
                "id": gen_id, "version": version, "created": now.isoformat(),
                "sources": [vars(info) for info in sources], "triples": triples,
                "default_graph": {"union_of_sources": True, "triples": default_triples},
                "load_seconds": round(time.perf_counter() - started, 3), "extra": extra,
            }
            _write_synced(tmp / "manifest.json", json.dumps(meta, indent=2).encode())
            _fsync_dir(tmp)
            os.replace(tmp, path)
            _fsync_dir(gens)
            swap_current(self.store_dir, gen_id)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _write_synced(self.dir / "BASE", (gen_id + "\n").encode())
        self.base = gen_id
        self.clean()
        _collect_garbage(gens, keep=gen_id)
        return read_generation(self.store_dir, gen_id)

    def close(self) -> None:
        self.store = None
        self.base = None


def dump_generation(gen: Generation, fmt: ox.RdfFormat, *, leave_out: frozenset[str] = frozenset()) -> bytes:
    """Every named graph of ``gen`` but ``leave_out`` as TriG or N-Quads, quads sorted (the same generation
    dumps the same bytes). The default graph is left out: it is the union of the source graphs."""
    store = open_generation(gen.path)
    quads = sorted((q for q in store.quads_for_pattern(None, None, None, None)
                    if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name.value not in leave_out),
                   key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    # without an output file, serialize returns the bytes (stubs: bytes | None)
    return cast(bytes, ox.serialize(quads, format=fmt))
