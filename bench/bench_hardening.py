"""Issue 9's attacks, measured against `ketengraaf serve` in its own process: what memory a flood of
different CONSTRUCT-everything queries costs, and what a 404 costs on a large store.

    python bench/bench_hardening.py [--triples 1000000] [--constructs 320] [--skip-404]

1. Memory: the shipped catalogue; the server's resident set (the web process, where the answer cache
   lives; VmRSS) before and after ``--constructs`` different ``CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }``
   queries. The bound it should stay under is printed beside it: the RSS before the flood plus the
   cache's byte bound (setting ``cache_mb``) plus 64 MiB of allocator slack.
2. A 404 at ``--triples`` (bench/generate.py): the first (which builds the suggestion keys once per
   generation), then the median and worst of 24 different misses, and ``/healthz`` while 24 misses
   run at once.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from loadgen import Server, free_port, get  # noqa: E402

BIN = Path(sys.executable).parent
CACHE_MB = 64                 # the default of setting cache_mb
SLACK_MB = 64


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def serve(work: Path, env: dict, name: str) -> Server:
    port = free_port()
    s = Server(name, [str(BIN / "ketengraaf"), "serve", "--host", "127.0.0.1", "--port", str(port)], port, work,
               env=env, cwd=ROOT)
    took = s.wait_ready("/healthz")
    print(f"{name} ready after {took:.1f} s", file=sys.stderr)
    return s


def memory(work: Path, constructs: int) -> None:
    env = {"KETENGRAAF_STORE_DIR": str(work / "store-shipped"), "KETENGRAAF_CATALOGUE": str(ROOT)}
    s = serve(work, env, "ketengraaf-shipped")
    try:
        get("127.0.0.1", s.port, "/sparql?" + urlencode({"query": "ASK {}"}))     # workers up
        before = rss_mb(s.proc.pid)
        sizes = []
        started = time.perf_counter()
        for i in range(constructs):
            q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} # {i}"
            status, _, body = get("127.0.0.1", s.port, "/sparql?" + urlencode({"query": q}),
                                  {"Accept": "application/n-triples"}, timeout=60)
            assert status == 200, status
            sizes.append(len(body))
        after = rss_mb(s.proc.pid)
        bound = before + CACHE_MB + SLACK_MB
        print(f"memory: {constructs} different CONSTRUCT-everything answers of {statistics.median(sizes) / 1e6:.1f} MB "
              f"in {time.perf_counter() - started:.0f} s; web process RSS {before:.0f} -> {after:.0f} MiB; "
              f"bound (before + cache_mb {CACHE_MB} + {SLACK_MB} slack) {bound:.0f} MiB: "
              f"{'within' if after <= bound else 'EXCEEDED'}")
    finally:
        s.stop()


def not_found(work: Path, triples: int) -> None:
    data = work / f"catalogue-{triples}.ttl"
    generate.generate(triples, data, seed=1)
    store = work / "store-big"
    env = {"KETENGRAAF_LOAD_ON_START": "false", "KETENGRAAF_STORE_DIR": str(store)}
    subprocess.run([str(BIN / "ketengraaf"), "load", "--no-validate", "--store", str(store), str(data)], check=True,
                   capture_output=True, env={**os.environ, **env}, cwd=ROOT)
    s = serve(work, env, "ketengraaf-big")
    try:
        get("127.0.0.1", s.port, "/", {"Accept": "text/html"}, timeout=120)        # the snapshot is built
        t = time.perf_counter()
        status, _, _ = get("127.0.0.1", s.port, "/id/keten/bestaat-niet-0", timeout=120)
        first = time.perf_counter() - t
        assert status == 404, status
        times = []
        for i in range(1, 25):
            t = time.perf_counter()
            get("127.0.0.1", s.port, f"/id/keten/bestaat-niet-{i}/vergunning-{i}", timeout=120)
            times.append(time.perf_counter() - t)
        health: list[float] = []
        threads = [threading.Thread(target=get, args=("127.0.0.1", s.port, f"/id/x/mis-{i}"), daemon=True)
                   for i in range(24)]
        for th in threads:
            th.start()
        for _ in range(5):
            t = time.perf_counter()
            get("127.0.0.1", s.port, "/healthz")
            health.append(time.perf_counter() - t)
        for th in threads:
            th.join(120)
        print(f"404 at {triples:,} triples: first {first * 1000:.0f} ms (builds the suggestion keys), then median "
              f"{statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms; /healthz during 24 "
              f"concurrent 404s: worst {max(health) * 1000:.0f} ms")
    finally:
        s.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--constructs", type=int, default=320)
    ap.add_argument("--skip-404", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-bench-hardening-") as tmp:
        work = Path(tmp)
        if not args.skip_memory:
            memory(work, args.constructs)
        if not args.skip_404:
            not_found(work, args.triples)


if __name__ == "__main__":
    main()
