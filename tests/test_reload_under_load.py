"""Reloads under query load: no request waits for a new generation's indexes (issue 15, item 6).

A real server (``ketengraaf serve``, its own process, loopback) serves a generated catalogue of
about 60,000 triples (``bench/generate.py``, below ``memory_max_triples``, so the web process and
each query worker copy every new generation into memory). While three clients fetch HTML pages,
search results and SPARQL answers without pause, the test writes four new generations with
``loading.load`` (each a real change: another seed's catalogue). Every answer must be a 200 and the
99th percentile of the latencies under 1 s; before the fix, the first requests after a reload
rebuilt the labels, class counts and search index (and each worker its in-memory copy) while they
waited. The server must end on the last generation.
"""
from __future__ import annotations

import http.client
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from ketengraaf.loading import load
from paths import ROOT

TRIPLES = 60_000
RELOADS = 4
P99_LIMIT_MS = 1000.0
ID = "https://w3id.org/ketengraaf/id/"

pytestmark = pytest.mark.alone            # the p99 is of this server alone, not of another test beside it


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, headers: dict | None = None, timeout: float = 60.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _serve(store: Path, port: int) -> subprocess.Popen:
    exe = Path(sys.executable).parent / "ketengraaf"
    env = {**os.environ, "KETENGRAAF_QUERY_WORKERS": "2"}
    proc = subprocess.Popen([str(exe), "serve", "--store", str(store), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if _get(port, "/healthz", timeout=5)[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError("the server did not start within 120 s")


def test_reloads_under_load_never_stall_a_request(tmp_path):
    gen = _generator()
    files = []
    for seed in range(RELOADS + 1):
        out = tmp_path / f"cat-{seed}.ttl"
        gen.generate(TRIPLES, out, seed=seed + 1)
        files.append(out)
    store = tmp_path / "store"
    data = tmp_path / "data.ttl"          # one source path, its content changes with each reload
    data.write_bytes(files[0].read_bytes())
    first, _ = load(store, [data], inference=False)
    assert first.triples >= TRIPLES

    port = _free_port()
    proc = _serve(store, port)
    try:
        iri = json.loads(Path(str(files[0]) + ".manifest.json").read_text())["samples"]["Ketenpartner"]
        page = "/id/" + iri[len(ID):]            # a partner page (a 404 after a reload that drops it is fine)
        sparql = "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }")
        paths = [("page", "/search?q=jeugd", {"Accept": "text/html"}),
                 ("search", "/api/search?q=gemeente", {"Accept": "application/json"}),
                 ("sparql", sparql, {"Accept": "text/csv"}),
                 ("resource", page, {"Accept": "text/html"})]
        for _, path, headers in paths:     # every kind is served before the reloads start (a 404 page is fine)
            assert _get(port, path, headers)[0] in (200, 404), path

        stop = threading.Event()
        latencies: list[tuple[str, float, int | str]] = []
        lock = threading.Lock()

        def client(offset: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine = []
            i = offset
            while not stop.is_set():
                name, path, headers = paths[i % len(paths)]
                i += 1
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    status: int | str = resp.status
                except (OSError, http.client.HTTPException) as exc:
                    status = type(exc).__name__
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                mine.append((name, (time.perf_counter() - t0) * 1000, status))
            conn.close()
            with lock:
                latencies.extend(mine)

        clients = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(3)]
        for t in clients:
            t.start()
        last = first
        try:
            for n in range(1, RELOADS + 1):
                time.sleep(1.0)
                data.write_bytes(files[n].read_bytes())
                last, changed = load(store, [data], inference=False)
                assert changed
            # then wait for the server to switch to the last one (preparing a generation under this load took
            # 27 s here and over 60 s in one CI run: the test is about request latency during switches, not
            # about how long a switch takes)
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                status, body = _get(port, "/healthz")
                if status == 200 and json.loads(body)["generation"] == last.id:
                    break
                time.sleep(0.2)
            time.sleep(1.0)
        finally:
            stop.set()
            for t in clients:
                t.join(90)
        status, body = _get(port, "/healthz")
        assert json.loads(body)["generation"] == last.id, "the server never switched to the last generation"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)

    bad = [(name, status) for name, _, status in latencies if status not in (200, 404)]
    assert not bad, f"{len(bad)} failed requests, e.g. {bad[:5]}"
    ms = sorted(lat for _, lat, _ in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    worst = {name: round(max(lat for k, lat, _ in latencies if k == name)) for name, _, _ in paths}
    print(f"{len(ms)} requests during {RELOADS} reloads of {first.triples:,} triples: p99 {p99:.0f} ms, "
          f"worst per kind {worst}")
    assert len(ms) > 100
    assert p99 < P99_LIMIT_MS, f"p99 {p99:.0f} ms during reloads (worst per kind: {worst})"
