"""HTTP benchmark: ketengraaf against `oxigraph serve` and an rdflib-based endpoint, same data, same load.

    python bench/bench_http.py [--triples 100000] [--requests 400] [--time-cap 10] [--servers ...]

Generates a synthetic catalogue (bench/generate.py), starts on loopback, each on a
free port, and names each server's storage mode in every row. Every server holds the same triples:
ketengraaf loads the file first, and the peers load its default graph as N-Triples (the file, the
shipped ontology, shapes and data, and the RDFS inferences: at 100k, 188,015 triples where the file
alone has 100,077); ``--peer-data file`` gives the peers the generated file alone, as before.
- oxigraph-mem: ``oxigraph serve`` without ``--location`` (in memory), the data PUT into its
  default graph through the graph store protocol (the `oxigraph` PyPI package's Rust server);
- oxigraph-disk: ``oxigraph load --location DIR --file F`` + ``oxigraph optimize`` +
  ``oxigraph serve-read-only`` (RocksDB on disk);
- ketengraaf: ``ketengraaf load --no-validate --store DIR F`` + ``ketengraaf serve --store DIR --port P``
  (its own defaults: waitress threads, query worker processes, answer cache; the generation is
  queried in memory up to the setting ``memory_max_triples``, default 500,000, else on disk);
- ketengraaf-remote: ketengraaf on an external store (``store_backend = sparql``): ``oxigraph serve
  --location DIR`` (RocksDB on disk, read-write) on a free port, ``ketengraaf load --no-validate F`` into
  it (timed) and ``ketengraaf serve`` with the same ``KETENGRAAF_SPARQL_*`` settings. The same
  ``oxigraph serve`` is also queried directly, as oxigraph-wrapped (the server ketengraaf-remote wraps;
  the loader copies the union of the named graphs into its default graph, so the same queries give the
  same answers there);
- rdflib-endpoint: ``rdflib-endpoint serve F`` (FastAPI + uvicorn over rdflib's memory store;
  needs the `uvicorn` package).

All get the SAME bounded load (bench/loadgen.py: threads with keep-alive ``http.client``
connections, a fixed request count and a time cap per cell) at concurrency 1 and 4, for three
queries, each both "repeat" (the same query every time: ketengraaf answers these from its
cache, reported as cached) and "varied" (the same work every request, but a query text no
answer cache has seen). Varied keeps the work per request equal in every cell and for every
server: the join is always ``LIMIT 100`` from the start, varied by a ``FILTER`` constant that
excludes nothing; the lookup and the search take the IRI / word of request i from the same list
in every cell (the counters restart per cell) and carry the cell's number in a comment, so a
later cell does not hit the answers an earlier one cached. Then ketengraaf's HTML resource pages
(/id/...) against the same lookup on the oxigraph servers, and repeats with ``If-None-Match``
(expected: 304) beside the full lookup. Prints Markdown tables, ketengraaf's ratio to each peer
(÷ columns) and each server's peak RSS (VmHWM of the process and its children). Servers are
always stopped at the end (each by its process group). ketengraaf-remote's rows carry two more ratios:
÷ ketengraaf (embedded) and ÷ oxigraph-wrapped. ``--writes N`` also times Graph Store PUTs on both
ketengraaf servers after the read cells (``bench_remote_writes.py``).
"""
from __future__ import annotations

import argparse
import http.client
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


SERVERS = ("oxigraph-mem", "oxigraph-disk", "ketengraaf", "ketengraaf-remote", "oxigraph-wrapped", "rdflib-endpoint")
PEERS = ("oxigraph-mem", "oxigraph-disk", "rdflib-endpoint")
SHORT = {"oxigraph-mem": "ox mem", "oxigraph-disk": "ox disk", "rdflib-endpoint": "rdflib",
         "oxigraph-wrapped": "ox wrapped", "ketengraaf": "kg"}
KETENS = ("ketengraaf", "ketengraaf-remote")     # the servers with pages
REMOTE_PEERS = ("ketengraaf", "oxigraph-wrapped")   # what ketengraaf-remote is divided by
WRITE_TOKEN = "bench-http-writer-0123456789"
MEMORY_MAX_TRIPLES = 500_000            # ketengraaf's default setting memory_max_triples


def join_query(variant: int | None = None) -> str:
    """The join, always the first 100 rows; ``variant``: a FILTER constant that excludes no row, so the
    text differs (no answer cache helps) and the work does not."""
    extra = "" if variant is None else f"\n  FILTER(?rol != <https://example.org/bench/geen-rol/{variant}>)"
    return PREFIXES + f"""SELECT ?keten ?ketenLabel ?partner ?partnerLabel ?rol WHERE {{
  ?d a keten:Deelname ; keten:keten ?keten ; keten:partner ?partner ; keten:rol ?rol .{extra}
  ?keten skos:prefLabel ?ketenLabel . FILTER(LANG(?ketenLabel) = "nl")
  ?partner skos:prefLabel ?partnerLabel . FILTER(LANG(?partnerLabel) = "nl")
}} LIMIT 100"""


def _tag(cell: int | None) -> str:
    return "" if cell is None else f"# cell {cell}\n"


def lookup_query(iri: str, cell: int | None = None) -> str:
    return _tag(cell) + f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"


def search_query(word: str, cell: int | None = None) -> str:
    return _tag(cell) + PREFIXES + f"""SELECT ?s ?l WHERE {{
  ?s skos:prefLabel ?l . FILTER(CONTAINS(LCASE(?l), "{word}"))
}} LIMIT 20"""


def storage(name: str, triples: int) -> str:
    """Where a server keeps the data it queries."""
    if name == "ketengraaf":
        return "memory" if triples <= MEMORY_MAX_TRIPLES else "disk"
    if name == "ketengraaf-remote":
        return "oxigraph serve, disk"
    if name == "oxigraph-wrapped":
        return "disk, read-write"
    return "disk" if name == "oxigraph-disk" else "memory"


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


def default_graph_file(store: Path, out: Path) -> Path:
    """ketengraaf's served default graph as N-Triples: the union of its sources (the generated file and the
    shipped ontology, shapes and data) with the RDFS inferences. The peers load this, not the generated
    file alone, so that every server holds the same triples and a lookup answers the same rows (at 100k
    the generated file has 100,077 triples and ketengraaf's default graph 188,015: over 200 lookups, 1,511
    rows against 2,435)."""
    import pyoxigraph as ox

    from ketengraaf.store.oxigraph import current_generation, open_generation
    gen = current_generation(store)
    if gen is None:
        raise RuntimeError(f"no generation in {store} after ketengraaf load")
    disk = open_generation(gen.path)
    disk.dump(str(out), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    del disk
    return out


def start_servers(names: list[str], data: Path, work: Path, timings: dict | None = None,
                  writes: bool = False, peer_data: str = "same") -> dict[str, Target]:
    """Start the named servers; ``timings`` gets each ketengraaf's load time in seconds; ``writes``: set
    write_tokens on the ketengraaf servers (``WRITE_TOKEN`` may write every graph). ``peer_data``: "same"
    (the oxigraph servers and rdflib-endpoint load ketengraaf's default graph, :func:`default_graph_file`,
    when ketengraaf is among ``names``) or "file" (they load the generated file alone)."""
    targets: dict[str, Target] = {}
    timings = {} if timings is None else timings
    extra = {"KETENGRAAF_WRITE_TOKENS": f"bench:{WRITE_TOKEN}:*"} if writes else {}
    peers_from = data
    try:
        if "ketengraaf" in names:           # first: the peers may load what it serves
            store = work / "ketengraaf-store"
            env = {"KETENGRAAF_LOAD_ON_START": "false", "KETENGRAAF_STORE_DIR": str(store), **extra}
            started = time.perf_counter()
            subprocess.run([str(BIN / "ketengraaf"), "load", "--no-validate", "--store", str(store), str(data)],
                           check=True, capture_output=True, env={**os.environ, **env}, cwd=ROOT)
            timings["ketengraaf"] = round(time.perf_counter() - started, 1)
            print(f"ketengraaf load: {timings['ketengraaf']} s", file=sys.stderr, flush=True)
            if peer_data == "same":
                peers_from = default_graph_file(store, work / "ketengraaf-default-graph.nt")
            port = free_port()
            s = Server("ketengraaf", [str(BIN / "ketengraaf"), "serve", "--store", str(store), "--host",
                                      "127.0.0.1", "--port", str(port)], port, work, env=env, cwd=ROOT)
            targets["ketengraaf"] = Target("ketengraaf", s, "/sparql")
        if "oxigraph-mem" in names:
            port = free_port()
            s = Server("oxigraph-mem", [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}"], port, work)
            s.wait_ready("/query?query=" + quote("ASK {}"), JSON)
            put_file(port, "/store?default", peers_from)
            targets["oxigraph-mem"] = Target("oxigraph-mem", s, "/query")
        if "oxigraph-disk" in names:
            loc = work / "oxigraph"
            subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(loc), "--file", str(peers_from)],
                           check=True, capture_output=True)
            subprocess.run([str(BIN / "oxigraph"), "optimize", "--location", str(loc)], check=True, capture_output=True)
            port = free_port()
            s = Server("oxigraph-disk", [str(BIN / "oxigraph"), "serve-read-only", "--location", str(loc),
                                         "--bind", f"127.0.0.1:{port}"], port, work)
            targets["oxigraph-disk"] = Target("oxigraph-disk", s, "/query")
        if "ketengraaf-remote" in names or "oxigraph-wrapped" in names:
            port = free_port()
            ox = Server("oxigraph-wrapped", [str(BIN / "oxigraph"), "serve", "--location", str(work / "ox-wrapped"),
                                             "--bind", f"127.0.0.1:{port}"], port, work)
            targets["oxigraph-wrapped"] = Target("oxigraph-wrapped", ox, "/query")
            ox.wait_ready("/query?query=" + quote("ASK {}"), JSON)
            base = f"http://127.0.0.1:{port}"
            env = {"KETENGRAAF_STORE_BACKEND": "sparql", "KETENGRAAF_SPARQL_QUERY_URL": base + "/query",
                   "KETENGRAAF_SPARQL_UPDATE_URL": base + "/update", "KETENGRAAF_SPARQL_GSP_URL": base + "/store",
                   "KETENGRAAF_LOAD_ON_START": "false", "KETENGRAAF_STORE_DIR": str(work / "kg-remote-unused"),
                   "KETENGRAAF_IMPORT_DIR": str(work / "kg-remote-imports"), **extra}
            started = time.perf_counter()
            done = subprocess.run([str(BIN / "ketengraaf"), "load", "--no-validate", str(data)],
                                  capture_output=True, env={**os.environ, **env}, cwd=ROOT)
            if done.returncode:
                raise RuntimeError(f"ketengraaf load (remote) exited {done.returncode}: {done.stderr[-2000:]!r}")
            timings["ketengraaf-remote"] = round(time.perf_counter() - started, 1)
            print(f"ketengraaf-remote load into oxigraph serve: {timings['ketengraaf-remote']} s", file=sys.stderr,
                  flush=True)
            if "ketengraaf-remote" in names:
                port = free_port()
                s = Server("ketengraaf-remote", [str(BIN / "ketengraaf"), "serve", "--host", "127.0.0.1", "--port",
                                                 str(port)], port, work, env=env, cwd=ROOT)
                targets["ketengraaf-remote"] = Target("ketengraaf-remote", s, "/sparql")
        if "rdflib-endpoint" in names:
            port = free_port()
            s = Server("rdflib-endpoint", [str(BIN / "rdflib-endpoint"), "serve", str(peers_from), "--host",
                                           "127.0.0.1", "--port", str(port)], port, work)
            targets["rdflib-endpoint"] = Target("rdflib-endpoint", s, "/")   # rdflib-endpoint 0.6 serves at /
        for t in targets.values():
            path, headers = t.q("ASK { ?s ?p ?o }")
            took = t.server.wait_ready(path, headers, timeout=1800)
            timings[f"{t.name} ready"] = round(took, 1)
            print(f"{t.name} ready on 127.0.0.1:{t.server.port} after {took:.1f} s", file=sys.stderr)
    except BaseException:
        for t in targets.values():
            t.server.stop()
        raise
    return targets


def put_file(port: int, path: str, data: Path) -> None:
    """PUT a Turtle or N-Triples file into a graph of a server (oxigraph's graph store protocol)."""
    kind = "application/n-triples" if data.suffix == ".nt" else "text/turtle"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("PUT", path, body=data.read_bytes(), headers={"Content-Type": kind})
        resp = conn.getresponse()
        resp.read()
        if resp.status not in (200, 201, 204):
            raise RuntimeError(f"PUT {path} answered {resp.status}")
    finally:
        conn.close()


def cells(iris: list[str], words: list[str]):
    """(query name, mode, request maker for (target, cell number)); request i of a varied cell does the same
    work in every cell and on every server (the ``i`` the load generator passes restarts per cell)."""
    def join_v(t, cell):
        return lambda i: t.q(join_query(cell * 1_000_000 + i))

    def lookup_v(t, cell):
        return lambda i: t.q(lookup_query(iris[1 + i % (len(iris) - 1)], cell))

    def search_v(t, cell):
        return lambda i: t.q(search_query(words[i % len(words)], cell))
    return [
        ("join LIMIT 100", "repeat", lambda t, cell: lambda i: t.q(join_query())),
        ("join LIMIT 100", "varied", join_v),
        ("lookup", "repeat", lambda t, cell: lambda i: t.q(lookup_query(iris[0]))),
        ("lookup", "varied", lookup_v),
        ("label search", "repeat", lambda t, cell: lambda i: t.q(search_query("jeugd"))),
        ("label search", "varied", search_v),
    ]


FIRST_PAGE: dict[str, float] = {}      # server name -> seconds its first (cold) page took


def html_path_for(target: Target, iri: str) -> str:
    """The local path of ketengraaf's HTML page for ``iri`` (following one redirect if /id/ answers 303)."""
    path = "/id/" + iri[len(ID):]
    started = time.perf_counter()
    status, headers, _ = get("127.0.0.1", target.server.port, path, HTML, timeout=1800)   # a cold first page
    FIRST_PAGE.setdefault(target.name, round(time.perf_counter() - started, 2))
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
    out: dict = {"triples": args.triples, "storage": {n: storage(n, args.triples) for n in args.servers},
                 "sparql": [], "html": [], "rss_mb": {}, "notes": [], "timings_s": {}}
    targets = {}
    try:
        targets = start_servers(args.servers, data, work, out["timings_s"], writes=bool(args.writes),
                                peer_data=args.peer_data)
        same = work / "ketengraaf-default-graph.nt"
        out["peer_data"] = (f"the peers loaded ketengraaf's default graph ({_count_lines(same):,} triples: the "
                            f"generated file, the shipped catalogue and the RDFS inferences), so every server "
                            f"holds the same triples" if same.exists() else
                            "the peers loaded the generated file alone (ketengraaf also holds the shipped "
                            "catalogue and the RDFS inferences: more triples than the peers)")
        if same.exists():
            same_answers(targets, iris[:20])
        cell_no = 0
        for qname, mode, maker in cells(iris, words):
            for conc in (1, 4):
                cell_no += 1
                row = {"query": qname, "mode": mode, "concurrency": conc}
                for name, t in targets.items():
                    drive("127.0.0.1", t.server.port, maker(t, 1000 + cell_no), requests=min(10, args.requests),
                          concurrency=1, time_cap=args.time_cap)                        # warm-up, its own texts
                    r = drive("127.0.0.1", t.server.port, maker(t, cell_no), requests=args.requests,
                              concurrency=conc, time_cap=args.time_cap)
                    row[name] = r.as_dict()
                    print(f"{qname:>14} {mode:>6} c={conc} {name:>16}: {r.rps:8.1f} req/s p50 {r.p50:7.2f} ms "
                          f"p95 {r.p95:7.2f} ms {dict(r.statuses)}", file=sys.stderr, flush=True)
                out["sparql"].append(row)
        if any(k in targets for k in KETENS):
            out["html"] = html_rows(targets, iris, args)
            out["first_page_s"] = dict(FIRST_PAGE)
            out["not_modified"] = {k: not_modified(targets[k], iris, args) for k in KETENS if k in targets}
        for name, t in targets.items():
            out["rss_mb"][name] = round(t.server.peak_rss_mb(), 1)
        if args.writes:
            import bench_remote_writes
            wrapped = targets.get("oxigraph-wrapped")
            out["writes"] = [bench_remote_writes.measure(
                name, targets[name].server, WRITE_TOKEN, iris, args.writes, out["triples"],
                storage(name, args.triples), wrapped.server if name == "ketengraaf-remote" and wrapped else None)
                for name in KETENS if name in targets]
    finally:
        for t in targets.values():
            t.server.stop()
        logs = args.workdir / "logs"
        logs.mkdir(exist_ok=True)
        for log in work.glob("*.log"):
            shutil.copy(log, logs / log.name)
        shutil.rmtree(work, ignore_errors=True)
    return out


def same_answers(targets: dict[str, Target], iris: list[str]) -> None:
    """Check that the servers that should hold the same triples answer the same lookups with the same
    rows (as sets of (p, o) pairs), before anything is measured."""
    answers: dict[str, list[frozenset]] = {}
    for name, t in targets.items():
        if name not in ("ketengraaf", "oxigraph-mem", "oxigraph-disk", "rdflib-endpoint"):
            continue
        got = []
        for iri in iris:
            path, headers = t.q(lookup_query(iri))
            status, _, body = get("127.0.0.1", t.server.port, path, headers)
            if status != 200:
                raise RuntimeError(f"{name}: lookup of {iri} answered {status}")
            rows = json.loads(body)["results"]["bindings"]
            got.append(frozenset((r["p"]["value"], r["o"]["value"]) for r in rows))
        answers[name] = got
    names = list(answers)
    for name in names[1:]:
        for iri, a, b in zip(iris, answers[names[0]], answers[name]):
            if a != b:
                raise RuntimeError(f"{names[0]} and {name} answer the lookup of {iri} differently "
                                   f"({len(a)} and {len(b)} rows): they do not hold the same triples")
    print(f"same answers: {len(iris)} lookups, the same rows on {', '.join(names)}", file=sys.stderr, flush=True)


def _count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def html_rows(targets: dict[str, Target], iris: list[str], args) -> list[dict]:
    """Pages from the far end of the IRI list, so the SPARQL cells did not touch them; varied: page i is
    the same in both cells (ketengraaf keeps no page answers, so nothing is cached between them)."""
    kgs = {k: targets[k] for k in KETENS if k in targets}
    patterns = {k: html_path_for(t, iris[-1]) for k, t in kgs.items()}
    rows = []
    for conc in (1, 4):
        for mode, pick in (("repeat", lambda i: iris[-1]),
                           ("varied", lambda i: iris[-2 - i % (len(iris) - 2)])):
            row = {"mode": mode, "concurrency": conc, "page": next(iter(patterns.values()))}
            for k, kg in kgs.items():
                def page(i, pick=pick, pattern=patterns[k]):
                    return pattern.replace("{}", quote(pick(i)[len(ID):], safe="/")), HTML
                drive("127.0.0.1", kg.server.port, page, requests=10, concurrency=1, time_cap=args.time_cap)
                row[k] = drive("127.0.0.1", kg.server.port, page, requests=args.requests,
                               concurrency=conc, time_cap=args.time_cap).as_dict()
            for peer in ("oxigraph-mem", "oxigraph-disk", "oxigraph-wrapped"):
                if peer in targets:
                    ox = targets[peer]

                    def fetch(i, pick=pick, ox=ox):
                        return ox.q(lookup_query(pick(i)))
                    row[peer] = drive("127.0.0.1", ox.server.port, fetch, requests=args.requests,
                                      concurrency=conc, time_cap=args.time_cap).as_dict()
            print(f"HTML {mode} c={conc}: " + ", ".join(f"{k} {row[k]['rps']:.1f}/s p50 {row[k]['p50_ms']:.1f}"
                                                         for k in kgs), file=sys.stderr, flush=True)
            rows.append(row)
    return rows


def not_modified(kg: Target, iris: list[str], args) -> dict:
    """Repeats with If-None-Match (every one should be a 304), at concurrency 1 and 4, beside the full
    lookup of one resource each time (varied, uncached: what a 304 saves)."""
    out: dict = {}
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
        for conc in (1, 4):
            r = drive("127.0.0.1", kg.server.port,
                      lambda i, path=path, headers=headers, etag=etag: (path, {**headers, "If-None-Match": etag}),
                      requests=args.requests * 2, concurrency=conc, time_cap=args.time_cap)
            out[f"{what}, c={conc}"] = {"etag": etag, **r.as_dict()}
    for conc in (1, 4):
        r = drive("127.0.0.1", kg.server.port,
                  lambda i, conc=conc: kg.q(lookup_query(iris[1 + i % (len(iris) - 1)], 2000 + conc)),
                  requests=args.requests, concurrency=conc, time_cap=args.time_cap)
        out[f"full lookup (varied, uncached), c={conc}"] = r.as_dict()
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


def ratio_columns(servers: list[str]) -> list[tuple[str, str, str]]:
    """(header, numerator, denominator) of the ÷ columns: ketengraaf over each peer, and ketengraaf-remote
    over ketengraaf (embedded) and over the oxigraph serve it wraps."""
    cols = []
    if "ketengraaf" in servers:
        cols += [(f"kg ÷ {SHORT[p]}", "ketengraaf", p) for p in PEERS if p in servers]
    if "ketengraaf-remote" in servers:
        cols += [(f"remote ÷ {SHORT[p]}", "ketengraaf-remote", p) for p in REMOTE_PEERS if p in servers]
    return cols


def report(out: dict, servers: list[str]) -> str:
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:          # a peer not installed was not run either
            return f"{name} not installed"
    vers = ", ".join(installed(n) for n in ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "waitress",
                                            "Flask"))
    mode = out.get("storage") or {n: storage(n, out["triples"]) for n in servers}
    lines = [f"Machine: {os.cpu_count()} cores (shared by the client and the server), Python "
             f"{platform.python_version()}, {vers}; {time.strftime('%Y-%m-%d')}; "
             f"{out['triples']:,} triples; loopback; req/s counts 2xx/304 answers only "
             "(* = some requests failed or the time cap cut the cell). Storage: "
             + ", ".join(f"{n} in {mode[n]}" for n in servers) + "."
             + (f" Data: {out['peer_data']}." if out.get("peer_data") else ""), ""]
    if out.get("timings_s"):
        lines += ["Seconds: " + ", ".join(f"{k} {v}" for k, v in out["timings_s"].items())
                  + ("; first (cold) page: " + ", ".join(f"{k} {v}" for k, v in out["first_page_s"].items())
                     if out.get("first_page_s") else "") + ".", ""]
    cols = ratio_columns(servers)
    head = "| query | mode | c | " + " | ".join(f"{s} ({mode[s]}) req/s | p50 ms | p95 ms" for s in servers)
    head += "".join(f" | {h}" for h, _, _ in cols) + " |"
    lines += [head, "|" + " --- |" * (3 + 3 * len(servers) + len(cols))]
    for row in out["sparql"]:
        m = row["mode"] + (" (kg: cached)" if row["mode"] == "repeat" else "")
        lines.append(f"| {row['query']} | {m} | {row['concurrency']} | "
                     + " | ".join(cell(row.get(s)) for s in servers) + " |"
                     + "".join(f" {ratio(row.get(a), row.get(b))} |" for _, a, b in cols))
    if out["html"]:
        kgs = [k for k in KETENS if k in servers]
        oxs = [p for p in ("oxigraph-mem", "oxigraph-disk", "oxigraph-wrapped") if p in servers]
        hcols = [(f"kg page ÷ {SHORT[b]} lookup", "ketengraaf", b) for b in oxs if "ketengraaf" in kgs]
        if "ketengraaf-remote" in kgs:
            hcols += [(f"remote page ÷ {SHORT[b]}" + (" page" if b == "ketengraaf" else " lookup"),
                       "ketengraaf-remote", b) for b in REMOTE_PEERS if b in servers]
        lines += ["", "HTML resource page (`" + out["html"][0]["page"] + "`) against the same resource's raw "
                  "lookup on oxigraph:", "",
                  "| mode | c | " + " | ".join(f"{k} ({mode[k]}) pages/s | p50 ms | p95 ms" for k in kgs) + " | "
                  + " | ".join(f"{p} ({mode[p]}) lookup req/s | p50 ms | p95 ms" for p in oxs)
                  + "".join(f" | {h}" for h, _, _ in hcols) + " |",
                  "|" + " --- |" * (2 + 3 * len(kgs) + 3 * len(oxs) + len(hcols))]
        for row in out["html"]:
            m = row["mode"] + (" (cached)" if row["mode"] == "repeat" else "")
            lines.append(f"| {m} | {row['concurrency']} | " + " | ".join(cell(row.get(k)) for k in kgs) + " | "
                         + " | ".join(cell(row.get(p)) for p in oxs) + " |"
                         + "".join(f" {ratio(row.get(a), row.get(b))} |" for _, a, b in hcols))
    for k, nm in (out.get("not_modified") or {}).items():
        lines += ["", f"Conditional repeats (`If-None-Match`) on {k} ({mode.get(k)}), "
                      "beside its full single-resource lookup:", "",
                  "| request | answers | req/s | p50 ms | p95 ms | ÷ full lookup (same c) |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for what, r in nm.items():
            if "error" in r:
                lines.append(f"| {what} | {r['error']} | | | | |")
                continue
            conc = what.rsplit("c=", 1)[-1]
            full = nm.get(f"full lookup (varied, uncached), c={conc}")
            lines.append(f"| {what} | {r['statuses']} | {cell(r)} | "
                         f"{ratio(r, full) if full is not r else ''} |")
    lines += ["", "Peak RSS (VmHWM, the server process plus its children, summed; ketengraaf-remote without "
              "the oxigraph serve it wraps, which is oxigraph-wrapped): "
              + ", ".join(f"{n} ({mode.get(n, '?')}) {mb:,.0f} MB" for n, mb in out["rss_mb"].items())]
    if out.get("writes"):
        import bench_remote_writes
        lines += ["", bench_remote_writes.table(out["writes"])]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--requests", type=int, default=400, help="requests per cell (server x query x concurrency)")
    ap.add_argument("--time-cap", type=float, default=10.0, help="seconds a cell may take")
    ap.add_argument("--servers", default=",".join(SERVERS),
                    help="comma-separated; oxigraph means both oxigraph-mem and oxigraph-disk")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ketengraaf-bench")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    ap.add_argument("--peer-data", choices=("same", "file"), default="same",
                    help="what the oxigraph servers and rdflib-endpoint load: ketengraaf's default graph (same "
                         "triples everywhere; the default) or the generated file alone (as before 2026-12-01)")
    ap.add_argument("--writes", type=int, default=0,
                    help="after the reads, this many small Graph Store PUTs on each ketengraaf server (0: none)")
    args = ap.parse_args(argv)
    names = [n for s in args.servers.split(",") if s for n in
             (("oxigraph-mem", "oxigraph-disk") if s == "oxigraph" else (s,))]
    unknown = set(names) - set(SERVERS)
    if unknown:
        ap.error(f"--servers: unknown {', '.join(sorted(unknown))}")
    if "ketengraaf-remote" in names:
        names.append("oxigraph-wrapped")          # the server it wraps, queried directly: its floor
    args.servers = [s for s in SERVERS if s in names]
    if args.requests <= 0 or args.time_cap <= 0:
        ap.error("--requests and --time-cap must be positive")
    missing = sorted({s.split("-")[0] for s in args.servers if not (BIN / s.split("-")[0]).exists()
                      and s.split("-")[0] in ("oxigraph", "ketengraaf")} | {
        s for s in args.servers if s == "rdflib-endpoint" and not (BIN / s).exists()})
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
