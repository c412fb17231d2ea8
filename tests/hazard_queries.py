"""Queries that overflow pyoxigraph 0.5.13's stack (SIGSEGV) on an 8 MiB thread, by family.

``CRASH`` is the size at which each family killed a process running the query
on its main thread (measured: ``python tests/hazard_queries.py``); the tests
send 10x that size. Shared by tests/test_sparql_crashes.py and bench/fuzz_guards.py.
"""
from __future__ import annotations

P = "PREFIX : <urn:x:> "


def unary_not(n: int) -> str:
    return "SELECT * WHERE { BIND(" + "!" * n + "true AS ?x) }"


def plus_chain(n: int) -> str:
    return "SELECT * WHERE { BIND(1" + "+1" * n + " AS ?x) }"


def and_chain(n: int) -> str:
    return "SELECT * WHERE { FILTER(true" + "&&true" * n + ") }"


def path_sequence(n: int) -> str:
    return P + "SELECT * WHERE { ?s :p" + "/:p" * n + " ?o }"


def path_alternative(n: int) -> str:
    return P + "SELECT * WHERE { ?s :p" + "|:p" * n + " ?o }"


def binds(n: int) -> str:
    return "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(n)) + " }"


def optionals(n: int) -> str:
    return P + "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s :p ?o } " * n + "}"


def unions(n: int) -> str:
    return "SELECT * WHERE { {}" + " UNION {}" * n + " }"


def collection(n: int) -> str:
    return P + "SELECT * WHERE { ?s :p (" + " 1" * n + " ) }"


def triple_terms(n: int) -> str:
    return P + "SELECT * WHERE { BIND(" + "<<( :a :b " * n + ":c" + " )>>" * n + " AS ?x) }"


def nested_groups(n: int) -> str:
    return "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n


def filters(n: int) -> str:
    return "SELECT * WHERE { ?s ?p ?o " + "FILTER(?o != 0) " * n + "}"


FAMILIES = {
    "unary_not": unary_not, "plus_chain": plus_chain, "and_chain": and_chain,
    "path_sequence": path_sequence, "path_alternative": path_alternative, "binds": binds,
    "optionals": optionals, "unions": unions, "collection": collection, "triple_terms": triple_terms,
    "nested_groups": nested_groups, "filters": filters,
}

# size that crashed (SIGSEGV) a process running the query on its 8 MiB main thread, measured with
# pyoxigraph 0.5.13 (`python tests/hazard_queries.py NAME`). Two exceptions, kept as pattern-chain
# sizes for the guard tests: 5,000 UNIONs were answered (10 s) and 5,000 OPTIONALs ran past 40 s
# without crashing. triple_terms crashes when the nested term is handed back, not while parsing.
CRASH = {
    "unary_not": 20_000, "plus_chain": 20_000, "and_chain": 20_000, "path_sequence": 20_000,
    "path_alternative": 20_000, "binds": 5_000, "optionals": 5_000, "unions": 5_000, "collection": 20_000,
    "triple_terms": 3_000, "nested_groups": 5_000, "filters": 20_000,
}


def _run(family: str, n: int, big: bool) -> str:
    import subprocess
    import sys
    code = (
        "import sys, time, pyoxigraph as ox\n"
        "sys.path.insert(0, 'tests')\n"
        "from hazard_queries import FAMILIES\n"
        f"q = FAMILIES[{family!r}]({n})\n"
        "def run():\n"
        "    try:\n"
        "        for _ in ox.Store().query(q): pass\n"
        "    except Exception as e: print(type(e).__name__, str(e)[:60])\n"
        f"if {big}:\n"
        "    from ketengraaf.sparql.workers import on_big_stack\n"
        "    on_big_stack(run)\n"
        "else:\n"
        "    run()\n")
    import time
    t0 = time.monotonic()
    try:
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=40)
    except subprocess.TimeoutExpired:
        return "timeout"
    took = time.monotonic() - t0
    return f"exit {p.returncode} in {took:.1f} s {p.stdout.strip()[:60]}"


if __name__ == "__main__":
    import sys
    names = sys.argv[1:] or list(FAMILIES)
    for name in names:
        n = CRASH[name]
        print(name, "main thread at", n, ":", _run(name, n, False), "| big stack at 10x", 10 * n, ":",
              _run(name, 10 * n, True), flush=True)
