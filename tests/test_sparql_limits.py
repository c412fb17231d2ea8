"""Time limit and result-size limits, over HTTP on loopback."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from w3c_protocol import close, serve_quietly, small_app

VALUES = " ".join(str(i) for i in range(300))
CARTESIAN = ("SELECT (COUNT(*) AS ?n) WHERE { VALUES ?a { %s } VALUES ?b { %s } VALUES ?c { %s } "
             "VALUES ?d { %s } }" % (VALUES, VALUES, VALUES, VALUES))
SIMPLE = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def get(base: str, query: str, timeout: float = 30) -> tuple[int, dict, float]:
    req = urllib.request.Request(base + "/sparql?query=" + quote(query),
                                 headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read()), time.monotonic()
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), time.monotonic()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import waitress
    app = small_app(tmp_path_factory.mktemp("limits"), query_timeout=1.5, query_workers=2, cache_entries=0)
    srv = waitress.create_server(app, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True)
    threading.Thread(target=serve_quietly, args=(srv,), daemon=True).start()
    app.extensions["ketengraaf.sparql"].start()
    yield app, f"http://127.0.0.1:{srv.effective_port}"
    srv.close()
    close(app)


@pytest.mark.alone
def test_slow_query_is_stopped_while_others_are_answered(server):
    app, base = server
    get(base, SIMPLE)                                   # both workers are up
    slow: dict = {}

    def run_slow():
        slow["started"] = time.monotonic()
        slow["status"], slow["body"], slow["ended"] = get(base, CARTESIAN)

    t = threading.Thread(target=run_slow)
    t.start()
    time.sleep(0.3)
    answered = []
    while t.is_alive():
        status, body, at = get(base, SIMPLE)
        assert status == 200 and body["results"]["bindings"][0]["n"]["value"] == "101"
        answered.append(at)
        time.sleep(0.05)
    t.join()
    assert slow["status"] == 503
    assert "1.5 s" in slow["body"]["message"] and "stopped" in slow["body"]["message"]
    assert slow["ended"] - slow["started"] < 6          # really stopped, not run to the end
    assert any(at < slow["ended"] for at in answered)    # served meanwhile
    assert app.extensions["ketengraaf.sparql"].pool.restarts >= 1
    assert get(base, SIMPLE)[0] == 200                  # and the pool is whole again


def test_result_limits(tmp_path):
    a = small_app(tmp_path, max_results=10, max_result_bytes=100_000)
    try:
        c = a.test_client()
        r = c.get("/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o }"), headers={"Accept": "text/csv"})
        assert r.status_code == 413 and "max_results" in r.get_json()["message"]
        r = c.get("/sparql?query=" + quote("CONSTRUCT WHERE { ?s ?p ?o }"))
        assert r.status_code == 413 and "triples" in r.get_json()["message"]
        assert c.get("/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o } LIMIT 10")).status_code == 200
    finally:
        close(a)
    b = small_app(tmp_path / "b", max_result_bytes=2_000)
    try:
        r = b.test_client().get("/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o }"))
        assert r.status_code == 413 and "max_result_bytes" in r.get_json()["message"]
    finally:
        close(b)
