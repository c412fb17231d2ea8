"""Write path on the external store (issue 16): small Graph Store PUTs, remote backend beside the embedded one.

    python bench/bench_remote_writes.py [--triples 100000] [--puts 10]

Loads the same synthetic catalogue into ketengraaf (embedded) and, through ``ketengraaf load`` with the
``KETENGRAAF_SPARQL_*`` settings, into ``oxigraph serve --location DIR`` (RocksDB on disk) behind a second
``ketengraaf serve`` (``store_backend = sparql``); both with ``write_tokens`` set. Then, on each server,
one after the other: a first Graph Store PUT of a one-triple graph (a new graph with an ``skos:altLabel``
on an existing chain), then ``--puts`` more such PUTs, each to a new graph. The first write of a process
prepares the writer's head: on the remote backend ``RemoteHead`` reads the server's whole current
generation into memory (the cost shown in "first PUT"); on the embedded backend ``WriterHead`` copies
the generation on disk. Every PUT is validated (SHACL, incrementally), written with its history and
acknowledged once the server serves the new generation (``write_visible_timeout``), as in production.
Peak RSS (VmHWM of the ketengraaf process and its children) before the first PUT, after it and at the end.

``bench_http.py --writes N`` runs the same measurement on its servers after its read cells (then "before"
includes the read load). Servers are always stopped at the end, by process group.
"""
from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from loadgen import tree_status_mb  # noqa: E402  (bench/ is not a package)


def rss_now_mb(pid: int) -> float | None:
    """Sum of VmRSS (resident now) of ``pid`` and all its descendants, in MB; None if it cannot be read. The
    peak (VmHWM) may already be above what a write adds, after a read load."""
    try:
        return round(tree_status_mb(pid, "VmRSS"))
    except Exception:       # a measurement aid only: never fail the run for it
        return None


SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
GRAPH = "https://w3id.org/ketengraaf/graph/bench-schrijf/"


def put(port: int, token: str, graph: str, body: str) -> tuple[int, float, str]:
    """One Graph Store PUT; (status, milliseconds, Server-Timing header)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1800)
    try:
        started = time.perf_counter()
        conn.request("PUT", f"/graph-store?graph={graph}", body=body.encode(),
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"})
        resp = conn.getresponse()
        text = resp.read()
        took = (time.perf_counter() - started) * 1000
        if resp.status not in (200, 201, 204):
            raise RuntimeError(f"PUT <{graph}> answered {resp.status}: {text[:500]!r}")
        return resp.status, took, resp.getheader("Server-Timing") or ""
    finally:
        conn.close()


def measure(name: str, server, token: str, iris: list[str], puts: int, triples: int, mode: str,
            store_server=None) -> dict:
    """The first PUT and ``puts`` more on one ketengraaf server (a ``loadgen.Server``); ``store_server``: the
    SPARQL server behind it, for its peak RSS."""
    chains = [i for i in iris if "/id/keten/" in i] or iris
    stamp = int(time.time())

    def one(i: int) -> tuple[float, float, float]:
        """(ms in all, ms to commit, ms waiting until the server serves the new generation)"""
        graph = f"{GRAPH}{stamp}-{i}"
        body = f'<{chains[i % len(chains)]}> <{SKOS_ALT}> "schrijfproef {stamp} {i}"@nl .\n'
        status, took, timing = put(server.port, token, graph, body)
        print(f"{name} PUT {i}: {status} {took:.0f} ms {timing}", file=sys.stderr, flush=True)
        parts = dict(p.strip().split(";dur=") for p in timing.split(",") if ";dur=" in p)
        return took, float(parts.get("commit", "nan")), float(parts.get("visible", "nan"))

    pid = getattr(getattr(server, "proc", None), "pid", None)
    now = [rss_now_mb(pid) if pid else None]
    rss_before = server.peak_rss_mb()
    first = one(0)
    rss_first = server.peak_rss_mb()
    now.append(rss_now_mb(pid) if pid else None)
    rest = [one(i) for i in range(1, puts + 1)]
    now.append(rss_now_mb(pid) if pid else None)

    def med(k: int) -> float | None:
        return round(statistics.median(r[k] for r in rest), 1) if rest else None
    row = {"server": name, "storage": mode, "triples": triples, "first_ms": round(first[0], 1),
           "first_commit_ms": round(first[1], 1), "first_visible_ms": round(first[2], 1),
           "median_ms": med(0), "median_commit_ms": med(1), "median_visible_ms": med(2),
           "max_ms": round(max(r[0] for r in rest), 1) if rest else None, "puts": len(rest),
           "rss_before_mb": round(rss_before), "rss_first_mb": round(rss_first),
           "rss_end_mb": round(server.peak_rss_mb()), "rss_now_mb": now}
    if store_server is not None:
        row["store_rss_mb"] = round(store_server.peak_rss_mb())
    return row


def table(rows: list[dict]) -> str:
    """Markdown; commit / visible: the answer's Server-Timing (the write itself; the wait until this server
    serves the new generation, which the remote backend does not do)."""
    lines = ["| triples | server (storage mode) | first PUT ms (commit + visible) | next PUTs: median ms "
             "(commit + visible) | max ms | n | peak RSS MB: before, after first, end | RSS now MB: before, after "
             "first, end | store server peak RSS MB |",
             "| ---: | --- | ---: | ---: | ---: | ---: | --- | --- | ---: |"]

    def ms(v) -> str:
        return "?" if v is None or v != v else f"{v:,.0f}"
    for r in rows:
        store = f"{r['store_rss_mb']:,}" if "store_rss_mb" in r else "(in process)"
        lines.append(f"| {r['triples']:,} | {r['server']} ({r['storage']}) | {ms(r['first_ms'])} "
                     f"({ms(r.get('first_commit_ms'))} + {ms(r.get('first_visible_ms'))}) | {ms(r['median_ms'])} "
                     f"({ms(r.get('median_commit_ms'))} + {ms(r.get('median_visible_ms'))}) | {ms(r['max_ms'])} | "
                     f"{r['puts']} | {r['rss_before_mb']:,}, {r['rss_first_mb']:,}, {r['rss_end_mb']:,} | "
                     + ", ".join("?" if v is None else f"{v:,}" for v in r.get("rss_now_mb") or [None] * 3)
                     + f" | {store} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    import shutil
    import signal

    import generate
    from bench_http import WRITE_TOKEN, resources, start_servers, storage
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--puts", type=int, default=10, help="PUTs after the first, per server")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ketengraaf-bench")
    ap.add_argument("--json", type=Path, help="also write the rows here")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="kg-bench-writes-", dir=args.workdir))
    data = args.workdir / f"catalogue-{args.triples}-s{args.seed}.ttl"
    generate.generate(args.triples, data, seed=args.seed)
    iris, _ = resources(data, args.seed)
    timings: dict = {}
    targets = {}
    try:
        targets = start_servers(["ketengraaf", "ketengraaf-remote"], data, work, timings, writes=True)
        rows = [measure(name, targets[name].server, WRITE_TOKEN, iris, args.puts, args.triples,
                        storage(name, args.triples),
                        targets["oxigraph-wrapped"].server if name == "ketengraaf-remote" else None)
                for name in ("ketengraaf", "ketengraaf-remote")]
    finally:
        for t in targets.values():
            t.server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("Seconds: " + ", ".join(f"{k} {v}" for k, v in timings.items()) + ".\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps({"timings_s": timings, "writes": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
