"""The request floor: a WSGI server with an app that does nothing, beside `oxigraph serve`'s lookup.

    python bench/bench_floor.py [--triples 10000] [--requests 1500] [--rounds 3]

Issue 15 asks for single-resource lookups at 0.8x of `oxigraph serve` in memory. This measures how
much of that budget the WSGI server alone takes: an app that answers ``304`` at once, with nothing
else, under waitress (what ``ketengraaf serve`` runs) and under granian (a WSGI server in Rust, if
its command is installed: ``pip install granian``), each in its own process, against ``oxigraph
serve`` (in memory) answering a real lookup in a generated catalogue. Same load generator
(bench/loadgen.py), same request line (the lookup's query string and ``Accept`` header), rounds
interleaved; the table gives the median of the rounds and each server's req/s over oxigraph's.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def app(environ, start_response):
    """The app that does nothing: what any answer costs at least (a 304 with its ETag)."""
    start_response("304 Not Modified", [("ETag", '"floor"')])
    return [b""]


def _serve_waitress(port: int) -> None:
    import waitress
    waitress.serve(app, host="127.0.0.1", port=port, threads=8, _quiet=True)


def _wait(port: int, timeout: float = 20.0) -> None:
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=10_000, help="size of the catalogue oxigraph serves")
    ap.add_argument("--requests", type=int, default=1500, help="requests per cell")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--serve-waitress", type=int, help=argparse.SUPPRESS)     # the child process
    args = ap.parse_args(argv)
    if args.serve_waitress:
        _serve_waitress(args.serve_waitress)
        return 0

    import bench_http
    import generate
    from loadgen import drive, free_port

    work = Path(tempfile.mkdtemp(prefix="kg-bench-floor-"))
    procs: list[subprocess.Popen] = []
    targets: dict = {}
    ox = None
    logs: list = []
    try:
        data = work / f"catalogue-{args.triples}-s{args.seed}.ttl"
        generate.generate(args.triples, data, seed=args.seed)
        iris, _ = bench_http.resources(data, args.seed)
        ox = bench_http.start_servers(["oxigraph-mem"], data, work)["oxigraph-mem"]
        targets["oxigraph serve (memory), a whole lookup"] = (ox.server.port, lambda i: ox.q(
            bench_http.lookup_query(iris[i % len(iris)])))
        path, headers = ox.q(bench_http.lookup_query(iris[0]))
        request = {**headers, "If-None-Match": '"floor"'}
        port = free_port()
        procs.append(subprocess.Popen([sys.executable, str(Path(__file__)), "--serve-waitress", str(port)],
                                      start_new_session=True))
        targets["waitress 8 threads, app that does nothing"] = (port, lambda i: (path, request))
        granian = shutil.which("granian", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                                  os.environ.get("PATH", "")]))
        if granian:
            port = free_port()
            log = open(work / "granian.log", "wb")        # closed after the process, below
            logs.append(log)
            procs.append(subprocess.Popen([granian, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                                           "--workers", "1", "--no-ws", "--log-level", "warning", "bench_floor:app"],
                                          cwd=HERE, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            targets["granian 1 worker, app that does nothing"] = (port, lambda i: (path, request))
        for name, (port, _) in targets.items():
            try:
                _wait(port)
            except RuntimeError as exc:
                said = (work / "granian.log").read_text(errors="replace")[-2000:] if "granian" in name else ""
                raise RuntimeError(f"{name}: {exc}\n{said}") from None
        results: dict[tuple[str, int], list[tuple[float, float]]] = {}
        for rnd in range(args.rounds):
            for name, (port, make) in targets.items():
                for conc in (1, 4):
                    r = drive("127.0.0.1", port, make, requests=args.requests, concurrency=conc, time_cap=10)
                    if r.ok < r.requests:
                        raise RuntimeError(f"{name}: {dict(r.statuses)}")
                    results.setdefault((name, conc), []).append((r.rps, r.p50))
                    print(f"round {rnd + 1} {name} c={conc}: {r.rps:,.0f} req/s p50 {r.p50:.2f} ms",
                          file=sys.stderr, flush=True)
    finally:
        for p in procs:          # each in its own session: its group holds granian's worker process too
            try:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if ox is not None:
            ox.server.stop()
        for log in logs:
            log.close()
        shutil.rmtree(work, ignore_errors=True)

    base = next(iter(targets))
    print(f"Requests per cell {args.requests}, {args.rounds} rounds (medians); request line of a SPARQL lookup; "
          f"oxigraph serve in memory on {args.triples:,} generated triples. The load generator shares the cores: "
          "at c=4 the fastest servers are bounded by the client, which narrows the ratios.\n")
    print("| server | c | req/s | p50 ms | ÷ oxigraph lookup |")
    print("| --- | --- | ---: | ---: | ---: |")
    for conc in (1, 4):
        ox_rps = statistics.median(r for r, _ in results[(base, conc)])
        for name in targets:
            rps = statistics.median(r for r, _ in results[(name, conc)])
            p50 = statistics.median(p for _, p in results[(name, conc)])
            print(f"| {name} | {conc} | {rps:,.0f} | {p50:.2f} | {rps / ox_rps:.2f} |")
    if len(targets) < 3:
        print("\ngranian is not installed (pip install granian): its row is left out.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
