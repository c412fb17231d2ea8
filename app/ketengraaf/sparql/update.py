"""SPARQL 1.1 Update as an exact delta, for writes that are gated before they are committed.

A write must be validated (SHACL), recorded (triples removed and added) and authorised per named graph
before it reaches the store, so the update text is never handed to ``pyoxigraph.Store.update``.
:func:`run_update` reads the request, and for each operation in order computes exactly which quads it
removes and adds (querying the store, never writing it), hands that :class:`Delta` to the caller's
``apply`` (which writes it, and returns what it really wrote) so the next operation sees the effect,
and returns the net delta of the request.

How the request is read, so that it means what the engine would make of it:

* Safety: the reader measures what the engine's parser recurses on (nesting, chains, patterns) and
  refuses a request past the limits before the engine sees it (it would overflow the stack).
* Syntax: the engine itself parses the whole request first (an empty in-memory store runs it behind
  an operation that fails before anything runs, so nothing is evaluated or fetched); its syntax
  errors are reported with the line and column of the user's text.
* Structure: :func:`.reader.read` tokenises the text as the engine does (escapes only inside IRIs and
  strings, ``<`` by context, comments); the operations, their graphs and the spans of their
  templates and ``WHERE`` groups are read from those tokens.
* ``WHERE``: the group's original text, with the prologue in effect, runs as ``SELECT *`` on the
  engine, over the dataset of ``WITH`` / ``USING`` / ``USING NAMED`` (or the protocol's
  ``using-graph-uri`` / ``using-named-graph-uri``).
* Templates and data: the engine's TriG parser reads them, with each variable written as a
  placeholder IRI, so IRIs, prefixed names, escapes, literals, collections and ``[ ]`` are read by
  the engine's own term reader. Literals are then put in the store's canonical form (``01`` is
  stored as ``1``), so a delta compares equal to what the store holds.

Semantics follow SPARQL 1.1 Update §3 as the engine implements them (pyoxigraph 0.5.13, measured
in ``tests/test_sparql_update.py``): the ``WHERE`` is evaluated once; template instances with an
unbound variable or ill-formed (a literal subject or predicate, a literal graph name) are skipped
(``GRAPH ?g`` bound to a blank node writes to that blank-node graph, as the engine does);
blank nodes of an ``INSERT`` template are fresh per solution; ``ADD`` / ``COPY`` from a missing
graph do nothing and are no error, ``MOVE`` from one is (without ``SILENT``), ``COPY`` and ``MOVE``
first drop the target; ``CLEAR`` / ``DROP`` of a missing graph and ``CREATE`` of an existing one are
errors without ``SILENT``. The engine reads ``PREFIX`` / ``BASE`` only at the start of a request.

Limits: the request is not atomic by itself: each operation is applied before the next is computed,
so a failing operation leaves those before it applied (:class:`UpdateFailed` carries their delta;
the caller may roll back with ``inverse()``, or apply into a transaction of its own). The ``WHERE``
queries run in the calling process, without the worker pool's time and memory caps.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..errors import QueryError, QueryRefused
from ..settings import SETTINGS
from .reader import COMMENT, IRIREF, PNAME, WS, Limits, Token, Unreadable, line_col, read

__all__ = ["DEFAULT_GRAPH", "DEFAULT_LIMITS", "Delta", "UpdateFailed", "apply_to", "graph_key", "graph_term",
           "run_update"]

DEFAULT_GRAPH = ""               # the default graph, in Delta.graphs()
_CHECK_GRAPH = "urn:x-ketengraaf:update-syntax-check"
_ENGINE_ERROR = re.compile(r"error at (\d+):(\d+): ")
_LITERAL_WORDS = {"TRUE", "FALSE"}
_DEFAULTS = {s.name: s.default for s in SETTINGS}
DEFAULT_LIMITS = Limits(depth=_DEFAULTS["max_query_depth"], chain=_DEFAULTS["max_query_chain"],
                        patterns=_DEFAULTS["max_query_patterns"])
_GAP = rf"(?:{WS.pattern}|{COMMENT.pattern})*"
_DECLARATION = re.compile(rf"(?i:PREFIX){_GAP}{PNAME.pattern}{_GAP}{IRIREF.pattern}|(?i:BASE){_GAP}{IRIREF.pattern}")


@dataclass
class Delta:
    """What a write changes: quads present before and absent after (``removed``), absent before and
    present after (``added``), named graphs that exist after as empty graphs and did not before
    (``created``, by ``CREATE GRAPH``; a graph that gains quads is created by them) and named graphs
    that existed before and do not after (``dropped``; all their quads are in ``removed``).

    To write a delta: remove ``removed``, drop ``dropped``, create ``created``, add ``added``
    (:func:`apply_to`)."""

    removed: set[ox.Quad] = field(default_factory=set)
    added: set[ox.Quad] = field(default_factory=set)
    created: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)

    def graphs(self) -> set[str]:
        """The graphs touched, as IRIs; the default graph is :data:`DEFAULT_GRAPH` (``""``)."""
        return {graph_key(q.graph_name) for q in self.removed | self.added} | self.created | self.dropped

    def __bool__(self) -> bool:
        return bool(self.removed or self.added or self.created or self.dropped)

    def compose(self, other: Delta) -> Delta:
        """The net delta of ``self`` then ``other`` (``other`` computed against the state after ``self``).

        One case cannot be decided from the two deltas alone: a graph that ``self`` brought into
        being by adding quads to it and ``other`` drops stays in ``dropped`` (dropping a graph that
        does not exist is harmless)."""
        removed = (self.removed - other.added) | (other.removed - self.added)
        added = (self.added - other.removed) | (other.added - self.removed)
        filled = {graph_key(q.graph_name) for q in other.added}       # graphs that hold quads after
        created = ((self.created - other.dropped) | (other.created - self.dropped)) - filled
        dropped = ((self.dropped - other.created) | (other.dropped - self.created)) - filled
        return Delta(removed, added, created, dropped)

    def inverse(self) -> Delta:
        """The delta that undoes this one (write it with :func:`apply_to` to roll back)."""
        return Delta(set(self.added), set(self.removed), set(self.dropped), set(self.created))


class UpdateFailed(QueryError):
    """An operation that cannot run (a missing graph, an existing one). Those before it were applied:
    ``applied`` is their net delta (``applied.inverse()`` undoes it)."""

    def __init__(self, message: str, applied: Delta):
        super().__init__(message)
        self.applied = applied


def graph_key(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    """A graph name as a string: the IRI, ``_:id`` for a blank node (``GRAPH ?g`` bound to one), or
    :data:`DEFAULT_GRAPH`."""
    if isinstance(graph, ox.DefaultGraph):
        return DEFAULT_GRAPH
    return graph.value if isinstance(graph, ox.NamedNode) else f"_:{graph.value}"


def graph_term(key: str) -> ox.NamedNode | ox.BlankNode | ox.DefaultGraph:
    """The graph name :func:`graph_key` made ``key`` from."""
    if key == DEFAULT_GRAPH:
        return ox.DefaultGraph()
    return ox.BlankNode(key[2:]) if key.startswith("_:") else ox.NamedNode(key)


def apply_to(store: ox.Store, delta: Delta) -> Delta:
    """The plain ``apply``: write ``delta`` to ``store`` as it is; returns it."""
    for quad in delta.removed:
        store.remove(quad)
    for graph in delta.dropped:
        store.remove_graph(graph_term(graph))
    for graph in delta.created:
        store.add_graph(graph_term(graph))
    for quad in delta.added:
        store.add(quad)
    return delta


# -- reading the request ---------------------------------------------------------------------------------

@dataclass
class _Op:
    kind: str                        # INSERT DATA, DELETE DATA, DELETE WHERE, MODIFY, CLEAR, DROP, CREATE,
    at: int                          # ADD, MOVE, COPY, LOAD; offset of its first token
    prologue: str                    # the PREFIX / BASE declarations in effect
    silent: bool = False
    scope: str = "GRAPH"             # CLEAR / DROP: GRAPH, DEFAULT, NAMED, ALL
    graphs: list[Token | None] = field(default_factory=list)   # graph refs; None is DEFAULT
    with_: Token | None = None
    using: list[Token] = field(default_factory=list)
    using_named: list[Token] = field(default_factory=list)
    delete: tuple[int, int] | None = None       # token indices of a template's { and }
    insert: tuple[int, int] | None = None
    where: tuple[int, int] | None = None        # DATA blocks are in ``insert`` / ``delete``


class _Parser:
    """The request's operations, from the reader's tokens (the engine has accepted the text already,
    so anything unexpected here is a disagreement with the engine, reported as such)."""

    def __init__(self, text: str, tokens: list[Token]):
        self.text, self.tokens, self.i = text, tokens, 0
        self.match: dict[int, int] = {}
        opened: list[int] = []
        for n, (kind, tok, _) in enumerate(tokens):
            if kind == "punct" and tok == "{":
                opened.append(n)
            elif kind == "punct" and tok == "}" and opened:
                self.match[opened.pop()] = n

    def fail(self, what: str) -> QueryError:
        at = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        return QueryError(f"the update cannot be read ({what} at {line_col(self.text, at)}); "
                          "the query engine reads it otherwise")

    def word(self, *names: str) -> str | None:
        if self.i < len(self.tokens):
            kind, tok, _ = self.tokens[self.i]
            if kind == "word" and tok.upper() in names:
                self.i += 1
                return tok.upper()
        return None

    def need(self, *names: str) -> str:
        found = self.word(*names)
        if found is None:
            raise self.fail(f"expected {' or '.join(names)}")
        return found

    def iri(self) -> Token:
        if self.i < len(self.tokens) and self.tokens[self.i][0] in ("iri", "pname"):
            self.i += 1
            return self.tokens[self.i - 1]
        raise self.fail("expected an IRI")

    def group(self) -> tuple[int, int]:
        if self.i < len(self.tokens) and self.tokens[self.i][1] == "{" and self.i in self.match:
            lo, hi = self.i, self.match[self.i]
            self.i = hi + 1
            return lo, hi
        raise self.fail("expected '{'")

    def operations(self) -> list[_Op]:
        ops: list[_Op] = []
        prologue: list[str] = []
        while True:
            while (decl := self.word("PREFIX", "BASE")) is not None:
                if decl == "PREFIX":
                    if self.i >= len(self.tokens) or self.tokens[self.i][0] != "pname":
                        raise self.fail("expected a prefix")
                    name = self.tokens[self.i][1]
                    self.i += 1
                    prologue.append(f"PREFIX {name} {self.iri()[1]}")
                else:
                    prologue.append(f"BASE {self.iri()[1]}")
            if self.i >= len(self.tokens):
                return ops
            ops.append(self.operation("\n".join(prologue) + "\n"))
            if self.i >= len(self.tokens):
                return ops
            if self.tokens[self.i][1] != ";":
                raise self.fail("expected ';'")
            self.i += 1

    def operation(self, prologue: str) -> _Op:
        at = self.tokens[self.i][2]
        kind = self.need("LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "INSERT", "DELETE", "WITH")
        op = _Op(kind, at, prologue)
        if kind in ("LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"):
            op.silent = self.word("SILENT") is not None
        if kind == "LOAD":
            self.iri()
            if self.word("INTO"):
                self.need("GRAPH")
                op.graphs.append(self.iri())
        elif kind in ("CLEAR", "DROP"):
            op.scope = self.need("GRAPH", "DEFAULT", "NAMED", "ALL")
            if op.scope == "GRAPH":
                op.graphs.append(self.iri())
        elif kind == "CREATE":
            self.need("GRAPH")
            op.graphs.append(self.iri())
        elif kind in ("ADD", "MOVE", "COPY"):
            op.graphs.append(self.graph_or_default())
            self.need("TO")
            op.graphs.append(self.graph_or_default())
        elif kind == "INSERT" and self.word("DATA"):
            op.kind, op.insert = "INSERT DATA", self.group()
        elif kind == "DELETE" and self.word("DATA"):
            op.kind, op.delete = "DELETE DATA", self.group()
        elif kind == "DELETE" and self.word("WHERE"):
            op.kind, op.delete = "DELETE WHERE", self.group()
            op.where = op.delete
        else:
            op.kind = "MODIFY"
            if kind == "WITH":
                op.with_ = self.iri()
                kind = self.need("INSERT", "DELETE")
            if kind == "DELETE":
                op.delete = self.group()
                if self.word("INSERT"):
                    op.insert = self.group()
            else:
                op.insert = self.group()
            while self.word("USING"):
                (op.using_named if self.word("NAMED") else op.using).append(self.iri())
            self.need("WHERE")
            op.where = self.group()
        return op

    def graph_or_default(self) -> Token | None:
        if self.word("DEFAULT"):
            return None
        self.word("GRAPH")
        return self.iri()


def _check_syntax(text: str, base_iri: str | None) -> None:
    """Let the engine parse the whole request, on an empty in-memory store, behind an operation that
    fails before any other runs: nothing of the request is evaluated (nor anything fetched). The
    operation goes after the prologue (the engine reads PREFIX and BASE only at the start)."""
    at = _prologue_end(text)
    check = f" DROP GRAPH <{_CHECK_GRAPH}> ; "
    try:
        ox.Store().update(text[:at] + check + text[at:], base_iri=base_iri)
    except SyntaxError as exc:
        message = str(exc)
        m = _ENGINE_ERROR.match(message)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            at_line = text.count("\n", 0, at) + 1
            at_col = at - (text.rfind("\n", 0, at) + 1) + 1
            if line == at_line and col > at_col:
                col -= len(check)
            message = f"line {line}, column {col}: {message[m.end():]}"
        if len(message) > 400:
            message = message[:400] + " ..."
        raise QueryError(f"the update does not parse: {message}") from None
    except ValueError as exc:
        raise QueryError(f"the update cannot run: {exc}") from None          # a bad base IRI
    except RuntimeError as exc:
        if _CHECK_GRAPH in str(exc):
            return          # the check's own DROP failed: the request parses
        raise
    raise QueryError("the update could not be checked")         # pragma: no cover - the DROP always fails


def _prologue_end(text: str) -> int:
    """Where the request's PREFIX / BASE declarations end (after white space and comments)."""
    pos = end = 0
    while True:
        while (m := WS.match(text, pos) or COMMENT.match(text, pos)):
            pos = m.end()
        m = _DECLARATION.match(text, pos)
        if not m:
            return end
        pos = end = m.end()


# -- templates, through the engine's TriG parser -----------------------------------------------------------

class _Terms:
    """Reads templates, data blocks and graph IRIs with the engine's TriG parser."""

    def __init__(self, text: str, tokens: list[Token], match: dict[int, int], base_iri: str | None):
        self.text, self.tokens, self.match, self.base_iri = text, tokens, match, base_iri
        self.prefix = f"urn:x-ketengraaf-update:{uuid.uuid4().hex}:"
        self.ill = self.prefix + "!"             # stands for a literal subject: never a well-formed instance

    def var(self, name: str) -> str:
        return f"<{self.prefix}v:{name}>"

    def parse(self, trig: str) -> list[ox.Quad]:
        try:
            return list(ox.parse(trig, format=ox.RdfFormat.TRIG, base_iri=self.base_iri))
        except SyntaxError as exc:
            raise QueryError(f"the update cannot be read (a template the RDF reader refuses: {exc})") from None

    def iris(self, prologue: str, refs: Sequence[Token | None]) -> list[str | None]:
        """Each graph reference as an absolute IRI (None stays None: the default graph)."""
        body = "".join(f"<{self.prefix}s> <{self.prefix}{n}> {ref[1]} .\n"
                       for n, ref in enumerate(refs) if ref is not None)
        found = {q.predicate.value[len(self.prefix):]: q.object for q in self.parse(prologue + body)}
        out: list[str | None] = []
        for n, ref in enumerate(refs):
            term = found.get(str(n)) if ref is not None else None
            if ref is not None and not isinstance(term, ox.NamedNode):
                raise QueryError(f"the update cannot be read (the graph {ref[1]} is not an IRI)")
            out.append(term.value if isinstance(term, ox.NamedNode) else None)
        return out

    def template(self, prologue: str, span: tuple[int, int]) -> list[ox.Quad]:
        """The quads of the block between tokens ``span`` (``{`` ... ``}``), variables as placeholders."""
        lo, hi = span
        parts: list[str] = []
        chunk: list[int] = []
        i = lo + 1
        while i < hi:
            kind, tok, _ = self.tokens[i]
            if kind == "word" and tok.upper() == "GRAPH":
                if chunk:
                    parts.append("{ " + self.triples(chunk) + " }")
                    chunk = []
                name = self.tokens[i + 1]
                open_ = i + 2
                close = self.match[open_]
                inner = list(range(open_ + 1, close))
                graph = self.var(name[1][1:]) if name[0] == "var" else name[1]
                parts.append(f"GRAPH {graph} {{ {self.triples(inner)} }}")
                i = close + 1
                continue
            chunk.append(i)
            i += 1
        if chunk:
            parts.append("{ " + self.triples(chunk) + " }")
        return self.parse(prologue + "\n".join(parts))

    def triples(self, indices: list[int]) -> str:
        """Triples template tokens as Turtle: variables become placeholder IRIs, a literal subject
        becomes the ill-formed marker, spacing between tokens is kept where the text had some."""
        out: list[str] = []
        depth = 0
        subject = True
        prev_end = -1
        n = 0
        while n < len(indices):
            kind, tok, start = self.tokens[indices[n]]
            if not out and kind == "punct" and tok == ".":
                n += 1                           # the '.' after a GRAPH block
                continue
            gap = " " if out and start > prev_end else ""
            if subject and depth == 0 and self.literal_start(kind, tok):
                n += 2 if kind == "punct" else 1         # a sign, then its number
                if n < len(indices) and self.tokens[indices[n]][0] == "langtag":
                    n += 1
                elif n < len(indices) and self.tokens[indices[n]][1] == "^^":
                    n += 2
                out.append(f" <{self.ill}>")
                prev_end = self.tokens[indices[n - 1]][2] + len(self.tokens[indices[n - 1]][1])
                subject = False
                continue
            subject = False
            if kind == "var":
                piece = self.var(tok[1:])
            elif kind == "word" and tok.upper() in _LITERAL_WORDS:
                piece = tok.lower()
            else:
                piece = tok
            if tok in ("[", "(", "<<", "<<(", "{|"):
                depth += 1
            elif tok in ("]", ")", ">>", ")>>", "|}"):
                depth -= 1
            elif tok == "." and depth == 0:
                subject = True
            out.append(gap + piece)
            prev_end = start + len(tok)
            n += 1
        return "".join(out)

    @staticmethod
    def literal_start(kind: str, tok: str) -> bool:
        return kind in ("string", "number") or (kind == "word" and tok.upper() in _LITERAL_WORDS) \
            or (kind == "punct" and tok in ("+", "-"))


def _canonical(quads: Iterable[ox.Quad]) -> set[ox.Quad]:
    """The quads as the store holds them: literals in their canonical form (``01`` -> ``1``)."""
    plain: set[ox.Quad] = set()
    scratch = ox.Store()
    literal = []
    for q in quads:
        if isinstance(q.object, ox.NamedNode | ox.BlankNode):
            plain.add(q)
        else:
            literal.append(q)
    if not literal:
        return plain
    scratch.extend(literal)
    return plain | set(scratch)


# -- evaluating -------------------------------------------------------------------------------------------

def run_update(text: str, store: ox.Store, apply: Callable[[Delta], Delta], *, base_iri: str | None = None,
               using_graph_uri: Sequence[str] = (), using_named_graph_uri: Sequence[str] = (),
               allow_network: bool = False, limits: Limits | None = None) -> Delta:
    """Run the SPARQL 1.1 Update ``text`` against ``store`` through ``apply``; return the net delta.

    Each operation's delta is computed against the current ``store`` (queries only) and handed to
    ``apply``, which writes it (possibly elsewhere) and returns the delta it really wrote; operations
    that change nothing are not handed over. ``using_graph_uri`` / ``using_named_graph_uri`` are the
    protocol's dataset (SPARQL 1.1 Protocol §2.2.3): the ``WHERE`` of every ``DELETE/INSERT ... WHERE``
    and ``DELETE WHERE`` is matched against it (templates still write the store's graphs), and a request
    that has ``USING``, ``USING NAMED`` or ``WITH`` too is refused. ``limits`` bound nesting, chains and
    patterns as for queries (the settings ``max_query_depth``, ``max_query_chain``,
    ``max_query_patterns``; their defaults when not given).

    Raises :class:`QueryError` for a request that does not parse (with line and column),
    :class:`QueryRefused` for ``LOAD`` and ``SERVICE`` (network) and past ``limits``, and :class:`UpdateFailed` for an
    operation that cannot run (the operations before it were applied: see ``applied``)."""
    tokens: list[Token] = []
    try:
        reading = read(text, limits or DEFAULT_LIMITS, tokens=tokens)
    except Unreadable as exc:
        if exc.limit:
            raise QueryRefused(exc.reason) from None
        raise QueryError(f"the update does not parse: {exc.reason}") from None
    _check_syntax(text, base_iri)
    parser = _Parser(text, tokens)
    ops = parser.operations()
    for op in ops:
        if op.kind == "LOAD":
            if not allow_network:
                raise QueryRefused("LOAD fetches from the network; refused unless the setting allow_network is on")
            raise QueryRefused("LOAD is not supported over HTTP writes")
    if reading.service and not allow_network:
        raise QueryRefused("SERVICE fetches from the network; refused unless the setting allow_network is on")
    protocol = bool(using_graph_uri or using_named_graph_uri)
    if protocol:
        for op in ops:
            if op.with_ or op.using or op.using_named:
                raise QueryError("the dataset is given twice: by using-graph-uri / using-named-graph-uri and by "
                                 f"USING, USING NAMED or WITH in the update (at {line_col(text, op.at)}); "
                                 "give one of them (SPARQL 1.1 Protocol §2.2.3)")
    terms = _Terms(text, tokens, parser.match, base_iri)
    dataset = (list(using_graph_uri), list(using_named_graph_uri)) if protocol else None
    net = Delta()
    graphs_before = {graph_key(g) for g in store.named_graphs()}
    for op in ops:
        try:
            delta = _operation(op, store, terms, dataset, base_iri)
        except UpdateFailed as exc:
            exc.applied = net
            raise
        if delta:
            net = net.compose(apply(delta))
    net.created -= graphs_before          # compose cannot tell a graph that came and went from a dropped one
    net.dropped &= graphs_before
    return net


def _operation(op: _Op, store: ox.Store, terms: _Terms, dataset: tuple[list[str], list[str]] | None,
               base_iri: str | None) -> Delta:
    if op.kind in ("INSERT DATA", "DELETE DATA"):
        span = op.insert or op.delete
        assert span is not None
        quads = terms.template(op.prologue, span)
        if op.kind == "DELETE DATA":
            return Delta(removed={q for q in _canonical(quads) if q in store})
        return Delta(added={q for q in _canonical(_instances(quads, [{}], terms, ox.DefaultGraph(), fresh=True))
                            if q not in store})
    if op.kind in ("DELETE WHERE", "MODIFY"):
        return _modify(op, store, terms, dataset, base_iri)
    return _graph_operation(op, store, terms)


def _modify(op: _Op, store: ox.Store, terms: _Terms, dataset: tuple[list[str], list[str]] | None,
            base_iri: str | None) -> Delta:
    refs = terms.iris(op.prologue, [op.with_, *op.using, *op.using_named])
    with_ = refs[0]
    using = [r for r in refs[1:1 + len(op.using)] if r]
    using_named = [r for r in refs[1 + len(op.using):] if r]
    delete = terms.template(op.prologue, op.delete) if op.delete else []
    insert = terms.template(op.prologue, op.insert) if op.insert else []
    for q in delete:
        if any(isinstance(t, ox.BlankNode) for t in q):          # the engine refuses these as syntax
            raise QueryError(f"blank nodes are not allowed in a DELETE template (at {line_col(terms.text, op.at)})")
    assert op.where is not None
    lo, hi = terms.tokens[op.where[0]][2], terms.tokens[op.where[1]][2] + 1
    query = f"{op.prologue}SELECT * WHERE {terms.text[lo:hi]}"
    kwargs: dict = {}
    if dataset is not None:                  # DELETE WHERE is DELETE { P } WHERE { P }: the dataset applies
        using, using_named = dataset
    if using or using_named:
        kwargs = {"default_graph": [ox.NamedNode(g) for g in using],
                  "named_graphs": [ox.NamedNode(g) for g in using_named]}
    elif with_:
        kwargs = {"default_graph": ox.NamedNode(with_)}
    names = {name for q in delete + insert for name in _variables(q, terms.prefix + "v:")}
    results = store.query(query, base_iri=base_iri, **kwargs)
    assert isinstance(results, ox.QuerySolutions)
    solutions = [{name: sol[name] for name in names} for sol in results]
    target: ox.NamedNode | ox.DefaultGraph = ox.NamedNode(with_) if with_ else ox.DefaultGraph()
    deleted = _canonical(_instances(delete, solutions, terms, target, fresh=False))
    inserted = _canonical(_instances(insert, solutions, terms, target, fresh=True))
    return Delta(removed={q for q in deleted if q not in inserted and q in store},
                 added={q for q in inserted if q not in store})


def _variables(terms: Iterable, var: str) -> Iterable[str]:
    """The names of the variable placeholders among ``terms`` (inside triple terms too)."""
    for t in terms:
        if isinstance(t, ox.NamedNode) and t.value.startswith(var):
            yield t.value[len(var):]
        elif isinstance(t, ox.Triple):
            yield from _variables(t, var)


def _instances(templates: list[ox.Quad], solutions: list[dict], terms: _Terms,
               target: ox.NamedNode | ox.DefaultGraph, fresh: bool) -> list[ox.Quad]:
    """Every well-formed instance of ``templates`` for each solution (SPARQL 1.1 Update §3.1.3)."""
    var = terms.prefix + "v:"
    out: list[ox.Quad] = []
    for solution in solutions:
        bnodes: dict[ox.BlankNode, ox.BlankNode] = {}
        for template in templates:
            parts: list = []
            for t in template:
                if isinstance(t, ox.NamedNode) and t.value.startswith(terms.prefix):
                    t = solution.get(t.value[len(var):]) if t.value.startswith(var) else None
                    if t is None:
                        break
                elif isinstance(t, ox.BlankNode) and fresh:
                    t = bnodes.setdefault(t, ox.BlankNode())
                elif isinstance(t, ox.Triple):
                    t = _triple_term(t, solution, terms, bnodes)
                    if t is None:
                        break
                parts.append(t)
            else:
                s, p, o, g = parts
                if isinstance(g, ox.DefaultGraph):
                    g = target
                if isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode) \
                        and isinstance(g, ox.NamedNode | ox.BlankNode | ox.DefaultGraph):
                    out.append(ox.Quad(s, p, o, g))
    return out


def _triple_term(triple: ox.Triple, solution: dict, terms: _Terms,
                 bnodes: dict[ox.BlankNode, ox.BlankNode]) -> ox.Triple | None:
    """A triple term of a template with the solution's values, or None when unbound or ill-formed."""
    var = terms.prefix + "v:"
    parts: list = []
    for t in triple:
        if isinstance(t, ox.NamedNode) and t.value.startswith(terms.prefix):
            t = solution.get(t.value[len(var):]) if t.value.startswith(var) else None
        elif isinstance(t, ox.BlankNode):
            t = bnodes.setdefault(t, ox.BlankNode())
        elif isinstance(t, ox.Triple):
            t = _triple_term(t, solution, terms, bnodes)
        if t is None:
            return None
        parts.append(t)
    s, p, o = parts
    if isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode):
        return ox.Triple(s, p, o)
    return None


def _graph_operation(op: _Op, store: ox.Store, terms: _Terms) -> Delta:
    """CLEAR, DROP, CREATE, ADD, MOVE, COPY."""
    graphs = terms.iris(op.prologue, op.graphs)

    def quads(graph: str | None) -> set[ox.Quad]:
        return set(store.quads_for_pattern(None, None, None, graph_term(graph or DEFAULT_GRAPH)))

    def exists(graph: str) -> bool:
        return store.contains_named_graph(ox.NamedNode(graph))

    def missing(graph: str) -> UpdateFailed:
        return UpdateFailed(f"{op.kind}: the graph <{graph}> does not exist (at {line_col(terms.text, op.at)}); "
                            f"{op.kind} SILENT does nothing instead", Delta())

    named = [graph_key(g) for g in store.named_graphs()]
    if op.kind in ("CLEAR", "DROP"):
        drop = op.kind == "DROP"
        if op.scope == "GRAPH":
            graph = graphs[0]
            assert graph is not None
            if not exists(graph):
                if op.silent:
                    return Delta()
                raise missing(graph)
            return Delta(removed=quads(graph), dropped={graph} if drop else set())
        removed: set[ox.Quad] = set()
        if op.scope in ("DEFAULT", "ALL"):
            removed |= quads(None)
        if op.scope in ("NAMED", "ALL"):
            for graph in named:
                removed |= quads(graph)
        return Delta(removed=removed, dropped=set(named) if drop and op.scope != "DEFAULT" else set())
    if op.kind == "CREATE":
        graph = graphs[0]
        assert graph is not None
        if exists(graph):
            if op.silent:
                return Delta()
            raise UpdateFailed(f"CREATE: the graph <{graph}> already exists (at {line_col(terms.text, op.at)}); "
                               "CREATE SILENT does nothing instead", Delta())
        return Delta(created={graph})
    source, to = graphs
    if source == to:
        return Delta()
    if op.kind == "MOVE" and source and not exists(source) and not op.silent:
        raise missing(source)
    to_name = ox.NamedNode(to) if to else ox.DefaultGraph()
    copied = {ox.Quad(q.subject, q.predicate, q.object, to_name) for q in quads(source)}
    before = quads(to)
    if op.kind == "ADD":
        return Delta(added=copied - before)
    delta = Delta(removed=before - copied, added=copied - before)
    if to and exists(to) and not copied:
        delta.dropped.add(to)                # COPY / MOVE drop the target first
    if op.kind == "MOVE":
        delta.removed |= quads(source)
        if source and exists(source):
            delta.dropped.add(source)
    return delta
