"""Single-resource lookups answered in the web process, without the hop to a query worker.

``SELECT ?p ?o WHERE { <iri> ?p ?o }`` is what linked-data clients send most, and the engine
answers it in about 0.05 ms; the hand-off to a worker process and back costs several times that
(bench/README.md, issue 15). A query of exactly that form is answered here instead, on the
generation the web process already has open, by the same engine and serializer as a worker.

What makes this safe without the worker's walls (no network, a killable process):

- The engine never sees the client's text. :func:`recognize` accepts one narrow form by a strict
  pattern over the whole text (leading comment lines, ``SELECT`` of the pattern's two variables or
  ``*``, one triple pattern with an absolute IRI as subject and two variables, an optional
  ``LIMIT``/``OFFSET``, at most :data:`LONGEST` characters); anything else, including any
  backslash (an escape), a prefixed name or a non-ASCII variable name, is not recognized and goes
  to a worker as before. The engine runs :func:`canonical`, a text built here from the recognized
  parts, which holds no ``SERVICE``, no ``LOAD`` and nothing that nests.
- The work is bounded before it starts: the subject's triples are counted first, and a subject
  with more than :data:`MOST_ROWS` of them goes to a worker (which has the time-out).
- Any error on this path (an IRI the engine refuses, an answer over ``max_result_bytes``) sends
  the client's own query to a worker, which answers it, or its error, in the client's words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import islice

import pyoxigraph as ox

from ..store.oxigraph import Opened
from .workers import Job, execute

MOST_ROWS = 1000        # a subject with more triples than this is looked up by a worker
LONGEST = 8192          # characters; a longer text is not read here (a lookup is short; the pattern stays cheap)

_WS = r"[ \t\r\n]"                                  # SPARQL's WS, exactly
_VAR = r"[?$]([A-Za-z0-9_]+)(?![^\s?$.{}*])"       # ASCII names only; anything else: not recognized
_ANY_VAR = _VAR.replace("(", "(?:", 1)
# No two runs of whitespace meet without something required between them, so a text that almost
# matches is turned down in linear time (two adjacent runs made a near miss of 8 KB take minutes).
# ASCII only: with Unicode case folding (?i:SELECT) would take "ſELECT" and LIMIT "LİMIT", which the
# engine refuses.
_FORM = re.compile(
    r"(?:" + _WS + r"*\#[^\r\n]*(?:\r?\n|\Z))*"                  # whole comment lines before the query
    + _WS + r"*(?i:SELECT)" + _WS + r"+(?P<projection>\*|" + _ANY_VAR + r"(?:" + _WS + r"*" + _ANY_VAR + r")*)"
    + _WS + r"*(?:(?i:WHERE)" + _WS + r"*)?\{" + _WS + r"*"
    r"<(?P<iri>[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*)>" + _WS + r"*"
    + _VAR.replace("(", "(?P<p>", 1) + _WS + r"*" + _VAR.replace("(", "(?P<o>", 1)
    + _WS + r"*(?:\." + _WS + r"*)?\}"
    r"(?:" + _WS + r"*(?P<k1>(?i:LIMIT|OFFSET))" + _WS + r"+(?P<n1>[0-9]{1,18}))?"
    r"(?:" + _WS + r"*(?P<k2>(?i:LIMIT|OFFSET))" + _WS + r"+(?P<n2>[0-9]{1,18}))?"
    + _WS + r"*", re.ASCII)
_NAME = re.compile(_VAR, re.ASCII)


@dataclass(frozen=True)
class Lookup:
    """A recognized lookup: the subject, the pattern's two variables, what is selected, and the slice."""

    subject: str
    p: str
    o: str
    projection: tuple[str, ...]        # variable names, in the order selected; () for ``*``
    limit: int | None = None
    offset: int | None = None


def recognize(query: str) -> Lookup | None:
    """The lookup ``query`` is, or None when it is anything else (then a worker answers it)."""
    if len(query) > LONGEST:
        return None
    m = _FORM.fullmatch(query)
    if m is None:
        return None
    p, o = m.group("p"), m.group("o")
    if p == o:                                  # ?x ?x: predicate equal to object, another query
        return None
    projection: tuple[str, ...] = ()
    if m.group("projection") != "*":      # ``*`` stays ``*``: the engine orders its columns its own way
        projection = tuple(v.group(1) for v in _NAME.finditer(m.group("projection")))
        if len(set(projection)) != len(projection) or not set(projection) <= {p, o}:
            return None
    slice_: dict[str, int] = {}
    for k, n in (("k1", "n1"), ("k2", "n2")):
        if m.group(k):
            word = m.group(k).lower()
            if word in slice_:
                return None                     # LIMIT twice: a syntax error, the worker says so
            slice_[word] = int(m.group(n))
    return Lookup(m.group("iri"), p, o, projection, slice_.get("limit"), slice_.get("offset"))


def canonical(lookup: Lookup) -> str:
    """The query text the engine runs for ``lookup`` (built here: nothing of the client's text but the
    recognized IRI, variable names and numbers)."""
    text = (f"SELECT {' '.join('?' + v for v in lookup.projection) or '*'} "
            f"WHERE {{ <{lookup.subject}> ?{lookup.p} ?{lookup.o} }}")
    if lookup.limit is not None:
        text += f" LIMIT {lookup.limit}"
    if lookup.offset is not None:
        text += f" OFFSET {lookup.offset}"
    return text


def lookup_of(job: Job) -> Lookup | None:
    """The lookup ``job`` asks for, if this process may answer it: the recognized form, on the default
    graph as the server defines it (no graphs chosen in the request); else None (a worker answers)."""
    if job.kind != "results" or not job.union or job.default_graph is not None or job.named_graphs is not None:
        return None
    return recognize(job.query)


def answer(opened: Opened, job: Job, lookup: Lookup) -> bytes | None:
    """The serialized answer of ``job``, which asks for ``lookup`` (:func:`lookup_of`), from ``opened``;
    None when a worker should answer it instead (a subject with many triples, any failure)."""
    try:
        subject = ox.NamedNode(lookup.subject)
        if sum(1 for _ in islice(opened.quads(subject, None, None, None), MOST_ROWS + 1)) > MOST_ROWS:
            return None
        return execute(opened, replace(job, query=canonical(lookup), base_iri=None, prefixes=()))
    except Exception:  # the client's query goes to a worker, which answers it or says what is wrong
        return None
