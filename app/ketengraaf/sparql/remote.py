"""The SPARQL endpoint's queries on a remote store (store_backend ``sparql``): :class:`RemoteQueries`.

The same contract as :meth:`ketengraaf.sparql.pool_state.SparqlState.run`: a user query, already read
and checked by ketengraaf's guards, its dataset, the answer's kind and format -> the serialized answer.
Instead of a worker process it is sent to the server (SPARQL 1.1 Protocol, POST form-encoded) with:

- the dataset as ``default-graph-uri`` / ``named-graph-uri`` (none for the default graph: on the server it
  is the union of the sources; see :meth:`SparqlStore.dataset_params`), the endpoint URL as ``BASE``;
- ``Accept`` the format asked, and the time limit ``min(query_timeout, sparql_timeout)``;
- the answer read at most ``max_result_bytes`` (413 past it), checked: its media type must be the one
  asked and it must parse (else 502, :class:`StoreBadAnswer`), with at most ``max_results`` rows or triples
  (413); skolem IRIs of blank nodes turned back into blank nodes.

Failures are one-line errors: a server that is down or closes the connection mid-answer is 503
(:class:`StoreUnavailable`), a time-out 503 (:class:`QueryTimeout`), garbage 502. Nothing is kept
between requests, so when the server is back the next request works. The server must stop a runaway
query itself (``--timeout-s``, Fuseki's ``arq:queryTimeout``, ...): ketengraaf stops waiting, but
cannot cancel it there.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from itertools import islice
from typing import cast

import pyoxigraph as ox

from ..errors import ResultTooLarge, ServerBusy, StoreBadAnswer
from ..store import Generation
from ..store.sparql import Endpoint, SparqlStore, call, count_rows, unskolem_answer
from .formats import Format
from .pool_state import admitted_threads


class RemoteQueries:
    """Drop-in for :class:`SparqlState` 's ``run`` (the pool, the cache and the view stay the caller's)."""

    def __init__(self, settings, store: SparqlStore | None = None, environ: Mapping[str, str] | None = None):
        self.settings = settings
        self.store_ = store or SparqlStore.from_settings(settings, environ)
        self.endpoint: Endpoint = self.store_.endpoint
        self.timeout = min(float(settings.query_timeout), self.endpoint.timeout)
        self.query_threads = admitted_threads(settings)
        self._admission = threading.BoundedSemaphore(self.query_threads)

    def store(self) -> SparqlStore:
        return self.store_

    def graphs(self, gen: Generation) -> frozenset[str]:
        return frozenset(gen.graphs)

    def start(self) -> RemoteQueries:
        return self

    def close(self) -> None:
        pass

    def run(self, gen: Generation, query: str, dataset, kind: str, fmt: Format, base_iri: str | None = None) -> bytes:
        if not self._admission.acquire(blocking=False):
            raise ServerBusy(f"all {self.query_threads} server threads for queries are busy (setting "
                             "query_threads); try again in a few seconds")
        try:
            return self._run(gen, query, dataset, kind, fmt, base_iri)
        finally:
            self._admission.release()

    def _run(self, gen: Generation, query: str, dataset, kind: str, fmt: Format, base_iri: str | None) -> bytes:
        default, named, union = dataset
        params = self.store_.dataset_params(gen, union=union, default_graph=default, named_graphs=named)
        e = self.endpoint
        sw = e.wrapper(e.query_url, self.timeout)
        sw.setQuery(f"BASE <{base_iri}>\n{query}" if base_iri else query)
        sw.queryType = "SELECT" if kind == "results" else "CONSTRUCT"    # a query, never an update
        for name, value in params:
            sw.addParameter(name, value)
        sw.addCustomHttpHeader("Accept", fmt.media_type)
        max_bytes = int(self.settings.max_result_bytes)

        def too_large() -> ResultTooLarge:
            return ResultTooLarge(f"the answer is larger than {max_bytes:,} bytes (setting max_result_bytes); "
                                  "add a LIMIT or select fewer variables")
        answer = call(e, sw, e.query_url, self.timeout, max_bytes=max_bytes, too_large=too_large, user_query=True)
        if answer.media_type not in fmt.media_types:
            raise StoreBadAnswer(f"the SPARQL store answered {answer.media_type or 'without a Content-Type'} "
                                 f"where {fmt.label} ({fmt.media_type}) was asked")
        self._check(answer.body, kind, fmt)
        return unskolem_answer(answer.body, fmt.name, fmt.oxigraph)

    def _check(self, body: bytes, kind: str, fmt: Format) -> None:
        """The answer parses as ``fmt`` and holds at most ``max_results`` rows or triples."""
        most = int(self.settings.max_results)
        try:
            if kind == "results":
                if fmt.oxigraph == "CSV":
                    n = count_rows(body, most)
                else:
                    n = _count_solutions(body, fmt, most)
                what = "rows"
            else:
                n = sum(1 for _ in islice(ox.parse(body, format=fmt.engine_format()), most + 1))
                what = "triples"
        except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
            msg = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise StoreBadAnswer(f"the SPARQL store's answer is not valid {fmt.label}: {msg}") from None
        if n > most:
            raise ResultTooLarge(f"the answer has more than {most:,} {what} (setting max_results); "
                                 "add a LIMIT, or page with LIMIT/OFFSET")


def _count_solutions(body: bytes, fmt: Format, most: int) -> int:
    """Rows of a SELECT answer (counting stops past ``most``; an ASK answer has none). The QuerySolutions is
    dropped here, on this thread, even when parsing fails (pyo3: it may not be dropped on another)."""
    parsed = ox.parse_query_results(body, fmt.engine_format())
    try:
        if isinstance(parsed, ox.QuerySolutions):
            return sum(1 for _ in islice(cast(ox.QuerySolutions, parsed), most + 1))
        return 0
    finally:
        del parsed
