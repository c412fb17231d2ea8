"""Write benchmark: a one-resource edit over HTTP, validated and committed, against `oxigraph serve`.

The same synthetic catalogue (``generate.py``, no injected defects) is loaded into ketengraaf and into
``oxigraph serve`` (the `oxigraph` PyPI package's server) in both storage modes: on disk
(``--location``, after ``oxigraph load``) and in memory (no ``--location``, loaded by ``POST /store``).
One client sends the same edits, one after the other, to each server: a SPARQL Update that replaces one
chain's Dutch label (``DELETE DATA`` + ``INSERT DATA`` in the chain's graph), a different chain per
edit, the same chains in the same order for every server. ketengraaf checks the token, validates the
change with SHACL (incrementally: only the focus nodes it can affect), writes the history and
publishes a new generation before it answers; `oxigraph serve` applies the update and answers. The
ratio column is ketengraaf's median latency divided by the peer's (lower is better for ketengraaf).
ketengraaf's answer waits until the server serves the new generation (setting write_visible_timeout);
its ``Server-Timing`` header gives the commit alone, shown in its own row.

Run: ``python bench/bench_writes.py --sizes 100000,1000000 --edits 30``. Needs ``pip install -e '.[bench]'``.
The ketengraaf store is loaded without validation (``--no-validate``: a full validation at 1M takes
minutes and is measured by ``bench_validate.py``); the generated data conforms to the shapes.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from loadgen import Server, free_port, percentile  # noqa: E402

BIN = Path(sys.executable).parent
TOKEN = "bench-writes-token-0123456789"
SKOS = "http://www.w3.org/2004/02/skos/core#"
GRAPH_OF_DATA = "https://w3id.org/ketengraaf/graph/"


def chains_with_labels(data: Path, graph: str, count: int) -> list[tuple[str, str]]:
    """(chain IRI, its Dutch label) for ``count`` chains, in file order."""
    import pyoxigraph as ox
    out = []
    for t in ox.parse(path=str(data)):
        if (t.predicate.value == SKOS + "prefLabel" and "/id/keten/" in t.subject.value
                and isinstance(t.object, ox.Literal) and t.object.language == "nl"):
            out.append((t.subject.value, t.object.value))
            if len(out) == count:
                break
    return out


def edit(graph: str, chain: str, old: str, new: str) -> str:
    def lit(text: str) -> str:
        return json.dumps(text) + "@nl"
    return (f"DELETE DATA {{ GRAPH <{graph}> {{ <{chain}> <{SKOS}prefLabel> {lit(old)} }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{graph}> {{ <{chain}> <{SKOS}prefLabel> {lit(new)} }} }}")


COMMITS: list[float] = []       # ketengraaf's own commit times (Server-Timing), per edit


def post(port: int, path: str, body: bytes, headers: dict) -> tuple[int, float]:
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    resp = conn.getresponse()
    resp.read()
    took = (time.perf_counter() - started) * 1000
    timing = resp.getheader("Server-Timing") or ""
    if timing.startswith("commit;dur="):
        COMMITS.append(float(timing.split(",")[0].split("=")[1]))
    conn.close()
    return resp.status, took


def run_edits(port: int, path: str, graph: str, chains: list[tuple[str, str]], headers: dict, rnd: int) -> list[float]:
    times = []
    for chain, label in chains:
        old, new = (label, f"{label} (bewerkt {rnd})") if rnd % 2 == 0 else (f"{label} (bewerkt {rnd - 1})", label)
        status, took = post(port, path, edit(graph, chain, old, new).encode(),
                            {**headers, "Content-Type": "application/sparql-update"})
        if status not in (200, 204):
            raise RuntimeError(f"{path} answered {status} to an edit")
        times.append(took)
    return times


def measure(size: int, edits: int, rounds: int, work: Path) -> list[dict]:
    data = work / f"catalogus-{size}.nt"
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--triples", str(size), "--out", str(data),
                    "--defect-rate", "0", "--warning-rate", "0"], check=True, capture_output=True)
    graph = GRAPH_OF_DATA + "bench"
    chains = chains_with_labels(data, graph, edits)
    servers: dict[str, tuple[Server, str, dict]] = {}
    try:
        store = work / f"kg-{size}"
        env = {"KETENGRAAF_LOAD_ON_START": "false", "KETENGRAAF_STORE_DIR": str(store),
               "KETENGRAAF_WRITE_TOKENS": f"bench:{TOKEN}:*", "KETENGRAAF_QUERY_WORKERS": "1"}
        nq = work / f"catalogus-{size}.nq"         # one named graph, as the peers hold it
        with data.open() as src, nq.open("w") as dst:
            for line in src:
                dst.write(line.rstrip().removesuffix(".").rstrip() + f" <{graph}> .\n")
        started = time.perf_counter()
        subprocess.run([str(BIN / "ketengraaf"), "load", "--no-validate", "--store", str(store), str(data)],
                       check=True, capture_output=True, env={**os.environ, **env}, cwd=ROOT)
        print(f"ketengraaf loaded {size:,} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        port = free_port()
        s = Server("ketengraaf", [str(BIN / "ketengraaf"), "serve", "--store", str(store), "--port", str(port)],
                   port, work, env=env, cwd=ROOT)
        s.wait_ready("/healthz")
        # the loaded file's graph: ask the store which one it is
        from ketengraaf.store.oxigraph import current_generation
        kg_graph = next(g.graph for g in current_generation(store).files if g.path.endswith(data.name))
        servers["ketengraaf"] = (s, "/sparql", {"Authorization": f"Bearer {TOKEN}"})
        loc = work / f"ox-{size}"
        subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(loc), "--file", str(nq)], check=True,
                       capture_output=True)
        port = free_port()
        s = Server("oxigraph-disk", [str(BIN / "oxigraph"), "serve", "--location", str(loc), "--bind",
                                     f"127.0.0.1:{port}"], port, work)
        s.wait_ready("/query?query=" + urllib.parse.quote("ASK {}"))
        servers["oxigraph serve, on disk"] = (s, "/update", {})
        port = free_port()
        s = Server("oxigraph-memory", [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}"], port, work)
        s.wait_ready("/query?query=" + urllib.parse.quote("ASK {}"))
        status, _ = post(port, "/store", nq.read_bytes(), {"Content-Type": "application/n-quads"})
        assert status in (200, 201, 204), status
        servers["oxigraph serve, in memory"] = (s, "/update", {})
        results: dict[str, list[float]] = {name: [] for name in servers}
        for rnd in range(rounds):            # rounds interleaved: each server sees the same load
            for name, (server, path, headers) in servers.items():
                target = kg_graph if name == "ketengraaf" else graph
                results[name] += run_edits(server.port, path, target, [(c, lab) for c, lab in chains], headers, rnd)
        rows = []
        kg = statistics.median(results["ketengraaf"])
        commits = sorted(COMMITS)
        rows.append({"triples": size, "server": "ketengraaf: commit only (change, SHACL, checkpoint; Server-Timing)",
                     "edits": len(commits), "median_ms": round(statistics.median(commits), 1),
                     "p95_ms": round(percentile(commits, 0.95), 1), "ketengraaf_ratio": round(kg / statistics.median(
                         commits), 2)})
        COMMITS.clear()
        for name, times in results.items():
            med = statistics.median(times)
            rows.append({"triples": size, "server": name, "edits": len(times), "median_ms": round(med, 1),
                         "p95_ms": round(percentile(sorted(times), 0.95), 1),
                         "ketengraaf_ratio": round(kg / med, 2)})
        return rows
    finally:
        for server, _, _ in servers.values():
            server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000", help="catalogue sizes, comma separated")
    ap.add_argument("--edits", type=int, default=20, help="edits per round per server")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds")
    ap.add_argument("--json", help="also write the rows as JSON to this file")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            rows += measure(size, args.edits, args.rounds, Path(tmp))
    print("| triples | server (storage mode) | edits | median ms | p95 ms | ketengraaf median ÷ this |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['triples']:,} | {r['server']} | {r['edits']} | {r['median_ms']} | {r['p95_ms']} | "
              f"{r['ketengraaf_ratio']} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
