"""The second wall: query workers have no network unless allow_network is on."""
from __future__ import annotations

import time

import pytest
from ketengraaf.errors import KetengraafError
from ketengraaf.sparql.workers import Job
from test_sparql_guards import Listener
from w3c_protocol import close, small_app


@pytest.fixture()
def listener():
    lis = Listener()
    yield lis
    lis.close()


def _service_job(app, port: int) -> Job:
    st = app.extensions["ketengraaf.sparql"]
    with app.app_context():
        gen = st.store().generation()
    q = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    return Job(gen.path, q, None, None, True, "results", "JSON", 100, 10**6)


def test_a_worker_cannot_reach_loopback_even_when_the_guard_is_bypassed(tmp_path, listener):
    """The job goes straight to the pool (no guard): the engine tries the SERVICE, the worker has no
    network, the answer is an error and the canary hears nothing. On the old code the worker shared the
    host network and the listener received the engine's POST."""
    a = small_app(tmp_path, query_timeout=10)
    try:
        st = a.extensions["ketengraaf.sparql"]
        with pytest.raises(KetengraafError) as exc:
            st.pool.run(_service_job(a, listener.port), 10)
        assert "unreachable" in exc.value.message.lower()
        time.sleep(0.5)
        assert listener.received == []
        health = a.test_client().get("/healthz").get_json()
        assert health["query_isolation"] == "network-namespace"
        assert a.test_client().get("/sparql?query=ASK%7B%7D&format=json").get_json()["boolean"] is True
    finally:
        close(a)


def test_allow_network_keeps_the_network_and_says_so(tmp_path, listener):
    """allow_network on: workers keep the host network (the listener is called) and /healthz says
    so. On the old code /healthz had no query_isolation."""
    a = small_app(tmp_path, allow_network=True, query_timeout=10)
    try:
        st = a.extensions["ketengraaf.sparql"]
        assert a.test_client().get("/healthz").get_json()["query_isolation"].startswith("not started")
        with pytest.raises(KetengraafError):
            st.pool.run(_service_job(a, listener.port), 10)
        deadline = time.time() + 5
        while not listener.received and time.time() < deadline:
            time.sleep(0.05)
        assert listener.received
        assert a.test_client().get("/healthz").get_json()["query_isolation"] == "none (allow_network is on)"
    finally:
        close(a)


def test_isolation_inside_a_fresh_process():
    """enter_network_namespace() in a child process: afterwards no TCP connect reaches the host's
    127.0.0.1, not even from plain Python (the isolation is the process's, not the engine's). There was
    no such function in the old code."""
    import subprocess
    import sys
    code = ("import socket\n"
            "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1); port = s.getsockname()[1]\n"
            "from ketengraaf.sparql.isolation import enter_network_namespace\n"
            "mode = enter_network_namespace()\n"
            "c = socket.socket(); c.settimeout(2)\n"
            "try:\n"
            "    c.connect(('127.0.0.1', port)); print(mode, 'CONNECTED')\n"
            "except OSError as e:\n"
            "    print(mode, 'refused', e.errno)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60).stdout
    assert out.startswith("network-namespace refused"), out
