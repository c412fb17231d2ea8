"""Checks a query must pass BEFORE it reaches the engine.

pyoxigraph fetches ``SERVICE`` and ``LOAD`` URLs from the network and kills
the whole process on ~5,000 nested groups or ~20,000 ``FILTER``s (see
``oxigraph-notes.md``). A small tokenizer reads the query the way the parser
will: text inside string literals, IRIs and comments is skipped, so a keyword
inside ``"..."`` is not a ``SERVICE``. It also tells the query form (for
content negotiation before the query runs) and the ``FROM`` / ``FROM NAMED``
graphs (checked against the graphs in the store).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

from ..errors import QueryRefused, RequestTooLarge

_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""
             |\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
             |"(?:[^"\\\n\r]|\\.)*"
             |'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?:(?:[\w\-.%:\u00B7\u00C0-\uFFFF]|\\.)*)
  | (?P<var>[?$][\w\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][\w\-]*)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<other>.)
''', re.VERBOSE | re.DOTALL)

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


@dataclass
class QueryInfo:
    """What the tokenizer learned about a query."""

    form: str | None                      # SELECT / ASK / CONSTRUCT / DESCRIBE, or an update keyword
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    depth: int = 0
    filters: int = 0
    service: bool = False
    load: bool = False

    @property
    def kind(self) -> str:
        """``results`` (SELECT/ASK) or ``graph`` (CONSTRUCT/DESCRIBE)."""
        return "graph" if self.form in {"CONSTRUCT", "DESCRIBE"} else "results"

    @property
    def is_update(self) -> bool:
        return self.form in UPDATE_WORDS


def _line_col(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def scan(query: str, max_depth: int | None = None) -> QueryInfo:
    """Tokenize ``query``; stops early (and raises) once nesting passes ``max_depth``."""
    info = QueryInfo(form=None)
    prefixes: dict[str, str] = {}
    base = ""
    depth = 0
    prev: list[tuple[str, str]] = []       # last two significant tokens (kind, upper value)
    expect_from: str | None = None         # "default" / "named" after FROM [NAMED]
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        text = m.group()
        if kind == "open":
            depth += 1
            if depth > info.depth:
                info.depth = depth
                if max_depth is not None and depth > max_depth:
                    raise QueryRefused(
                        f"query nests groups/brackets deeper than {max_depth} levels "
                        f"(at {_line_col(query, m.start())}); refused to protect the query engine "
                        "(setting max_query_depth)")
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "word":
            upper = text.upper()
            if upper == "FILTER":
                info.filters += 1
            elif upper == "SERVICE":
                info.service = True
            elif upper == "LOAD":
                info.load = True
            elif upper == "FROM":
                expect_from = "default"
            elif upper == "NAMED" and expect_from == "default":
                expect_from = "named"
            if info.form is None and upper not in ("PREFIX", "BASE"):
                if upper in QUERY_FORMS or upper in UPDATE_WORDS:
                    info.form = upper
            if upper not in ("FROM", "NAMED"):
                expect_from = None
        elif kind == "iri" or kind == "pname":
            iri = _resolve(text, kind, prefixes, base)
            if prev and prev[-1] == ("word", "BASE") and kind == "iri":
                base = iri or base
            elif len(prev) >= 2 and prev[-2] == ("word", "PREFIX") and prev[-1][0] == "pname" and kind == "iri":
                prefixes[prev[-1][1]] = iri or ""
            elif expect_from and iri is not None:
                (info.from_named if expect_from == "named" else info.from_graphs).append(iri)
            expect_from = None
        else:
            expect_from = None
        prev = (prev + [(kind, text.upper() if kind == "word" else text)])[-2:]
    return info


def _resolve(text: str, kind: str, prefixes: dict[str, str], base: str) -> str | None:
    if kind == "iri":
        iri = text[1:-1]
        return urljoin(base, iri) if base and ":" not in iri.split("/", 1)[0] else iri
    prefix, _, local = text.partition(":")
    ns = prefixes.get(prefix + ":")
    return None if ns is None else ns + local.replace("\\", "")


@lru_cache(maxsize=1024)
def _scan_cached(query: str, max_depth: int) -> QueryInfo:
    return scan(query, max_depth)


def check(query: str, settings, graphs: frozenset[str] | set[str]) -> QueryInfo:
    """Every guard, in order; returns the query's :class:`QueryInfo` or raises.

    ``graphs`` are the named graphs of the current store generation: a
    ``FROM`` / ``FROM NAMED`` outside them is refused (nothing is fetched).
    """
    size = len(query.encode("utf-8"))
    if size > settings.max_request_bytes:
        raise RequestTooLarge(f"query is {size:,} bytes; the most this endpoint accepts is "
                              f"{settings.max_request_bytes:,} (setting max_request_bytes)")
    info = _scan_cached(query, settings.max_query_depth)
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
        unknown = [g for g in info.from_graphs + info.from_named if g not in graphs]
        if unknown:
            raise QueryRefused(
                "FROM / FROM NAMED may only name graphs in this catalogue (nothing is fetched from the "
                f"network); unknown: {', '.join('<' + g + '>' for g in unknown)}. "
                "List the graphs with SELECT DISTINCT ?g WHERE { GRAPH ?g {} }")
    return info
