"""Remote-store benchmark (issue 16): user queries through ketengraaf's endpoint contract, embedded vs remote.

The same synthetic catalogue (``generate.py``) is loaded into the embedded store (``ketengraaf.loading.load``)
and into ``oxigraph serve --location`` (``ketengraaf.sparql.remote_load.load_remote``). Three HTTP targets
on loopback then answer the same SPARQL mixes, driven by ``loadgen.drive``:

- ``embedded``: a small HTTP front (stdlib ``ThreadingHTTPServer``) calling ``SparqlState.run`` (the worker
  pool the endpoint uses, ``query_workers`` 2);
- ``remote (proxy)``: the same front calling ``RemoteQueries.run`` (ketengraaf's proxy to the server);
- ``oxigraph serve (direct)``: the server itself, no ketengraaf: the floor the proxy adds to.

The front has no guards, no answer cache and no Flask, the same for both ketengraaf modes, so the rows
compare the storage modes, not the web layer (``bench_http.py`` measures that). Every row names its mode.

Run: ``python bench/bench_remote.py --triples 100000``. Needs ``pip install -e '.[bench]'``.
"""
from __future__ import annotations

import argparse
import http.server
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

from bench_http import join_query, lookup_query, resources, search_query  # noqa: E402
from loadgen import drive, free_port  # noqa: E402
from oxigraph_server import OxigraphServer  # noqa: E402

JSON = {"Accept": "application/sparql-results+json"}
COUNT_PER_CLASS = "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"


class Front:
    """GET /sparql?query=... -> run(gen, query, default dataset, "results", JSON) -> 200 or the error's status."""

    def __init__(self, runner, store):
        from ketengraaf.errors import KetengraafError
        from ketengraaf.sparql.formats import BY_NAME
        fmt = BY_NAME["json"]

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()         # headers and body are two writes: without this, Nagle adds 40 ms
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("query", [""])[0]
                try:
                    gen = store.generation()
                    body, status = runner.run(gen, query, (None, None, True), "results", fmt), 200
                except KetengraafError as exc:
                    body, status = str(exc).encode(), exc.status
                self.send_response(status)
                self.send_header("Content-Type", fmt.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def mixes(iris: list[str], words: list[str]) -> dict:
    return {
        "lookup (one resource)": lambda i: lookup_query(iris[i % len(iris)]),
        "join LIMIT 100": lambda i: join_query((i * 100) % 2000),
        "label search": lambda i: search_query(words[i % len(words)]),
        "count per class": lambda i: COUNT_PER_CLASS,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--concurrency", default="1,4")
    ap.add_argument("--time-cap", type=float, default=20.0)
    args = ap.parse_args(argv)

    from ketengraaf.loading import load
    from ketengraaf.settings import Settings
    from ketengraaf.sparql.cache import AnswerCache
    from ketengraaf.sparql.pool_state import SparqlState
    from ketengraaf.sparql.remote import RemoteQueries
    from ketengraaf.sparql.remote_load import load_remote
    from ketengraaf.store.oxigraph import OxigraphStore
    from ketengraaf.store.sparql import Endpoint, SparqlStore

    work = Path(tempfile.mkdtemp(prefix="bench-remote-"))
    data = work / f"catalogus-{args.triples}.nt"
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--triples", str(args.triples), "--out", str(data),
                    "--defect-rate", "0", "--warning-rate", "0"], check=True, capture_output=True)
    iris, words = resources(data, 1)
    settings = Settings.from_env({"store_dir": str(work / "embedded"), "query_workers": 2, "threads": 8,
                                  "query_threads": 6, "query_timeout": 30.0, "sparql_timeout": 30.0}, environ={})
    t = time.perf_counter()
    load(settings.store_dir, [data])
    embedded_load = time.perf_counter() - t
    server = OxigraphServer(work / "oxigraph").start()
    fronts: list[Front] = []
    state = None
    try:
        remote = SparqlStore(Endpoint(server.query_url, server.update_url, server.gsp_url, timeout=600))
        t = time.perf_counter()
        gen, _ = load_remote(remote, [data])
        remote_load = time.perf_counter() - t
        print(f"loaded {gen.triples:,} triples (with inferences): embedded {embedded_load:.1f} s, "
              f"remote (oxigraph serve, Graph Store Protocol + one swap) {remote_load:.1f} s (sending "
              f"{gen.extra['send_seconds']} s, swap {gen.extra['swap_seconds']} s, dropping the staging graphs "
              f"{gen.extra['cleanup_seconds']} s)", file=sys.stderr)
        remote = SparqlStore(Endpoint(server.query_url, server.update_url, server.gsp_url, timeout=30))
        embedded = OxigraphStore(settings.store_dir)
        state = SparqlState(settings, AnswerCache(0), embedded).start()
        targets = {
            "embedded (worker pool)": Front(state, embedded),
            "remote (ketengraaf proxy)": Front(RemoteQueries(settings, remote), remote),
        }
        fronts = list(targets.values())
        rows = []
        for mix, make_query in mixes(iris, words).items():
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                for mode, port, path in [(m, f.port, "/sparql") for m, f in targets.items()] + [
                        ("oxigraph serve (direct)", server.port, "/query")]:
                    def make(i: int, path=path, make_query=make_query) -> tuple[str, dict]:
                        return path + "?" + urllib.parse.urlencode({"query": make_query(i)}), JSON
                    drive("127.0.0.1", port, make, requests=20, concurrency=concurrency, time_cap=10)   # warm
                    r = drive("127.0.0.1", port, make, requests=args.requests, concurrency=concurrency,
                              time_cap=args.time_cap)
                    rows.append((mix, mode, concurrency, r))
                    print(f"  {mix} / {mode} / c{concurrency}: {r.rps:.0f} req/s", file=sys.stderr)
        print(f"\n{args.triples:,} triples (generated), loopback, {args.requests} requests per row\n")
        print("| mix | storage mode | concurrency | req/s | p50 ms | p95 ms | ok |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for mix, mode, concurrency, r in rows:
            print(f"| {mix} | {mode} | {concurrency} | {r.rps:,.0f} | {r.p50:.1f} | {r.p95:.1f} | "
                  f"{r.ok}/{r.requests} |")
    finally:
        for f in fronts:
            f.close()
        if state is not None:
            state.close()
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
