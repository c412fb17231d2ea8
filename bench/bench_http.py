"""HTTP benchmark: ketengraaf against `oxigraph serve` and an rdflib-based endpoint, same data, same load.

    python bench/bench_http.py [--triples 100000] [--requests 400] [--time-cap 10] [--servers ...]

Generates a synthetic catalogue (bench/generate.py), starts on loopback, each on a
free port:
- oxigraph:  ``oxigraph load --location DIR --file F`` + ``oxigraph serve-read-only``
  (the `oxigraph` PyPI package's Rust server; the reference for raw speed);
- ketengraaf: ``ketengraaf load --store DIR F`` + ``ketengraaf serve --store DIR --port P``
  (its own defaults: waitress threads, query worker processes, answer cache);
- rdflib-endpoint: ``rdflib-endpoint serve F`` (FastAPI + uvicorn over rdflib's memory store;
  needs the `uvicorn` package).

All three get the SAME bounded load (bench/loadgen.py: threads with keep-alive
``http.client`` connections, a fixed request count and a time cap per cell) at
concurrency 1 and 4, for three queries, each both "repeat" (the same query every
time: ketengraaf answers these from its cache, reported as cached) and "varied"
(a different IRI / OFFSET / search word per request, which no answer cache helps):
a join with LIMIT 100, a single-resource lookup, a label search. Then ketengraaf's
HTML resource pages (/id/...) against the same lookup on oxigraph, and repeats with
``If-None-Match`` (expected: 304). Prints Markdown tables, the ratios and each
server's peak RSS (VmHWM of the process and its children). Servers are always
stopped at the end.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from loadgen import Server, drive, free_port, get  # noqa: E402

BIN = Path(sys.executable).parent
KETEN = "https://w3id.org/ketengraaf/def#"
ID = "https://w3id.org/ketengraaf/id/"
PREFIXES = ("PREFIX keten: <https://w3id.org/ketengraaf/def#>\n"
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
JSON = {"Accept": "application/sparql-results+json"}
HTML = {"Accept": "text/html"}


def join_query(offset: int) -> str:
    return PREFIXES + f"""SELECT ?keten ?ketenLabel ?partner ?partnerLabel ?rol WHERE {{
  ?d a keten:Deelname ; keten:keten ?keten ; keten:partner ?partner ; keten:rol ?rol .
  ?keten skos:prefLabel ?ketenLabel . FILTER(LANG(?ketenLabel) = "nl")
  ?partner skos:prefLabel ?partnerLabel . FILTER(LANG(?partnerLabel) = "nl")
}} LIMIT 100 OFFSET {offset}"""


def lookup_query(iri: str) -> str:
    return f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"


def search_query(word: str) -> str:
    return PREFIXES + f"""SELECT ?s ?l WHERE {{
  ?s skos:prefLabel ?l . FILTER(CONTAINS(LCASE(?l), "{word}"))
}} LIMIT 20"""


def resources(data: Path, seed: int) -> tuple[list[str], list[str]]:
    """(resource IRIs a person would look up: chains, partners, processes, participations, goals;
    search words: label words' 4-6 letter prefixes and chain numbers "(17)"), both shuffled by seed."""
    import pyoxigraph as ox
    kinds = tuple(ID + k for k in ("keten/", "partner/", "proces/", "deelname/", "doel/"))
    iris, words = set(), set()
    for t in ox.parse(path=str(data)):
        if t.subject.value.startswith(kinds):
            iris.add(t.subject.value)
        if t.predicate.value == "http://www.w3.org/2004/02/skos/core#prefLabel":
            for w in t.object.value.lower().split():
                if w.startswith("(") and w.endswith(")"):      # the number in a chain's label
                    words.add(w)
                w = "".join(c for c in w if c.isalpha())
                words.update(w[:n] for n in range(4, min(len(w), 6) + 1))
    rng = random.Random(seed)
    iris_l, words_l = sorted(iris), sorted(words)
    rng.shuffle(iris_l)
    rng.shuffle(words_l)
    return iris_l, words_l


class Target:
    """One server under test: how to ask it a SPARQL query."""

    def __init__(self, name: str, server: Server, sparql_path: str):
        self.name, self.server, self.sparql_path = name, server, sparql_path

    def q(self, query: str) -> tuple[str, dict]:
        return f"{self.sparql_path}?query={quote(query)}", JSON


def start_servers(names: list[str], data: Path, work: Path) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    try:
        if "oxigraph" in names:
            loc = work / "oxigraph"
            subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(loc), "--file", str(data)],
                           check=True, capture_output=True)
            port = free_port()
            s = Server("oxigraph", [str(BIN / "oxigraph"), "serve-read-only", "--location", str(loc),
                                    "--bind", f"127.0.0.1:{port}"], port, work)
            targets["oxigraph"] = Target("oxigraph", s, "/query")
        if "ketengraaf" in names:
            store = work / "ketengraaf-store"
            env = {"KETENGRAAF_LOAD_ON_START": "false", "KETENGRAAF_STORE_DIR": str(store)}
            subprocess.run([str(BIN / "ketengraaf"), "load", "--store", str(store), str(data)],
                           check=True, capture_output=True, env={**os.environ, **env}, cwd=ROOT)
            port = free_port()
            s = Server("ketengraaf", [str(BIN / "ketengraaf"), "serve", "--store", str(store), "--host",
                                      "127.0.0.1", "--port", str(port)], port, work, env=env, cwd=ROOT)
            targets["ketengraaf"] = Target("ketengraaf", s, "/sparql")
        if "rdflib-endpoint" in names:
            port = free_port()
            s = Server("rdflib-endpoint", [str(BIN / "rdflib-endpoint"), "serve", str(data), "--host",
                                           "127.0.0.1", "--port", str(port)], port, work)
            targets["rdflib-endpoint"] = Target("rdflib-endpoint", s, "/")   # rdflib-endpoint 0.6 serves at /
        for t in targets.values():
            path, headers = t.q("ASK { ?s ?p ?o }")
            took = t.server.wait_ready(path, headers)
            print(f"{t.name} ready on 127.0.0.1:{t.server.port} after {took:.1f} s", file=sys.stderr)
    except BaseException:
        for t in targets.values():
            t.server.stop()
        raise
    return targets


class Varied:
    """Request n of a server's "varied" stream: distinct over the whole run of that server (so no
    answer cache can help), and the same sequence for every server (so the work is the same)."""

    def __init__(self):
        self.counters: dict[tuple, itertools.count] = {}

    def __call__(self, server: str, stream: str) -> int:
        return next(self.counters.setdefault((server, stream), itertools.count()))


def cells(iris: list[str], words: list[str], varied: Varied):
    """(query name, mode, request maker for a target)."""
    def v(t, stream):
        return varied(t.name, stream)
    return [
        ("join LIMIT 100", "repeat", lambda t: lambda i: t.q(join_query(0))),
        ("join LIMIT 100", "varied", lambda t: lambda i: t.q(join_query(v(t, "join")))),
        ("lookup", "repeat", lambda t: lambda i: t.q(lookup_query(iris[0]))),
        ("lookup", "varied", lambda t: lambda i: t.q(lookup_query(iris[1 + v(t, "lookup") % (len(iris) - 1)]))),
        ("label search", "repeat", lambda t: lambda i: t.q(search_query("jeugd"))),
        ("label search", "varied", lambda t: lambda i: t.q(search_query(words[v(t, "search") % len(words)]))),
    ]


def html_path_for(target: Target, iri: str) -> str:
    """The local path of ketengraaf's HTML page for ``iri`` (following one redirect if /id/ answers 303)."""
    path = "/id/" + iri[len(ID):]
    status, headers, _ = get("127.0.0.1", target.server.port, path, HTML)
    if status in (301, 302, 303, 307, 308) and headers.get("location"):
        loc = headers["location"].split("://", 1)[-1]
        loc = loc[loc.index("/"):] if "://" in headers["location"] else headers["location"]
        return loc.replace(iri[len(ID):], "{}")
    return "/id/{}"


def run(args) -> dict:
    args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="kg-bench-http-", dir=args.workdir))
    data = args.workdir / f"catalogue-{args.triples}-s{args.seed}.ttl"
    generate.generate(args.triples, data, seed=args.seed)      # always anew: fast, and never stale
    iris, words = resources(data, args.seed)
    varied = Varied()
    out: dict = {"triples": args.triples, "sparql": [], "html": [], "rss_mb": {}, "notes": []}
    targets = {}
    try:
        targets = start_servers(args.servers, data, work)
        for qname, mode, maker in cells(iris, words, varied):
            for conc in (1, 4):
                row = {"query": qname, "mode": mode, "concurrency": conc}
                for name, t in targets.items():
                    make = maker(t)
                    drive("127.0.0.1", t.server.port, make, requests=min(10, args.requests), concurrency=1,
                          time_cap=args.time_cap)                        # warm-up
                    r = drive("127.0.0.1", t.server.port, make, requests=args.requests, concurrency=conc,
                              time_cap=args.time_cap)
                    row[name] = r.as_dict()
                    print(f"{qname:>14} {mode:>6} c={conc} {name:>16}: {r.rps:8.1f} req/s p50 {r.p50:7.2f} ms "
                          f"p95 {r.p95:7.2f} ms {dict(r.statuses)}", file=sys.stderr, flush=True)
                out["sparql"].append(row)
        if "ketengraaf" in targets:
            out["html"] = html_rows(targets, iris, varied, args)
            out["not_modified"] = not_modified(targets["ketengraaf"], iris, args)
        for name, t in targets.items():
            out["rss_mb"][name] = round(t.server.peak_rss_mb(), 1)
    finally:
        for t in targets.values():
            t.server.stop()
        logs = args.workdir / "logs"
        logs.mkdir(exist_ok=True)
        for log in work.glob("*.log"):
            shutil.copy(log, logs / log.name)
        shutil.rmtree(work, ignore_errors=True)
    return out


def html_rows(targets: dict[str, Target], iris: list[str], varied: Varied, args) -> list[dict]:
    """Pages from the far end of the IRI list, so the SPARQL cells did not touch them."""
    kg = targets["ketengraaf"]
    pattern = html_path_for(kg, iris[-1])
    rows = []
    for conc in (1, 4):
        for mode, pick in (("repeat", lambda i, s: iris[-1]),
                           ("varied", lambda i, s: iris[-2 - varied(s, "page") % (len(iris) - 2)])):
            row = {"mode": mode, "concurrency": conc, "page": pattern}

            def page(i, pick=pick):
                return pattern.replace("{}", quote(pick(i, "ketengraaf")[len(ID):], safe="/")), HTML
            drive("127.0.0.1", kg.server.port, page, requests=10, concurrency=1, time_cap=args.time_cap)
            row["ketengraaf"] = drive("127.0.0.1", kg.server.port, page, requests=args.requests,
                                      concurrency=conc, time_cap=args.time_cap).as_dict()
            if "oxigraph" in targets:
                ox = targets["oxigraph"]

                def fetch(i, pick=pick, ox=ox):
                    return ox.q(lookup_query(pick(i, "oxigraph")))
                row["oxigraph"] = drive("127.0.0.1", ox.server.port, fetch, requests=args.requests,
                                        concurrency=conc, time_cap=args.time_cap).as_dict()
            print(f"HTML {mode} c={conc}: {row['ketengraaf']}", file=sys.stderr, flush=True)
            rows.append(row)
    return rows


def not_modified(kg: Target, iris: list[str], args) -> dict:
    """Repeats with If-None-Match: every one should be a 304."""
    out = {}
    pattern = html_path_for(kg, iris[0])
    for what, (path, headers) in {
        "sparql lookup": kg.q(lookup_query(iris[0])),
        "html page": (pattern.replace("{}", quote(iris[0][len(ID):], safe="/")), HTML),
    }.items():
        status, h, _ = get("127.0.0.1", kg.server.port, path, headers)
        etag = h.get("etag")
        if status != 200 or not etag:
            out[what] = {"error": f"first answer {status}, ETag {etag!r}"}
            continue
        r = drive("127.0.0.1", kg.server.port,
                  lambda i, path=path, headers=headers, etag=etag: (path, {**headers, "If-None-Match": etag}),
                  requests=args.requests, concurrency=1, time_cap=args.time_cap)
        out[what] = {"etag": etag, **r.as_dict()}
    return out


# -- report --------------------------------------------------------------------------------------
def cell(r: dict | None) -> str:
    if not r:
        return "n/a | | "
    if not r["ok"]:
        return f"failed {r['statuses']} | | "
    mark = "*" if r["ok"] < r["requests"] or r["capped"] else ""
    return f"{r['rps']:,.0f}{mark} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f}"


def ratio(a: dict | None, b: dict | None) -> str:
    if not a or not b or not a["ok"] or not b["ok"]:
        return "n/a"
    return f"{a['rps'] / b['rps']:.2f}"


def report(out: dict, servers: list[str]) -> str:
    from importlib.metadata import version
    vers = ", ".join(f"{n} {version(n)}" for n in ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint",
                                                   "waitress", "Flask"))
    lines = [f"Machine: {os.cpu_count()} cores (shared by the client and the server), Python "
             f"{platform.python_version()}, {vers}; {time.strftime('%Y-%m-%d')}; "
             f"{out['triples']:,} triples; loopback; req/s counts 2xx/304 answers only "
             "(* = some requests failed or the time cap cut the cell).", ""]
    head = "| query | mode | c | " + " | ".join(f"{s} req/s | p50 ms | p95 ms" for s in servers)
    head += " | kg/oxigraph | kg/rdflib |"
    lines += [head, "|" + " --- |" * (3 + 3 * len(servers) + 2)]
    for row in out["sparql"]:
        mode = row["mode"] + (" (kg: cached)" if row["mode"] == "repeat" else "")
        lines.append(f"| {row['query']} | {mode} | {row['concurrency']} | "
                     + " | ".join(cell(row.get(s)) for s in servers)
                     + f" | {ratio(row.get('ketengraaf'), row.get('oxigraph'))} "
                       f"| {ratio(row.get('ketengraaf'), row.get('rdflib-endpoint'))} |")
    if out["html"]:
        lines += ["", f"ketengraaf HTML resource page (`{out['html'][0]['page']}`) against the same resource's "
                      "raw lookup on oxigraph:", "",
                  "| mode | c | ketengraaf pages/s | p50 ms | p95 ms | oxigraph lookup req/s | p50 ms | p95 ms |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for row in out["html"]:
            mode = row["mode"] + (" (cached)" if row["mode"] == "repeat" else "")
            lines.append(f"| {mode} | {row['concurrency']} | {cell(row.get('ketengraaf'))} "
                         f"| {cell(row.get('oxigraph'))} |")
    nm = out.get("not_modified") or {}
    if nm:
        lines += ["", "Repeats with `If-None-Match` on ketengraaf:", ""]
        for what, r in nm.items():
            if "error" in r:
                lines.append(f"- {what}: {r['error']}")
            else:
                lines.append(f"- {what}: {r['statuses']} of {r['requests']} requests, "
                             f"{r['rps']:,.0f} req/s, p50 {r['p50_ms']:.2f} ms")
    lines += ["", "Peak RSS (VmHWM, the server process plus its children, summed): "
              + ", ".join(f"{n} {mb:,.0f} MB" for n, mb in out["rss_mb"].items())]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--requests", type=int, default=400, help="requests per cell (server x query x concurrency)")
    ap.add_argument("--time-cap", type=float, default=10.0, help="seconds a cell may take")
    ap.add_argument("--servers", default="oxigraph,ketengraaf,rdflib-endpoint")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ketengraaf-bench")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    args = ap.parse_args(argv)
    args.servers = [s for s in args.servers.split(",") if s]
    unknown = set(args.servers) - {"oxigraph", "ketengraaf", "rdflib-endpoint"}
    if unknown:
        ap.error(f"--servers: unknown {', '.join(sorted(unknown))}")
    if args.requests <= 0 or args.time_cap <= 0:
        ap.error("--requests and --time-cap must be positive")
    missing = [s for s in args.servers if not (BIN / s).exists()]
    if missing:
        ap.error(f"not installed beside {sys.executable}: {', '.join(missing)} "
                 "(pip install -e '.[bench]' installs oxigraph, rdflib-endpoint and uvicorn)")
    # a SIGTERM also runs run()'s finally, which stops the servers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out = run(args)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    print(report(out, args.servers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
