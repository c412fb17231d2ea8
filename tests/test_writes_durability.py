"""Durability and isolation of writes: the server is killed (SIGKILL) in the middle of a stream of writes.

Each write adds three triples about one subject (``<urn:w:N>``), so a partial write would show as a
subject with one or two of them. A real ``ketengraaf serve`` runs in its own process on loopback; a
writer thread sends writes one after the other and records those acknowledged (2xx); a reader thread
reads the graph meanwhile. Three times: kill the server at a random moment, start it again, and check
that every acknowledged write is there, that no write is there in part (also in what the reader saw
while writing went on), and that the store takes new writes after the restart.
"""
from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

TOKEN = "durability-token-0123456789"
GRAPH = "urn:kg:durability"
PREDICATES = ("urn:p:a", "urn:p:b", "urn:p:c")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(store: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "KETENGRAAF_WRITE_TOKENS": f"stream:{TOKEN}:*", "KETENGRAAF_QUERY_WORKERS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ketengraaf.cli", "serve", "--store", str(store), "--port",
                             str(port), "--threads", "4"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, "GET", "/healthz")
            if status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("the server did not start: " + proc.stderr.read().decode()[-2000:])


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def write(port: int, n: int) -> int:
    body = "".join(f'<urn:w:{n}> <{p}> "{n}" .\n' for p in PREDICATES).encode()
    status, _ = request(port, "POST", f"/graph-store?graph={GRAPH}", body,
                        {"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"})
    return status


def subjects(port: int) -> Counter:
    """How many of its three triples each written subject has in the graph now."""
    status, body = request(port, "GET", f"/graph-store?graph={GRAPH}", headers={"Accept": "application/n-triples"})
    if status == 404:
        return Counter()
    assert status == 200, body[:300]
    return Counter(t.subject.value for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))


def test_acknowledged_writes_survive_sigkill_and_none_is_partial(tmp_path):
    from ketengraaf.store.oxigraph import write_generation
    store = tmp_path / "store"
    write_generation(store, "empty", [])
    rng = random.Random(20261130)
    acked: set[int] = set()
    seen_partial: list[str] = []
    next_n = 0
    for cycle in range(3):
        port = free_port()
        server = start(store, port)
        stop = threading.Event()

        def writer(port: int = port, stop: threading.Event = stop) -> None:
            nonlocal next_n
            while not stop.is_set():
                n = next_n
                next_n += 1
                try:
                    if write(port, n) in (200, 201, 204):
                        acked.add(n)
                except OSError:
                    return                      # the server is gone

        def reader(port: int = port, stop: threading.Event = stop) -> None:
            while not stop.is_set():
                try:
                    counts = subjects(port)
                except (OSError, http.client.HTTPException):
                    return
                seen_partial.extend(s for s, c in counts.items() if c != 3)

        threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(1.5, 4.0))
        before_kill = len(acked)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert before_kill > 0, f"cycle {cycle}: no write was acknowledged before the kill"
        # start again: every acknowledged write is there, none in part
        port = free_port()
        server = start(store, port)
        try:
            counts = subjects(port)
            missing = sorted(n for n in acked if counts.get(f"urn:w:{n}") != 3)
            assert not missing, f"cycle {cycle}: acknowledged writes lost or partial: {missing[:10]}"
            partial = {s: c for s, c in counts.items() if c != 3}
            assert not partial, f"cycle {cycle}: partial writes after the restart: {partial}"
            assert write(port, 10_000 + cycle) == 204           # the store takes writes again
            assert subjects(port)[f"urn:w:{10_000 + cycle}"] == 3
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    print(f"acknowledged {len(acked)} writes of {next_n} sent over 3 kills")
    assert not seen_partial, f"a reader saw part of a write: {seen_partial[:5]}"
    assert len(acked) >= 3
    assert not list((store / "generations").glob("*.tmp"))
