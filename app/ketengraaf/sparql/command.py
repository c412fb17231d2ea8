"""``ketengraaf query``: run a query on the embedded store (same guards, same worker
isolation and time limit as the endpoint) or on any SPARQL 1.1 endpoint (SPARQLWrapper)."""
from __future__ import annotations

import sys
from pathlib import Path

from SPARQLWrapper import SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from ..errors import InputError, QueryError, StoreError
from ..namespaces import PREFIXES
from ..store.oxigraph import current_generation
from . import guards
from .formats import by_param, formats_for
from .protocol import QueryRequest
from .workers import Job, QueryPool

DEFAULTS = {"results": "tsv", "graph": "turtle"}


def read_query(text: str) -> str:
    """``QUERY`` itself, or the file named by ``@file.rq``, or stdin for ``-``."""
    if text == "-":
        return sys.stdin.read()
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"{path}: no such query file") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 (byte {exc.start})") from None
    return text


# The standard prefixes, predeclared for the engine's own parser (not pasted into the text, so a
# syntax error's line and column are the user's); a PREFIX in the query wins.
STANDARD_PREFIXES: tuple[tuple[str, str], ...] = tuple(sorted(PREFIXES.items()))


def run_local(query: str, settings, fmt_name: str | None) -> bytes:
    if settings.store_backend == "sparql":
        return _run_on_store(query, settings, fmt_name)
    gen = current_generation(settings.store_dir)
    if gen is None:
        raise StoreError(f"no catalogue loaded in {settings.store_dir}: run `ketengraaf load` first")
    info = guards.check(query, settings, frozenset(gen.graphs), STANDARD_PREFIXES)
    fmt = by_param(formats_for(info.kind), (fmt_name or DEFAULTS[info.kind],))
    dataset = QueryRequest(query).dataset(info, settings.union_default_graph)   # as the endpoint does
    job = Job.for_query(gen, query, dataset, info.kind, fmt, settings, prefixes=STANDARD_PREFIXES)
    pool = QueryPool(1, isolate_network=not settings.allow_network).start()
    try:
        return pool.run(job, settings.query_timeout)
    finally:
        pool.close()


def run_remote(query: str, endpoint: str, fmt_name: str | None, timeout: float) -> bytes:
    info = guards.scan(query)
    if info.is_update:
        raise QueryError("ketengraaf query only sends queries, not updates")
    fmt = by_param(formats_for(info.kind), (fmt_name or DEFAULTS[info.kind],))
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(query)
    sw.setMethod("POST")
    sw.setOnlyConneg(True)
    sw.addCustomHttpHeader("Accept", fmt.media_type)
    sw.setTimeout(int(max(1, timeout)))
    try:
        return sw.query().response.read()
    except SPARQLWrapperException as exc:
        raise QueryError(f"{endpoint}: {exc}") from None
    except OSError as exc:
        raise QueryError(f"{endpoint}: cannot reach the endpoint: {exc}") from None


def _run_on_store(query: str, settings, fmt_name: str | None) -> bytes:
    """``run_local`` on the SPARQL store the settings name: the same guards, dataset and formats; the standard
    prefixes are declared on the query's first line (its own PREFIX comes later, so it wins)."""
    from .remote import RemoteQueries  # deferred: SPARQLWrapper only for this backend
    remote = RemoteQueries(settings)
    gen = remote.store().generation()
    info = guards.check(query, settings, frozenset(gen.graphs), STANDARD_PREFIXES)
    fmt = by_param(formats_for(info.kind), (fmt_name or DEFAULTS[info.kind],))
    dataset = QueryRequest(query).dataset(info, settings.union_default_graph)
    declared = " ".join(f"PREFIX {name}: <{ns}>" for name, ns in STANDARD_PREFIXES)
    return remote.run(gen, query, dataset, info.kind, fmt, prologue=declared)
