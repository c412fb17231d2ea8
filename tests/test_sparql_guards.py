"""Guards before the engine: each fires, and without it the hazard reaches the engine."""
from __future__ import annotations

import socket
import threading
import time
from urllib.parse import quote

import pytest

from ketengraaf.errors import QueryCrashed
from ketengraaf.sparql.guards import scan
from ketengraaf.sparql.workers import Job
from w3c_protocol import EX, close, small_app

NESTED = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000
MANY_FILTERS = "SELECT * WHERE { ?s ?p ?o " + "FILTER(?o != 0) " * 20000 + "}"
# deeper than even the workers' 512 MiB stack holds (NESTED no longer crashes a worker)
BEYOND_BIG_STACK = "SELECT * WHERE " + "{" * 450_000 + " ?s ?p ?o " + "}" * 450_000


class Listener:
    """A loopback TCP listener that records every connection it receives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                self.received.append(conn.recv(4096))
            except OSError:
                self.received.append(b"")
            conn.close()       # no answer: the engine's request fails

    def close(self):
        self._stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory, backend):
    a = small_app(tmp_path_factory.mktemp("guards") / "store", backend, max_request_bytes=1_000_000, query_timeout=20)
    yield a
    close(a)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def listener():
    lis = Listener()
    yield lis
    lis.close()


def test_tokenizer_skips_strings_iris_and_comments():
    info = scan('SELECT * WHERE { ?s ?p "SERVICE <http://x/> FILTER" . '
                '?s ?q <http://example.org/SERVICE> } # SERVICE LOAD FILTER\n')
    assert not info.service and not info.load and info.filters == 0
    assert info.form == "SELECT" and info.kind == "results"
    info = scan("PREFIX ex: <http://e/>\nCONSTRUCT { ?s ?p ?o } FROM ex:g FROM NAMED <http://n> WHERE "
                "{ ?s ?p '''multi\nline { ( '''  FILTER(?o) }")
    assert info.form == "CONSTRUCT" and info.kind == "graph"
    assert info.from_graphs == ["http://e/g"] and info.from_named == ["http://n"]
    assert info.depth == 2 and info.filters == 1
    assert scan("select * { service <http://x/> { ?s ?p ?o } }").service


def test_service_is_refused_and_nothing_is_fetched(client, listener):
    q = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    r = client.get("/sparql?query=" + quote(q))
    assert r.status_code == 400 and "SERVICE" in r.get_json()["message"]
    time.sleep(0.3)
    assert listener.received == []
    # the same text inside a string literal is not a SERVICE and runs
    lit = f'SELECT * WHERE {{ ?s ?p "SERVICE <http://127.0.0.1:{listener.port}/>" }}'
    assert client.get("/sparql?query=" + quote(lit)).status_code == 200


def test_without_the_guard_the_engine_fetches_service_urls(listener):
    """The hazard is real: the engine itself calls the loopback listener (here in this process, with the
    host network; the query workers have none, see test_query_isolation.py)."""
    import pyoxigraph as ox
    q = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(OSError):
        list(ox.Store().query(q))
    deadline = time.time() + 5
    while not listener.received and time.time() < deadline:
        time.sleep(0.05)
    assert listener.received and listener.received[0].split(b" ")[0] in (b"GET", b"POST")


def test_allow_network_lets_service_through(tmp_path, listener):
    a = small_app(tmp_path, allow_network=True, query_timeout=10)
    try:
        q = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
        r = a.test_client().get("/sparql?query=" + quote(q))
        assert r.status_code >= 400            # the listener gives no answer
        assert listener.received               # but it was asked
    finally:
        close(a)


def test_load_and_unknown_from_are_refused(client):
    r = client.post("/sparql", data={"query": "LOAD <http://127.0.0.1:9/x.ttl>"})
    assert r.status_code == 400
    r = client.get("/sparql?query=" + quote("SELECT * FROM <http://127.0.0.1:9/remote.ttl> WHERE { ?s ?p ?o }"))
    assert r.status_code == 400 and "http://127.0.0.1:9/remote.ttl" in r.get_json()["message"]
    ok = client.get("/sparql?query=" + quote(f"SELECT * FROM <{EX}g2> WHERE {{ ?s ?p ?o }}"),
                    headers={"Accept": "application/json"})
    assert ok.status_code == 200 and len(ok.get_json()["results"]["bindings"]) == 1


def test_deep_nesting_is_refused_before_the_engine(client):
    r = client.post("/sparql", data=NESTED.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and "nest" in r.get_json()["message"]
    r = client.post("/sparql", data=MANY_FILTERS.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and "FILTER" in r.get_json()["message"]


def test_without_the_guard_deep_nesting_crashes_the_engine_and_the_pool_recovers(tmp_path):
    a = small_app(tmp_path, max_query_depth=1_000_000, max_query_patterns=1_000_000, query_timeout=30)
    try:
        c = a.test_client()
        r = c.post("/sparql", data=BEYOND_BIG_STACK.encode(), headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 500
        assert "crashed the query engine" in r.get_json()["message"]
        assert a.extensions["ketengraaf.sparql"].pool.restarts == 1
        # the web process lives on and the next query is answered by the replacement worker
        assert c.get("/sparql?query=ASK%7B%7D&format=json").get_json()["boolean"] is True
    finally:
        close(a)


def test_crash_is_reported_by_the_pool(tmp_path):
    app = small_app(tmp_path / "store")         # the embedded store's worker pool (a remote server runs its own)
    try:
        st = app.extensions["ketengraaf.sparql"]
        with app.app_context():
            gen = st.store().generation()
        with pytest.raises(QueryCrashed):
            st.pool.run(Job(gen.path, BEYOND_BIG_STACK, None, None, True, "results", "JSON", 100, 10**6), 30)
    finally:
        close(app)


def test_request_size_limit(client):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 1_000_001
    r = client.post("/sparql", data=big.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413 and "max_request_bytes" in r.get_json()["message"]
    r = client.get("/sparql?query=" + quote(big))
    assert r.status_code == 413
