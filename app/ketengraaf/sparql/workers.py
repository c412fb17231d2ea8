"""A supervised pool of processes that run user queries, so a query can be stopped.

pyoxigraph cannot cancel a running query, and some queries crash the whole
process (see ``oxigraph-notes.md``). User queries therefore never run in the
web process: each of N worker processes (``spawn`` context: a clean
interpreter, never a fork of the threaded server) opens the current store
generation read-only, runs one job at a time and serializes the answer itself.
The request thread checks out an idle worker, sends the job over a pipe and
waits at most the time limit. On a time-out it kills the worker (SIGKILL) and
starts a replacement (503); when the worker dies (segfault, EOF) it starts a
replacement and answers 500. Other requests keep being served meanwhile.

Two more walls behind the guards: unless ``allow_network`` is on, a worker
enters an empty network namespace before its first query (:mod:`.isolation`),
and it runs the engine on a thread with a 512 MiB stack, because the engine's
parser and evaluator recurse on nesting and chains and overflow the 8 MiB main
stack (SIGSEGV) on short, flat queries.

A third: each worker caps its own address space (``RLIMIT_AS``) at what it holds when ready
plus ``query_memory_mb`` (plus the engine thread's stack and allocator slack), so a query that
grows without bound (a ``CONCAT`` doubling reached 1 GB in 10 s) fails its allocation: Python
raises MemoryError, the engine aborts (SIGABRT). Either way the answer is a 503
(:class:`QueryOutOfMemory`) and the worker is replaced.
"""
from __future__ import annotations

import csv
import io
import logging
import multiprocessing as mp
import os
import re
import resource
import signal
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, cast
from itertools import islice
from collections.abc import Callable

import pyoxigraph as ox

from ..errors import KetengraafError, QueryCrashed, QueryError, QueryOutOfMemory, QueryTimeout, ResultTooLarge
from ..store.oxigraph import Opened, open_for_reading
from .isolation import enter_network_namespace

log = logging.getLogger("ketengraaf.sparql")
# virtual size of the thread the engine runs on; only the pages a query touches are ever used
QUERY_STACK_BYTES = 512 * 1024 * 1024
STARTUP_TIMEOUT = 60.0          # seconds a new worker may take to import pyoxigraph (not counted as query time)
# address space beyond the idle worker's and the query's own allowance: the engine thread's arena and the
# allocator's per-thread reservations (glibc maps up to 64 MiB per arena)
MEMORY_SLACK_BYTES = 256 * 1024 * 1024
_POSITION = re.compile(r"error at (\d+):(\d+): ?(.*)", re.S)
# the smallest serialized row per result format: below len(body) <= rows * this, no recount is needed
_MIN_ROW_BYTES = {"XML": 17, "JSON": 2, "CSV": 2, "TSV": 1}
OPEN_GENERATIONS = 2            # generations a worker keeps open: the served one and the next
PREPARE_TIMEOUT = 300.0         # seconds a worker may take to open (copy into memory) a new generation


@dataclass(frozen=True)
class Job:
    """One query for a worker (plain data: it crosses a pipe)."""

    generation_path: str
    query: str
    default_graph: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    union: bool
    kind: str                   # "results" or "graph"
    engine_format: str          # member name of QueryResultsFormat / RdfFormat
    max_results: int
    max_bytes: int
    base_iri: str | None = None  # relative IRIs in the query resolve against it (the endpoint URL)
    prefixes: tuple[tuple[str, str], ...] = ()   # predeclared for the engine's parser (ketengraaf query)

    @classmethod
    def for_query(cls, gen, query: str, dataset, kind: str, fmt, settings, base_iri: str | None = None,
                  prefixes: tuple[tuple[str, str], ...] = ()) -> Job:
        """The job for ``query`` on generation ``gen``; ``dataset`` as ``QueryRequest.dataset`` gives it."""
        default, named, union = dataset
        return cls(gen.path, query, default, named, union, kind, fmt.oxigraph, settings.max_results,
                   settings.max_result_bytes, base_iri, prefixes)


# -- inside the worker process ------------------------------------------------
class _CappedBuffer(io.BytesIO):
    def __init__(self, cap: int):
        super().__init__()
        self.cap, self.overflow = cap, False

    def write(self, b) -> int:
        if self.tell() + len(b) > self.cap:
            self.overflow = True
            raise ValueError("answer too large")
        return super().write(b)


def _too_large_bytes(job: Job) -> ResultTooLarge:
    return ResultTooLarge(f"the answer is larger than {job.max_bytes:,} bytes (setting max_result_bytes); "
                          "add a LIMIT or select fewer variables")


def _too_many(job: Job, what: str) -> ResultTooLarge:
    return ResultTooLarge(f"the answer has more than {job.max_results:,} {what} (setting max_results); "
                          "add a LIMIT, or page with LIMIT/OFFSET")


def syntax_error(exc: SyntaxError) -> QueryError:
    """The parser's message with line and column (``error at 2:9: ...``)."""
    msg = str(exc.msg if getattr(exc, "msg", None) else exc)
    m = _POSITION.match(msg)
    if m:
        return QueryError(f"syntax error at line {m.group(1)}, column {m.group(2)}: {m.group(3)}")
    return QueryError(f"syntax error: {msg}")


def execute(opened: Opened, job: Job) -> bytes:
    """Run ``job`` on an open generation; the serialized answer or a KetengraafError."""
    # the default graph as a set (RDF merge), not one copy of a triple per graph: see store.oxigraph
    target, kw = opened.for_query(job.query, union=job.union, default_graph=job.default_graph,
                                  named_graphs=job.named_graphs)
    if job.base_iri:
        kw["base_iri"] = job.base_iri
    if job.prefixes:
        kw["prefixes"] = dict(job.prefixes)
    try:
        result = target.query(job.query, **kw)
    except SyntaxError as exc:
        raise syntax_error(exc) from None
    out = _CappedBuffer(job.max_bytes)
    try:
        if isinstance(result, ox.QueryTriples):
            fmt = getattr(ox.RdfFormat, job.engine_format)
            triples = list(islice(result, job.max_results + 1))
            if len(triples) > job.max_results:
                raise _too_many(job, "triples")
            ox.serialize(triples, out, format=fmt)
        else:
            if job.kind != "results":
                raise QueryError("query form and requested format do not match")
            fmt = getattr(ox.QueryResultsFormat, job.engine_format)
            result.serialize(out, format=fmt)
    except (ValueError, OSError):
        if out.overflow:
            raise _too_large_bytes(job) from None
        raise
    body = out.getvalue()
    if isinstance(result, ox.QuerySolutions) and len(body) > job.max_results * _MIN_ROW_BYTES[job.engine_format]:
        rows = _count_rows(body, fmt, job.max_results + 1)
        if rows > job.max_results:
            raise _too_many(job, "rows")
    return body


def _count_rows(body: bytes, fmt, most: int) -> int:
    """Rows in a serialized answer (counting stops at ``most``); CSV is lossy, so it is read as CSV."""
    if fmt == ox.QueryResultsFormat.CSV:
        csv.field_size_limit(max(csv.field_size_limit(), len(body)))   # one long literal is a valid answer
        return max(0, sum(1 for _ in islice(csv.reader(io.StringIO(body.decode("utf-8"), newline="")),
                                            most + 1)) - 1)
    rows = cast(ox.QuerySolutions, ox.parse_query_results(body, fmt))   # a SELECT answer (stubs: or a boolean)
    return sum(1 for _ in islice(rows, most))


def on_big_stack(fn: Callable, *args):
    """``fn(*args)`` on a new thread with a :data:`QUERY_STACK_BYTES` stack (exceptions pass through)."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    old = threading.stack_size(QUERY_STACK_BYTES)
    try:
        t = threading.Thread(target=target, name="ketengraaf-query-engine", daemon=True)
        t.start()
    finally:
        threading.stack_size(old)
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _address_space() -> int:
    """This process's virtual size in bytes (``VmSize``), 0 where /proc does not say."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cap_memory(allowance: int) -> int:
    """Cap this process's address space at its size now + ``allowance`` (+ stack and slack); the cap, or 0."""
    now = _address_space()
    if allowance <= 0 or not now:
        return 0
    cap = now + allowance + QUERY_STACK_BYTES + MEMORY_SLACK_BYTES
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ValueError, OSError):          # a lower hard limit set from outside: keep that one
        return 0
    return cap


def out_of_memory(allowance: int) -> QueryOutOfMemory:
    return QueryOutOfMemory(f"the query needed more memory than {allowance // (1024 * 1024):,} MiB "
                            "(setting query_memory_mb) and was stopped; the query engine was restarted. "
                            "Narrow the query down (long strings built by CONCAT, huge groups)")


def worker_main(conn, memory_max_triples: int = 0, warm_path: str | None = None,
                isolate_network: bool = True, memory_cap: int = 0) -> None:
    """Loop of a worker process: receive a Job, reply ("ok", bytes) or ("error", class, message, detail).

    First, unless ``isolate_network`` is false, the worker leaves the host network. It opens (and, for
    small generations, copies into memory) the generation a job names; ``warm_path`` opens one before
    saying ready, so the first query does not pay for it. Each query runs on a thread with a big stack."""
    if isolate_network:
        isolation = enter_network_namespace()
    else:
        isolation = "none (allow_network is on)"
    # generation path -> the open generation, the last used last
    stores: OrderedDict[str, Opened] = OrderedDict()
    if warm_path:
        try:
            _open_into(stores, warm_path, memory_max_triples)
        except Exception:  # a generation gone meanwhile: the first job opens its own
            stores.clear()
    cap_memory(memory_cap)
    conn.send(("ready", os.getpid(), isolation))
    # the whole job loop runs on one thread with the big stack, made once: a thread per query cost
    # 0.3 ms per lookup and 1 ms per join (a fresh 512 MiB stack and its page faults every time)
    on_big_stack(_job_loop, conn, stores, memory_max_triples, memory_cap)


def _job_loop(conn, stores: OrderedDict[str, Opened], memory_max_triples: int, memory_cap: int) -> None:
    """Receive jobs until the pipe closes (or a query ran out of memory); reply to each."""
    while True:
        reply: tuple[Any, ...]
        try:
            job: Job | tuple = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if isinstance(job, tuple):          # ("prepare", path): open it beside the one in use
                _open_into(stores, job[1], memory_max_triples)
                reply = ("ok", b"")
            else:
                opened = _open_into(stores, job.generation_path, memory_max_triples, serving=True)
                reply = ("ok", execute(opened, job))
        except MemoryError:
            err = out_of_memory(memory_cap)
            conn.send(("error", type(err).__name__, err.message, err.detail))
            return                      # what is left of this process's heap is not trusted: a new worker
        except KetengraafError as err:
            reply = ("error", type(err).__name__, err.message, err.detail)
        except Exception as exc:  # an engine error (I/O, evaluation): report it, keep serving
            reply = ("error", "QueryCrashed", f"the query engine failed: {exc}", None)
        conn.send(reply)


def _open_into(stores: OrderedDict[str, Opened], path: str, memory_max_triples: int,
               serving: bool = False) -> Opened:
    """Generation ``path``, open (whether its default graph is the union is looked up once, not per
    query). ``stores`` is in the order the generations were opened, and generations only move
    forward: a query (``serving``) on ``path`` closes every one opened before it, and at most
    :data:`OPEN_GENERATIONS` stay open (the one served and the one the web process prepares)."""
    entry = stores.get(path)
    if entry is None:
        while len(stores) >= OPEN_GENERATIONS:
            stores.popitem(last=False)
        entry = stores[path] = open_for_reading(path, memory_max_triples=memory_max_triples)
    if serving:
        while next(iter(stores)) != path:
            stores.popitem(last=False)
    return entry


# -- in the web process ----------------------------------------------------------
_ERRORS = {cls.__name__: cls for cls in (QueryError, QueryCrashed, ResultTooLarge, QueryTimeout,
                                         QueryOutOfMemory)}


class _Worker:
    def __init__(self, ctx, memory_max_triples: int = 0, warm_path: str | None = None,
                 isolate_network: bool = True, memory_cap: int = 0):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=worker_main,
                                args=(child, memory_max_triples, warm_path, isolate_network, memory_cap),
                                daemon=True, name="ketengraaf-query")
        self.proc.start()
        child.close()
        self.ready = False
        self.isolation: str | None = None
        self.prepared: set[str] = {warm_path} if warm_path else set()     # generations it has open

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> bool:
        """Read the worker's ready message; False if it has not come within ``timeout`` (0: do not wait)."""
        if self.ready:
            return True
        if not self.conn.poll(timeout):
            if timeout == 0:
                return False
            raise QueryCrashed(f"a query worker did not start within {timeout:.0f} s")
        msg = self.conn.recv()
        if msg[0] != "ready":
            raise QueryCrashed(f"a query worker sent {msg[0]!r} instead of ready")
        self.isolation = msg[2] if len(msg) > 2 else None
        self.ready = True
        return True

    def kill(self) -> None:
        try:
            self.proc.kill()
        except (OSError, AttributeError):
            pass
        self.proc.join(5)
        self.conn.close()


class QueryPool:
    """N worker processes; ``run(job, timeout)`` is thread-safe."""

    def __init__(self, size: int, *, context: str = "spawn", memory_max_triples: int = 0,
                 warm: Callable[[], str | None] | None = None, isolate_network: bool = True,
                 memory_cap: int = 0):
        self.size = max(1, size)
        self.memory_cap = memory_cap    # bytes a query may add to a worker (0: no cap)
        self.memory_max_triples = memory_max_triples
        self.isolate_network = isolate_network
        self.isolation: str | None = None      # what the workers report: "network-namespace" or "none (why)"
        self._warm = warm              # -> path of the generation new workers open before they are ready
        self._ctx = mp.get_context(context)
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._count = 0
        self._closed = False
        self.restarts = 0          # workers replaced after a time-out or crash

    def _new_worker(self) -> _Worker:
        try:
            path = self._warm() if self._warm else None
        except Exception:  # no generation yet: workers open one with their first job
            path = None
        return _Worker(self._ctx, self.memory_max_triples, path, self.isolate_network, self.memory_cap)

    def start(self, wait: float = STARTUP_TIMEOUT) -> QueryPool:
        """Start the workers; wait (at most ``wait`` s) until one says ready, and log its isolation."""
        with self._cond:
            if self._closed:
                raise QueryCrashed("the query pool is closed")
            while self._count < self.size:
                self._idle.append(self._new_worker())
                self._count += 1
            self._cond.notify_all()
            deadline = time.monotonic() + wait
            while self.isolation is None and self._idle and time.monotonic() < deadline:
                self._poll_ready()
                if self.isolation is None:
                    self._cond.wait(0.05)
        return self

    def _poll_ready(self) -> None:
        """Read the ready messages idle workers have sent (caller holds the lock)."""
        for w in list(self._idle):
            try:
                if w.wait_ready(0):
                    self._note_isolation(w)
            except (KetengraafError, EOFError, OSError):
                pass                     # run() replaces it when it is checked out

    def _note_isolation(self, worker: _Worker) -> None:
        mode = worker.isolation or "none (the worker did not say)"
        if mode != self.isolation:
            (log.info if mode == "network-namespace" else log.warning)(
                "query workers: network isolation %s%s", mode,
                "" if mode == "network-namespace" else "; only the query guards stand between a query "
                "and the network")
            self.isolation = mode

    def isolation_status(self) -> str:
        """The isolation the workers report, for /healthz."""
        with self._cond:
            if self.isolation is None:
                self._poll_ready()
            return self.isolation or "unknown (no query worker has started yet)"

    def _checkout(self, wait: float) -> _Worker:
        deadline = time.monotonic() + wait
        with self._cond:
            if self._count < self.size and not self._closed:
                self._idle.append(self._new_worker())
                self._count += 1
            while not self._idle:
                left = deadline - time.monotonic()
                if self._closed or left <= 0 or not self._cond.wait(left):
                    if self._idle:
                        break
                    raise QueryTimeout(f"all {self.size} query workers are busy; try again in a moment "
                                       "(setting query_workers)")
            return self._idle.pop()

    def _checkin(self, worker: _Worker) -> None:
        with self._cond:
            if self._closed:
                worker.kill()
                return
            self._idle.append(worker)
            self._cond.notify()

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._cond:
            self.restarts += 1
            if self._closed:
                self._count -= 1
                return
            self._idle.append(self._new_worker())
            self._cond.notify()

    def run(self, job: Job, timeout: float) -> bytes:
        """The serialized answer; raises QueryTimeout (503), QueryCrashed (500) or the query's error."""
        worker = self._checkout(timeout)
        try:
            if not worker.ready:
                worker.wait_ready()
                with self._cond:
                    self._note_isolation(worker)
        except (KetengraafError, EOFError, OSError) as exc:
            self._replace(worker)
            raise QueryCrashed(f"a query worker failed to start: {exc}") from None
        try:
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                self._replace(worker)
                raise QueryTimeout(
                    f"the query ran longer than {timeout:g} s and was stopped (setting query_timeout); "
                    "narrow it down or add a LIMIT")
            reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            worker.proc.join(2)
            code = worker.proc.exitcode
            self._replace(worker)
            if self.memory_cap and code == -signal.SIGABRT:     # the engine's allocation failed under the cap
                raise out_of_memory(self.memory_cap) from None
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            raise QueryCrashed(f"the query crashed the query engine ({how}); the engine was restarted. "
                               "Simplify the query (deep nesting, very many FILTERs)") from None
        if reply[0] == "error" and reply[1] == "QueryOutOfMemory":
            worker.proc.join(2)         # it exits after saying so
            self._replace(worker)
        else:
            self._checkin(worker)
        if reply[0] == "ok":
            return reply[1]
        _, name, message, detail = reply
        raise _ERRORS.get(name, QueryCrashed)(message, detail=detail)

    def prepare(self, path: str, timeout: float = PREPARE_TIMEOUT) -> None:
        """Have every worker open generation ``path`` (one worker at a time, so the others keep answering);
        a worker that fails to is replaced, and the replacement opens it with its first job."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    todo = [w for w in self._idle if path not in w.prepared]
                    if todo:
                        worker = todo[0]
                        self._idle.remove(worker)
                        break
                    left = deadline - time.monotonic()
                    if len(self._idle) == self._count or left <= 0:
                        return              # every worker has it (or time is up: jobs open it themselves)
                    self._cond.wait(min(left, 0.5))
            try:
                if not worker.ready:
                    worker.wait_ready()
                worker.conn.send(("prepare", path))
                if not worker.conn.poll(max(1.0, deadline - time.monotonic())):
                    raise QueryTimeout("opening the new generation took too long")
                reply = worker.conn.recv()
            except (KetengraafError, EOFError, OSError):
                self._replace(worker)
                continue
            if reply[0] == "ok":
                worker.prepared.add(path)
                self._checkin(worker)
            else:
                worker.prepared.add(path)     # it said why it could not; its jobs will retry
                if reply[1] == "QueryOutOfMemory":
                    worker.proc.join(2)
                    self._replace(worker)
                else:
                    self._checkin(worker)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for w in idle:
            w.kill()


def isolation_status(sparql_state) -> str:
    """``query_isolation`` for /healthz, without starting the pool."""
    if getattr(sparql_state, "remote", False):
        return "none needed here: queries run on the SPARQL store (store_backend sparql)"
    pool = getattr(sparql_state, "_pool", None)
    if pool is None:
        return "not started (the query workers start with the first query)"
    return pool.isolation_status()
