"""Read a SPARQL query the way pyoxigraph 0.5.13 reads it, for the guards.

The guards decide from this reading, so it must agree with the engine's parser
wherever a disagreement could hide something (measured against the engine, see
``tests/test_sparql_reader.py`` and ``bench/fuzz_guards.py``):

* Codepoint escapes ``\\uXXXX`` / ``\\UXXXXXXXX`` are decoded by the engine only
  inside IRIs and string literals (SPARQL 1.2 style), NOT as the text-wide
  pre-pass of SPARQL 1.1 §19.2: ``\\u0053ELECT`` is a syntax error for the engine,
  ``"a\\u0022b"`` is the string ``a"b`` and ``# ...\\u000A`` does not end a
  comment. A guard that applies §19.2 first is fooled the other way round: in
  ``BIND("x\\u0022" AS ?a) SERVICE <...> {} BIND("\\u0022" AS ?b)`` it sees one
  long string where the engine runs a SERVICE.
* ``<`` starts an IRI where a term may stand and is "less than" after an
  operand inside an expression: in ``FILTER(?a<?b)SERVICE#>`` + newline +
  ``<http://...>{}`` a tokenizer that tries IRIs first sees the IRI
  ``<?b)SERVICE#>``; the engine runs the SERVICE. The reader keeps a stack of
  bracket kinds (expression, collection, group, ...) to decide as the engine does.
* Keywords are matched without a word boundary (``trueSERVICE<x>{}``,
  ``SERVICE:x{}`` and ``FROMNAMED:g`` are read as two tokens by the engine), so
  any bare word or prefix name that merely *contains* a guarded keyword is
  reported as such.
* Only space, tab, CR and LF are white space; comments end at CR or LF.

Whatever the reader cannot read is refused (the engine would refuse it too, or
read it in a way the guard cannot vouch for). It also measures everything the
engine recurses on (nesting, unary operator runs, operator chains, path steps,
collection items, graph-pattern operations) so the guards can refuse a query
before it overflows the engine's stack.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

# SPARQL 1.1 grammar, productions 164-173 (PN_CHARS_BASE ... PN_LOCAL_ESC)
_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_U = _BASE + "_"
_CH = _U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PREFIX = rf"(?:[{_BASE}](?:[{_CH}.]*[{_CH}])?)"
_LOCAL = rf"(?:(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CH}.:]|{_PLX})*(?:[{_CH}:]|{_PLX}))?)"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"\\[tbnrf\\\"']"

WS = re.compile(r"[ \t\r\n]+")
COMMENT = re.compile(r"#[^\r\n]*")
STRING = re.compile(rf'''
    """(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*"""
  | \'\'\'(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*\'\'\'
  | "(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*"
  | '(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'
''', re.VERBOSE)
IRIREF = re.compile(rf'<(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>')
PNAME = re.compile(rf"({_PREFIX}?):({_LOCAL}?)")
VAR = re.compile(rf"[?$][{_U}0-9][{_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*")
BNODE = re.compile(rf"_:[{_U}0-9](?:[{_CH}.]*[{_CH}])?")
LANGTAG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?")
NUMBER = re.compile(r"(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+"
                    r"|[0-9]*\.[0-9]+|[0-9]+)")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
PUNCT = re.compile(r"\{\||\|\}|\|\||&&|!=|<=|>=|\^\^|>>|[{}()\[\].,;*/|^!=+\-<>~?]")
_ESCAPE = re.compile(_UCHAR)
_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')

# bare words (never legitimately containing these) that the guards must see
_DIGITS = "0123456789"
GUARDED = ("service", "load", "from", "named")
_OPERAND_END = {"var", "iri", "pname", "string", "langtag", "number", "bnode"}
_PATTERN_WORDS = {"BIND", "OPTIONAL", "MINUS", "UNION", "FILTER", "GRAPH", "SERVICE", "VALUES"}
_UNARY = {"!", "-", "+"}
_EXPR_BINARY = {"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/"}
_PATH_BINARY = {"/", "|"}
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


class Unreadable(Exception):
    """The reader cannot read the query; ``reason`` says where and why."""

    def __init__(self, reason: str, limit: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.limit = limit          # the setting whose limit was passed, if any


@dataclass
class Limits:
    depth: int | None = None        # nesting of { ( [ << {| and runs of unary ! - +
    chain: int | None = None        # operators in one chain, path steps, items of one collection
    patterns: int | None = None     # graph-pattern operations (BIND, OPTIONAL, UNION, FILTER, groups, ...)


@dataclass
class Reading:
    """What the reader learned about a query."""

    form: str | None = None
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    service: bool = False
    load: bool = False
    glued: list[str] = field(default_factory=list)   # tokens that contain a guarded keyword
    depth: int = 0
    unary: int = 0
    chain: int = 0
    collection: int = 0
    patterns: int = 0
    filters: int = 0


def line_col(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def decode_iri(raw: str) -> str:
    """The IRI the engine reads from ``<...>`` (codepoint escapes decoded)."""
    body = raw[1:-1]
    if "\\" not in body:
        return body
    try:
        return _ESCAPE.sub(lambda m: chr(int(m.group()[2:], 16)), body)  # noqa: FURB166
    except (ValueError, OverflowError):
        raise Unreadable(f"the IRI {raw} holds an escape that is not a Unicode code point") from None


@dataclass
class _Frame:
    kind: str                       # group, expr, coll, bnode, tt, rt, ann, values
    subselect: bool = False         # a group whose first word is SELECT: modifiers follow like at top level
    first: bool = True
    ops: int = 0                    # binary (expression or path) operators since the frame opened
    items: int = 0                  # terms of a collection


Token = tuple[str, str, int]     # kind (word, iri, pname, var, string, ...), text, offset in the query


def read(query: str, limits: Limits | None = None, prefixes: dict[str, str] | None = None,
         tokens: list[Token] | None = None) -> Reading:
    """Read ``query``; raise :class:`Unreadable` for what cannot be read or passes ``limits``.
    ``prefixes`` (name -> namespace, without the colon) are predeclared, as the engine is told.
    ``tokens``, when given, receives every significant token (no white space, no comments) in order,
    as the engine reads them (``<`` decided by context), for :mod:`.update`."""
    lim = limits or Limits()
    r = Reading()
    n = len(query)
    pos = 0
    stack: list[_Frame] = []
    prev_kind, prev_text = "", ""            # last significant token
    prev2_kind, prev2_text = "", ""
    declared: dict[str, str] = {f"{name}:": ns for name, ns in (prefixes or {}).items()}
    base = ""
    pending: str | None = None               # "prefix" / "prefix-iri" / "base" / "from" / "from-named"
    pending_prefix = ""
    unary_run = 0
    last_closed = ""

    def fail(msg: str, at: int) -> Unreadable:
        return Unreadable(f"{msg} at {line_col(query, at)}")

    def over(what: str, value: int, limit: int | None, setting: str, at: int) -> None:
        if limit is not None and value > limit:
            raise Unreadable(f"query has {what} {value:,} (at {line_col(query, at)}); the most allowed is "
                             f"{limit:,} (setting {setting}), to protect the query engine", setting)

    def push(kind: str, at: int) -> None:
        stack.append(_Frame(kind))
        if len(stack) > r.depth:
            r.depth = len(stack)
            over("nesting (groups, brackets, triple terms) of depth", r.depth, lim.depth, "max_query_depth", at)

    def top() -> _Frame | None:
        return stack[-1] if stack else None

    def in_expr() -> bool:
        return bool(stack) and stack[-1].kind == "expr"

    def operand_before() -> bool:
        return prev_kind in _OPERAND_END or (prev_kind == "word" and prev_text in ("TRUE", "FALSE")) \
            or (prev_kind == "punct" and prev_text in (")", ")>>"))

    while pos < n:
        c = query[pos]
        start = pos
        if c in " \t\r\n":
            pos = _match(WS, query, pos).end()
            continue
        if c == "#":
            pos = _match(COMMENT, query, pos).end()
            continue
        kind, text = "", ""
        if c == '"' or c == "'":
            m = STRING.match(query, pos)
            if not m:
                raise fail("a string literal that is not closed, or holds a bad escape or a line break,", pos)
            kind, text = "string", m.group()
        elif c == "<":
            if in_expr() and operand_before():
                kind, text = "punct", "<=" if query.startswith("<=", pos) else "<"
                alt = IRIREF.match(query, pos)
                if alt and "#" in alt.group():
                    raise fail(f"an ambiguous '<' (comparison, or the IRI {alt.group()[:60]}?): put spaces "
                               "around comparison operators", pos)
            elif query.startswith("<<(", pos):
                kind, text = "open", "<<("
            elif query.startswith("<<", pos):
                kind, text = "open", "<<"
            else:
                m = IRIREF.match(query, pos)
                if m:
                    kind, text = "iri", m.group()
                    iri = decode_iri(text)
                    if _IRI_FORBIDDEN.search(iri):
                        raise fail(f"the IRI {text[:80]} decodes to a character an IRI may not hold", pos)
                elif in_expr():
                    kind, text = "punct", "<=" if query.startswith("<=", pos) else "<"
                else:
                    raise fail("a '<' that starts no IRI", pos)
        elif c == "?" or c == "$":
            m = VAR.match(query, pos)
            if m:
                kind, text = "var", m.group()
            elif c == "?":
                kind, text = "punct", "?"
            else:
                raise fail("a '$' that starts no variable", pos)
        elif c == "_" and query.startswith("_:", pos):
            m = BNODE.match(query, pos)
            if not m:
                raise fail("a blank node label that cannot be read", pos)
            kind, text = "bnode", m.group()
        elif c == "@":
            m = LANGTAG.match(query, pos)
            if not m:
                raise fail("an '@' that starts no language tag", pos)
            kind, text = "langtag", m.group()
        elif c in _DIGITS or (c == "." and pos + 1 < n and query[pos + 1] in _DIGITS):
            kind, text = "number", _match(NUMBER, query, pos).group()
        elif c == ")" and query.startswith(")>>", pos) and stack and stack[-1].kind == "tt":
            kind, text = "close", ")>>"
        else:
            m = PNAME.match(query, pos)
            if m:
                kind, text = "pname", m.group()
            elif (m := WORD.match(query, pos)):
                kind, text = "word", m.group()
            elif (m := PUNCT.match(query, pos)):
                kind, text = "punct", m.group()
            else:
                raise fail(f"a character the query language does not allow here ({c!r}, U+{ord(c):04X})", pos)
        pos = start + len(text)
        if tokens is not None:
            tokens.append((kind, text, start))

        # -- what the token means -------------------------------------------------------
        upper = text.upper() if kind == "word" else text
        if kind == "word":
            low = text.lower()
            for g in GUARDED:
                if g in low and low != g:
                    r.glued.append(f"{text} ({line_col(query, start)})")
            if "service" in low:
                r.service = True
            if "load" in low:
                r.load = True
            if r.form is None and (upper in QUERY_FORMS or upper in UPDATE_WORDS):
                r.form = upper
            if upper == "FILTER":
                r.filters += 1
            if upper in _PATTERN_WORDS and stack and stack[-1].kind == "group":
                r.patterns += 1
                over("graph-pattern operations (BIND, OPTIONAL, MINUS, UNION, FILTER, GRAPH, VALUES, groups):",
                     r.patterns, lim.patterns, "max_query_patterns", start)
            fr = top()
            if upper == "SELECT" and fr is not None and fr.kind == "group" and fr.first:
                fr.subselect = True
            if upper == "PREFIX":
                pending = "prefix"
            elif upper == "BASE":
                pending = "base"
            elif upper == "FROM":
                pending = "from"
            elif upper == "NAMED" and pending == "from":
                pending = "from-named"
            elif pending in ("from", "from-named"):
                raise fail(f"FROM followed by {text!r} instead of a graph IRI", start)
            else:
                pending = None
        elif kind == "pname":
            prefix = text.split(":", 1)[0].lower()
            for g in GUARDED:
                if g in prefix:
                    r.glued.append(f"{text} ({line_col(query, start)})")
                    if g == "service":
                        r.service = True
                    elif g == "load":
                        r.load = True
        elif kind == "langtag":
            low = text.lower()
            if any(g in low for g in GUARDED):
                r.glued.append(f"{text} ({line_col(query, start)})")

        # IRIs and prefixed names: PREFIX/BASE declarations and FROM graphs
        if kind in ("iri", "pname"):
            if pending == "prefix" and kind == "pname" and text.endswith(":"):
                pending, pending_prefix = "prefix-iri", text
            elif pending == "prefix-iri" and kind == "iri":
                declared[pending_prefix] = _join(base, decode_iri(text))
                pending = None
            elif pending == "base" and kind == "iri":
                base = _join(base, decode_iri(text))
                pending = None
            elif pending in ("from", "from-named"):
                found = _join(base, decode_iri(text)) if kind == "iri" else _expand(text, declared)
                if found is None:
                    raise fail(f"FROM names {text}, whose prefix is not declared", start)
                (r.from_named if pending == "from-named" else r.from_graphs).append(found)
                pending = None
            else:
                pending = None
        elif kind != "word" and pending is not None:
            if pending in ("from", "from-named"):
                raise fail(f"FROM followed by {text!r} instead of a graph IRI", start)
            pending = None

        # -- structure: brackets, operator chains, collections -------------------------------
        fr = top()
        if fr is not None:
            fr.first = False
        if kind == "open" or (kind == "punct" and text in ("{", "(", "[", "{|")):
            opener = text
            if opener == "{":
                new = "values" if (prev_kind == "var" and prev2_kind == "word" and prev2_text == "VALUES") \
                    or (prev_kind == "punct" and prev_text == ")" and last_closed == "vars") else "group"
                if fr is not None and fr.kind == "group":
                    r.patterns += 1
                    over("graph-pattern operations (BIND, OPTIONAL, MINUS, UNION, FILTER, GRAPH, VALUES, groups):",
                         r.patterns, lim.patterns, "max_query_patterns", start)
            elif opener == "(":
                new = _paren_kind(fr, prev_kind, prev_text, prev2_kind, prev2_text)
            elif opener == "[":
                new = "bnode"
            elif opener == "{|":
                new = "ann"
            elif opener == "<<(":
                new = "tt"
            else:
                new = "rt"
            if fr is not None and fr.kind == "coll":
                fr.items += 1
                _check_items(fr, r, lim, over, start)
            push(new, start)
            if new == "coll" and prev_kind == "word" and prev_text == "VALUES":
                stack[-1].kind = "vars"
            unary_run = 0
        elif kind == "close" or (kind == "punct" and text in (")", "]", "}", "|}", ">>")):
            if text == ">>" and not (fr is not None and fr.kind == "rt"):
                pass                                       # '>' '>' in an expression: the engine decides
            elif not stack:
                raise fail(f"a {text!r} that closes nothing", start)
            else:
                closed = stack.pop()
                last_closed = closed.kind
                want = {"group": "}", "values": "}", "expr": ")", "coll": ")", "vars": ")", "bnode": "]",
                        "ann": "|}", "tt": ")>>", "rt": ">>"}[closed.kind]
                if text != want:
                    raise fail(f"{text!r} closes a {want!r} bracket", start)
        elif fr is not None:
            if fr.kind == "expr":
                if kind == "punct" and text in _UNARY and not operand_before():
                    unary_run += 1
                    r.unary = max(r.unary, unary_run)
                    over("unary operators (! - +) in a row:", unary_run, lim.depth, "max_query_depth", start)
                elif kind == "punct" and text in _EXPR_BINARY:
                    fr.ops += 1
                    r.chain = max(r.chain, fr.ops)
                    over("operators in one expression:", fr.ops, lim.chain, "max_query_chain", start)
                else:
                    unary_run = 0
            elif fr.kind in ("group", "bnode", "ann", "tt", "rt", "coll"):
                if kind == "punct" and text in _PATH_BINARY:
                    fr.ops += 1
                    r.chain = max(r.chain, fr.ops)
                    over("property path steps in one triple pattern:", fr.ops, lim.chain, "max_query_chain", start)
                elif kind == "punct" and text in (".", ";", ","):
                    fr.ops = 0
            if fr.kind == "coll" and kind != "punct":
                fr.items += 1
                _check_items(fr, r, lim, over, start)
            if fr.kind != "expr":
                unary_run = 0
        prev2_kind, prev2_text = prev_kind, prev_text
        prev_kind, prev_text = kind, upper
    if stack:
        want = {"group": "}", "values": "}", "expr": ")", "coll": ")", "vars": ")", "bnode": "]", "ann": "|}",
                "tt": ")>>", "rt": ">>"}[stack[-1].kind]
        raise fail(f"the query ends before a {want!r} closes its bracket", n)
    if pending in ("from", "from-named"):
        raise fail("the query ends after FROM", n)
    return r


def _match(pattern: re.Pattern, text: str, pos: int) -> re.Match:
    m = pattern.match(text, pos)
    assert m is not None          # the first character was checked before
    return m


def _check_items(fr: _Frame, r: Reading, lim: Limits, over, at: int) -> None:
    r.collection = max(r.collection, fr.items)
    over("items in one collection ( ... ):", fr.items, lim.chain, "max_query_chain", at)


def _paren_kind(fr: _Frame | None, prev_kind: str, prev_text: str, prev2_kind: str, prev2_text: str) -> str:
    """Whether ``(`` opens an expression or a collection, as the engine's grammar decides."""
    if fr is not None and fr.kind == "expr":
        return "expr"
    if fr is not None and fr.kind in ("coll", "vars", "bnode", "tt", "rt", "values", "ann"):
        return "coll"
    toplevel = fr is None or fr.subselect
    if prev_kind == "word":
        if prev_text == "VALUES":
            return "coll"
        if prev_text == "A" and not toplevel:
            return "coll"
        return "expr"
    if toplevel:
        return "expr"
    if prev_kind in ("iri", "pname") and prev2_kind == "word" and prev2_text == "FILTER":
        return "expr"          # FILTER <function>(...)
    return "coll"


def _join(base: str, iri: str) -> str:
    return urljoin(base, iri) if base and ":" not in iri.split("/", 1)[0] else iri


def _expand(pname: str, prefixes: dict[str, str]) -> str | None:
    prefix, _, local = pname.partition(":")
    ns = prefixes.get(prefix + ":")
    return None if ns is None else ns + re.sub(r"\\(.)", r"\1", local)
