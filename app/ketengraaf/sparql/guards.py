"""Checks a query must pass BEFORE it reaches the engine.

pyoxigraph fetches ``SERVICE`` and ``LOAD`` URLs from the network and its
parser and evaluator recurse on many kinds of nesting until the process dies
(SIGSEGV; see ``oxigraph-notes.md``). :mod:`.reader` reads the query the way
the engine does (escapes only inside IRIs and strings, ``<`` decided by
context, keywords without word boundaries) and measures what the engine
recurses on; whatever it cannot read is refused. The reading also tells the
query form (for content negotiation before the query runs) and the ``FROM`` /
``FROM NAMED`` graphs (checked against the graphs in the store).

This is the first wall. The second is that query workers have no network
(:mod:`.isolation`), and run the engine on a thread with a large stack.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import QueryError, QueryRefused, RequestTooLarge
from .reader import QUERY_FORMS, UPDATE_WORDS, Limits, Unreadable, read

__all__ = ["QUERY_FORMS", "UPDATE_WORDS", "QueryInfo", "check", "scan"]


@dataclass
class QueryInfo:
    """What the reader learned about a query."""

    form: str | None                      # SELECT / ASK / CONSTRUCT / DESCRIBE, or an update keyword
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    depth: int = 0
    filters: int = 0
    service: bool = False
    load: bool = False
    glued: list[str] = field(default_factory=list)   # words holding a guarded keyword (trueSERVICE, FROM:g)

    @property
    def kind(self) -> str:
        """``results`` (SELECT/ASK) or ``graph`` (CONSTRUCT/DESCRIBE)."""
        return "graph" if self.form in {"CONSTRUCT", "DESCRIBE"} else "results"

    @property
    def is_update(self) -> bool:
        return self.form in UPDATE_WORDS


def scan(query: str, max_depth: int | None = None, max_chain: int | None = None,
         max_patterns: int | None = None, prefixes: tuple[tuple[str, str], ...] = ()) -> QueryInfo:
    """Read ``query``; raises :class:`QueryRefused` past a limit and :class:`QueryError` when unreadable.
    ``prefixes``: (name, namespace) pairs predeclared for the engine (``ketengraaf query``)."""
    try:
        r = read(query, Limits(depth=max_depth, chain=max_chain, patterns=max_patterns), dict(prefixes))
    except Unreadable as exc:
        if exc.limit:
            raise QueryRefused(exc.reason) from None
        raise QueryError(f"syntax error: {exc.reason} (read by the query guard before the engine)") from None
    return QueryInfo(r.form, r.from_graphs, r.from_named, r.depth, r.filters, r.service, r.load, r.glued)


@lru_cache(maxsize=1024)
def _scan_cached(query: str, max_depth: int, max_chain: int, max_patterns: int,
                 prefixes: tuple[tuple[str, str], ...]) -> QueryInfo:
    return scan(query, max_depth, max_chain, max_patterns, prefixes)


def check(query: str, settings, graphs: frozenset[str] | set[str],
          prefixes: tuple[tuple[str, str], ...] = ()) -> QueryInfo:
    """Every guard, in order; returns the query's :class:`QueryInfo` or raises.

    ``graphs`` are the named graphs of the current store generation: a
    ``FROM`` / ``FROM NAMED`` outside them is refused (nothing is fetched).
    ``prefixes`` are predeclared for the engine, so the guard reads the query with them too.
    """
    size = len(query.encode("utf-8"))
    if size > settings.max_request_bytes:
        raise RequestTooLarge(f"query is {size:,} bytes; the most this endpoint accepts is "
                              f"{settings.max_request_bytes:,} (setting max_request_bytes)")
    info = _scan_cached(query, settings.max_query_depth, settings.max_query_chain,
                        settings.max_query_patterns, tuple(prefixes))
    if info.is_update:
        raise QueryRefused(
            f"this is a SPARQL Update ({info.form}); this endpoint only answers queries "
            "(SELECT, ASK, CONSTRUCT, DESCRIBE) at /sparql and does not change the catalogue")
    if info.filters > settings.max_query_depth:
        raise QueryRefused(
            f"query has {info.filters:,} FILTERs; the most allowed is {settings.max_query_depth} "
            "(setting max_query_depth), to protect the query engine")
    if not settings.allow_network:
        if info.service:
            raise QueryRefused("SERVICE (federated query) is switched off on this endpoint: it would make the "
                               "server fetch other URLs (setting allow_network)")
        if info.load:
            raise QueryRefused("LOAD is not allowed: it would make the server fetch a URL (setting allow_network)")
        if info.glued:
            raise QueryRefused(
                "the query has a word that holds one of the keywords SERVICE, LOAD, FROM or NAMED: "
                f"{', '.join(info.glued[:3])}; the query engine reads keywords without a word boundary, so it "
                "could read that keyword there. Separate keywords and names with a space (setting allow_network)")
        unknown = [g for g in info.from_graphs + info.from_named if g not in graphs]
        if unknown:
            raise QueryRefused(
                "FROM / FROM NAMED may only name graphs in this catalogue (nothing is fetched from the "
                f"network); unknown: {', '.join('<' + g + '>' for g in unknown)}. "
                "List the graphs with SELECT DISTINCT ?g WHERE { GRAPH ?g {} }")
    return info


def check_update(update: str, settings) -> QueryInfo:
    """The guards for a SPARQL Update (authorised writers only): size, the reader's limits on nesting
    (the engine parses and evaluates its WHERE in the web process), and no SERVICE or LOAD unless
    ``allow_network``."""
    size = len(update.encode("utf-8"))
    if size > settings.max_write_bytes:
        raise RequestTooLarge(f"the update is {size:,} bytes; the most accepted is {settings.max_write_bytes:,} "
                              "(setting max_write_bytes)")
    info = _scan_cached(update, settings.max_query_depth, settings.max_query_chain, settings.max_query_patterns, ())
    if info.form is not None and not info.is_update:
        raise QueryError(f"this is a query ({info.form}), not an update: send it as query=, not update=")
    if info.filters > settings.max_query_depth:
        raise QueryRefused(f"the update has {info.filters:,} FILTERs; the most allowed is {settings.max_query_depth} "
                           "(setting max_query_depth)")
    if not settings.allow_network and (info.service or info.glued):
        raise QueryRefused("SERVICE is switched off: it would make the server fetch other URLs (setting "
                           "allow_network)" if info.service else
                           f"the update has a word that holds a guarded keyword: {', '.join(info.glued[:3])}; "
                           "separate keywords and names with a space")
    return info
