"""Differential test of the guard against the engine: thousands of mutated SERVICE / FROM queries.

Every mutant the guard lets through is run by pyoxigraph itself, in this process, with the host
network: a loopback canary (a real TCP listener) must receive nothing. Every allowed twin must
pass the guard and be answered. A sample of the refused mutants is run unguarded to show that
the attacks are live (the canary does get called then).

On the old guard (the regex tokenizer of the shipped server) this fails at once: mutants with
``BIND(<urn:x\\u0041#> AS ?z)`` or ``FILTER(?a<?b)SERVICE#>`` pass it and the canary is called.
"""
from __future__ import annotations

import random
import time
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from guard_mutants import one
from ketengraaf.errors import KetengraafError
from ketengraaf.settings import Settings
from ketengraaf.sparql import guards
from test_sparql_guards import Listener
from w3c_protocol import EX, close, small_app

N = 4000                 # mutants (and as many twins): about 20 s on the shared 2-core machine
SEED = 20261130
KNOWN = EX + "g2"


def _store() -> ox.Store:
    s = ox.Store()
    s.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"), ox.NamedNode(KNOWN)))
    return s


def _engine(store: ox.Store, q: str) -> str:
    """``ok``, ``syntax`` (the engine does not parse it) or ``error`` (it parsed and failed while running)."""
    try:
        list(store.query(q, use_default_graph_as_union=True))
        return "ok"
    except SyntaxError:
        return "syntax"
    except Exception:  # noqa: BLE001 - a SERVICE that failed, an unknown function...
        return "error"


def _guard(q: str, settings: Settings) -> KetengraafError | None:
    try:
        guards.check(q, settings, frozenset({KNOWN}))
        return None
    except KetengraafError as err:
        return err


@pytest.fixture()
def canary():
    lis = Listener()
    yield lis
    lis.close()


def test_no_mutant_reaches_the_canary_and_every_twin_answers(canary):
    settings = Settings.from_env({}, environ={})
    store = _store()
    rng = random.Random(SEED)
    url = f"http://127.0.0.1:{canary.port}/"
    refused: list = []
    passed_engine: dict[str, int] = {}
    twins_answered = 0
    t0 = time.monotonic()
    guard_time = 0.0
    for _ in range(N):
        m = one(rng, url, KNOWN)
        g0 = time.perf_counter()
        err = _guard(m.query, settings)
        guard_time += time.perf_counter() - g0
        if err is None:
            outcome = _engine(store, m.query)
            passed_engine[outcome] = passed_engine.get(outcome, 0) + 1
            # the guard only lets through what the engine itself rejects as a syntax error
            assert outcome == "syntax", (m.label, m.query)
        else:
            assert err.status == 400, (m.label, err.message)
            refused.append(m)
        terr = _guard(m.twin, settings)
        outcome = _engine(store, m.twin)
        if outcome != "syntax":
            assert terr is None, (m.label, m.twin, terr and terr.message)
            assert outcome == "ok", (m.label, m.twin)
            twins_answered += 1
    time.sleep(0.5)
    assert canary.received == [], canary.received[:3]
    took = time.monotonic() - t0
    assert twins_answered > N * 0.8
    assert guard_time / (2 * N) < 0.005           # per query, mutants are ~200-400 bytes
    print(f"\n{N} mutants: {len(refused)} refused, passed to the engine: {passed_engine}; "
          f"{twins_answered} twins answered; guard {guard_time / (2 * N) * 1e6:.0f} us/query; {took:.1f} s")

    # the attacks are live: without the guard, the engine calls the canary
    sample = random.Random(SEED).sample([m for m in refused if m.label.startswith("service")], 150)
    ran = [_engine(store, m.query) for m in sample]
    deadline = time.monotonic() + 5
    while not canary.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sum(1 for r in ran if r != "syntax") > 100
    assert len(canary.received) > 20


def test_mutants_are_refused_over_http(canary):
    """The same through the endpoint: 400 with a reason, never 500, and the canary hears nothing."""
    a = small_app_for(canary)
    try:
        c = a.test_client()
        rng = random.Random(SEED + 1)
        url = f"http://127.0.0.1:{canary.port}/"
        statuses: dict[int, int] = {}
        for _ in range(150):
            m = one(rng, url, KNOWN)
            r = c.get("/sparql?query=" + quote(m.query), headers={"Accept": "application/sparql-results+json"})
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            assert r.status_code == 400, (m.label, m.query, r.get_data(as_text=True)[:200])
            assert r.get_json()["message"]
        twin = one(random.Random(SEED + 2), url, KNOWN).twin
        r = c.get("/sparql?query=" + quote(twin), headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        time.sleep(0.3)
        assert canary.received == []
    finally:
        close(a)


def small_app_for(canary):
    import tempfile
    return small_app(tempfile.mkdtemp(prefix="diff"), query_timeout=10)
