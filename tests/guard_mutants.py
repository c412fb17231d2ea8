"""Mutations of forbidden queries (SERVICE, FROM) and their allowed twins, for the guard's differential tests.

Each :class:`Mutant` is a query the guard must refuse whenever the engine would run it, and a
twin written the same way (same case, white space, escapes, decorations) without the forbidden
part, which the guard must let through. Shared by tests/test_guard_differential.py and
bench/fuzz_guards.py.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

KEYWORDS = ("SELECT", "WHERE", "SERVICE", "SILENT", "OPTIONAL", "UNION", "MINUS", "FILTER", "EXISTS",
            "BIND", "AS", "FROM", "NAMED", "GRAPH", "PREFIX", "VALUES", "true")
SEPARATORS = (" ", " ", " ", "\t", "\n", "\r\n", "\r", "  ", " # SERVICE <http://x/> {\n", "#\r")


@dataclass
class Mutant:
    query: str          # forbidden: must be refused (when the engine can parse it)
    twin: str           # allowed: must be answered
    label: str


def _case(rng: random.Random, word: str) -> str:
    if word == "true":
        return rng.choice(["true", "TRUE", "True"])
    r = rng.random()
    if r < 0.5:
        return word
    if r < 0.7:
        return word.lower()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in word)


def _escape_iri(rng: random.Random, iri: str) -> str:
    """``<...>`` with some characters written as \\uXXXX / \\UXXXXXXXX (the engine decodes them)."""
    out = []
    for c in iri:
        if rng.random() < 0.3:
            out.append(f"\\u{ord(c):04X}" if rng.random() < 0.7 else f"\\U{ord(c):08x}")
        else:
            out.append(c)
    return "<" + "".join(out) + ">"


class _Writer:
    """Joins tokens with random separators; ``glue`` marks places where none is needed."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def join(self, tokens: list[str]) -> str:
        out = []
        for i, t in enumerate(tokens):
            if t == "<GLUE>":
                continue
            if i and tokens[i - 1] != "<GLUE>":
                out.append(self.rng.choice(SEPARATORS))
            out.append(t)
        return "".join(out)


def mutants(rng: random.Random, canary: str, known_graph: str):
    """Endless mutants; ``canary`` is ``http://127.0.0.1:PORT/`` of a listener that must never be called."""
    while True:
        yield one(rng, canary, known_graph)


def one(rng: random.Random, canary: str, known_graph: str) -> Mutant:
    kind = rng.random()
    if kind < 0.8:
        return _service(rng, canary)
    return _from(rng, canary, known_graph)


def _kw(rng, word):
    return _case(rng, word)


def _service(rng: random.Random, canary: str) -> Mutant:
    k = lambda w: _kw(rng, w)
    target_kind = rng.choice(["iri", "iri", "pname", "var"])
    prologue: list[str] = []
    pre: list[str] = []              # patterns before the SERVICE in the same group
    if target_kind == "iri":
        target = [_escape_iri(rng, canary + "sparql") if rng.random() < 0.5 else f"<{canary}sparql>"]
    elif target_kind == "pname":
        prologue = [k("PREFIX"), "c:", _escape_iri(rng, canary) if rng.random() < 0.5 else f"<{canary}>"]
        target = ["c:sparql"]
    else:
        pre += [k("BIND"), "(", _escape_iri(rng, canary + "sparql"), k("AS"), "?svc", ")"]
        target = ["?svc"]
    silent = [k("SILENT")] if rng.random() < 0.3 else []
    trick = rng.choice(["none", "escape-comment", "quote-escape", "less-than", "glue-true", "glue-number",
                        "glue-pname", "strings", "none"])
    after: list[str] = []
    service_kw = [k("SERVICE")]
    twin_kw: list[str] = []
    if trick == "escape-comment":      # the attacker's <urn:x\u0041#>: '#' inside an IRI, not a comment
        pre += [k("BIND"), "(", "<urn:x\\u0041#>", k("AS"), "?z", ")"]
    elif trick == "quote-escape":      # "x\u0022" is the string x" for the engine, not the end of a string
        pre += [k("BIND"), "(", '"x\\u0022"', k("AS"), "?q1", ")"]
        after += [k("BIND"), "(", '"\\u0022"', k("AS"), "?q2", ")"]
    elif trick == "less-than":         # FILTER(?a<?b)SERVICE#>: '<' is less-than there, not an IRI
        pre += [k("BIND"), "(", "1", k("AS"), "?a", ")", k("BIND"), "(", "2", k("AS"), "?b", ")",
                k("FILTER"), "(", "?a", "<GLUE>", "<", "<GLUE>", "?b", "<GLUE>", ")", "<GLUE>"]
        service_kw = [k("SERVICE"), "<GLUE>", "#>\n"] if not silent else [k("SERVICE")]
    elif trick == "glue-true":         # ?s ?p trueSERVICE<...>{}: keywords need no word boundary
        pre += ["?s0", "<urn:p>", k("true"), "<GLUE>"]
    elif trick == "glue-number":
        pre += ["?s0", "<urn:p>", "1", "<GLUE>"]
    elif trick == "glue-pname" and target_kind == "pname":
        target = ["<GLUE>", ":sparql"]
        prologue = [k("PREFIX"), ":", f"<{canary}>"]
    elif trick == "strings":
        pre += [k("BIND"), "(", '"SERVICE <http://127.0.0.1:1/> { }"', k("AS"), "?t", ")"]
    core = ["{", "?s", "?p", "?o", "}"]
    forbidden = service_kw + silent + target + core
    allowed = twin_kw + core
    wrap = rng.choice(["plain", "optional", "union", "minus", "exists", "subselect", "nested", "graph"])

    def wrapped(inner: list[str]) -> list[str]:
        body = pre + inner + after
        if wrap == "plain":
            return ["?s", "?p", "?o", "."] + body
        if wrap == "optional":
            return ["?s", "?p", "?o", k("OPTIONAL"), "{"] + body + ["}"]
        if wrap == "union":
            return ["{", "?s", "?p", "?o", "}", k("UNION"), "{"] + body + ["}"]
        if wrap == "minus":
            return ["?s", "?p", "?o", k("MINUS"), "{"] + body + ["}"]
        if wrap == "exists":
            return ["?s", "?p", "?o", k("FILTER"), k("EXISTS"), "{"] + body + ["}"]
        if wrap == "subselect":
            return ["{", k("SELECT"), "*", k("WHERE"), "{"] + body + ["}", "}"]
        if wrap == "graph":
            return ["?s", "?p", "?o", k("OPTIONAL"), "{", k("GRAPH"), "?g", "{"] + body + ["}", "}"]
        return ["{", "{"] + body + ["}", "}"]

    head = prologue + [k("SELECT"), "*", k("WHERE"), "{"]
    w = _Writer(rng)
    seed = rng.random()
    q = w.join(head + wrapped(forbidden) + ["}"])
    rng2 = random.Random(seed)
    twin = _Writer(rng2).join(head + wrapped(allowed) + ["}"])
    return Mutant(q, twin, f"service/{target_kind}/{trick}/{wrap}")


def _from(rng: random.Random, canary: str, known_graph: str) -> Mutant:
    k = lambda w: _kw(rng, w)
    named = rng.random() < 0.4
    style = rng.choice(["iri", "escaped", "pname", "glued"])
    prologue: list[str] = []
    if style == "iri":
        g, ok = [f"<{canary}remote.ttl>"], [f"<{known_graph}>"]
    elif style == "escaped":
        g, ok = [_escape_iri(rng, canary + "remote.ttl")], [_escape_iri(rng, known_graph)]
    elif style == "pname":
        prologue = [k("PREFIX"), "r:", f"<{canary}>", k("PREFIX"), "k:", f"<{known_graph.rsplit('/', 1)[0]}/>"]
        g, ok = ["r:remote.ttl"], ["k:" + known_graph.rsplit("/", 1)[1]]
    else:
        g, ok = ["<GLUE>", f"<{canary}remote.ttl>"], ["<GLUE>", f"<{known_graph}>"]
    kw = [k("FROM")] + ([k("NAMED")] if named else [])
    head = prologue + [k("SELECT"), "*"]
    tail = [k("WHERE"), "{", "?s", "?p", "?o", "}"]
    q = _Writer(rng).join(head + kw + g + tail)
    twin = _Writer(rng).join(head + kw + ok + tail)
    return Mutant(q, twin, f"from/{'named' if named else 'default'}/{style}")
