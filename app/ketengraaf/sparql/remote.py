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

import re
import threading
from collections.abc import Mapping
from itertools import islice
from typing import cast

import pyoxigraph as ox

from ..errors import QueryError, ResultTooLarge, ServerBusy, StoreBadAnswer
from ..store import Generation
from ..store.sparql import Endpoint, SparqlStore, call, count_rows, unskolem_answer, widened_test
from .cache import AnswerCache
from .formats import Format
from .pool_state import admitted_threads
from .reader import Token, read

_TERM_TESTS = ("ISIRI", "ISURI", "ISBLANK")


def blank_tests(query: str) -> str:
    """``query`` with its term tests made to treat the server's skolem IRIs as the blank nodes they stand for,
    as the embedded store would: ``isIRI(e)`` / ``isURI(e)`` become ``(isIRI(e) && !STRSTARTS(STR(e), genid))``
    and ``isBlank(e)`` becomes ``(isBlank(e) || (isIRI(e) && STRSTARTS(STR(e), genid)))``. Found from the
    guards' reader (the tokens the engine reads: not inside strings, IRIs or comments), nested ones too;
    the rest of the text, and so every line:column in an error, is the user's up to the first test."""
    tokens: list[Token] = []
    read(query, tokens=tokens)
    if not any(kind == "word" and text.upper() in _TERM_TESTS for kind, text, _ in tokens):
        return query
    def close_of(i: int) -> int:
        """Index of the ``)`` that closes the ``(`` at token ``i``."""
        depth = 0
        for j in range(i, len(tokens)):
            text = tokens[j][1]
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
                if depth == 0:
                    return j
        return len(tokens) - 1

    def rewrite(lo: int, hi: int, start: int, end: int) -> str:
        """The text from offset ``start`` to ``end`` (tokens ``lo`` up to ``hi``), its term tests rewritten."""
        out, at, i = [], start, lo
        while i < hi:
            kind, text, pos = tokens[i]
            if (kind == "word" and text.upper() in _TERM_TESTS and i + 1 < hi and tokens[i + 1][1] == "("):
                j = close_of(i + 1)
                arg = rewrite(i + 2, j, tokens[i + 1][2] + 1, tokens[j][2])
                out.append(query[at:pos])
                out.append(widened_test(text, arg))
                at, i = tokens[j][2] + 1, j + 1
                continue
            i += 1
        out.append(query[at:end])
        return "".join(out)
    out = rewrite(0, len(tokens), 0, len(query))
    if len(out) > 4 * len(query) + 4096:    # each nested test repeats its argument: refuse a blow-up
        raise QueryError("the query nests isIRI/isURI/isBlank inside each other's arguments too deeply to pass "
                         "to the SPARQL store (each test is widened to treat its skolem IRIs as blank nodes); "
                         "bind the inner expression to a variable first")
    return out


_OXIGRAPH_POSITION = re.compile(r"error at (\d+):(\d+): ")


def user_position(message: str, shift: int) -> str:
    """A server's syntax error in ketengraaf's words (``syntax error at line L, column C: ...``), its column on
    the first line less the ``shift`` characters ketengraaf put before the query. Oxigraph's ``error at L:C``
    form is recognised; other servers' messages pass as they are (their line numbers are the user's)."""
    m = _OXIGRAPH_POSITION.search(message)
    if m is None:
        return message
    line, column = int(m.group(1)), int(m.group(2))
    if line == 1:
        column = max(1, column - shift)
    return f"syntax error at line {line}, column {column}: {message[m.end():]}"


class RemoteQueries:
    """Drop-in for :class:`SparqlState` 's ``run`` (the pool, the cache and the view stay the caller's)."""

    remote = True               # /healthz: no worker processes here

    def __init__(self, settings, store: SparqlStore | None = None, environ: Mapping[str, str] | None = None, *,
                 cache: AnswerCache | None = None):
        self.settings = settings
        self.cache = (cache if cache is not None
                      else AnswerCache(settings.cache_entries, settings.cache_mb * 1024 * 1024))
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

    def run(self, gen: Generation, query: str, dataset, kind: str, fmt: Format, base_iri: str | None = None,
            prologue: str = "") -> bytes:
        """The answer to ``query``; ``prologue`` (PREFIX declarations, one line) goes before it on its first line."""
        if not self._admission.acquire(blocking=False):
            raise ServerBusy(f"all {self.query_threads} server threads for queries are busy (setting "
                             "query_threads); try again in a few seconds")
        try:
            return self._run(gen, query, dataset, kind, fmt, base_iri, prologue)
        finally:
            self._admission.release()

    def _run(self, gen: Generation, query: str, dataset, kind: str, fmt: Format, base_iri: str | None,
             prologue: str) -> bytes:
        default, named, union = dataset
        params = self.store_.dataset_params(gen, union=union, default_graph=default, named_graphs=named)
        e = self.endpoint
        sw = e.wrapper(e.query_url, self.timeout)
        # BASE and the prologue on the query's first line: the server's line numbers are the user's
        before = (f"BASE <{base_iri}> " if base_iri else "") + (f"{prologue} " if prologue else "")
        sw.setQuery(before + blank_tests(query))
        sw.queryType = "SELECT" if kind == "results" else "CONSTRUCT"    # a query, never an update
        for name, value in params:
            sw.addParameter(name, value)
        sw.addCustomHttpHeader("Accept", fmt.media_type)
        max_bytes = int(self.settings.max_result_bytes)

        def too_large() -> ResultTooLarge:
            return ResultTooLarge(f"the answer is larger than {max_bytes:,} bytes (setting max_result_bytes); "
                                  "add a LIMIT or select fewer variables")
        try:
            answer = call(e, sw, e.query_url, self.timeout, max_bytes=max_bytes, too_large=too_large,
                          user_query=True)
        except QueryError as exc:
            raise QueryError(user_position(exc.message, len(before))) from None
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
