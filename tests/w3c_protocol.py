"""Harness: the W3C SPARQL 1.1 Protocol tests against the real server on loopback.

Reads ``manifest.ttl``, loads ``data1/2/3.nt`` into a store whose named graphs
have the IRIs the manifest's ``rdfs:label`` gives, serves the real app with
waitress on 127.0.0.1, replays each request (method, path with ``/sparql/``
mapped to ours, headers, body byte for byte) and checks ``mf:expectedStatus``,
``mf:expectedFormat`` and ``mf:expectedBoolean``. Each update test runs on a store of its own (they
``CLEAR ALL``), with a write token added to its requests: the manifest sends none, and this endpoint
writes only for a bearer token (``docs/writes.md``); nothing else of the request changes.

Run it alone: ``python tests/w3c_protocol.py [path/to/manifest.ttl]``.
"""
from __future__ import annotations

import http.client
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Namespace, RDF, RDFS
from rdflib.collection import Collection

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

RESULT_TYPES = {
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
TOKEN = "w3c-protocol-token-0123456789"
WRITE_TOKENS = f"w3c:{TOKEN}:*"


@dataclass
class Request:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes | None
    statuses: set[int]           # acceptable status classes: 2, 3, 4, 5
    fmt: str | None              # "boolean" / "tabular" / "RDF"
    boolean: bool | None


@dataclass
class Case:
    name: str
    title: str
    graphs: dict[str, Path]      # graph IRI -> data file
    requests: list[Request]


@dataclass
class Outcome:
    name: str
    result: str                  # pass / fail / skip
    reason: str = ""


def read_manifest(path: Path) -> list[Case]:
    g = Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    cases = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        name = str(entry).rsplit("#", 1)[-1]
        graphs = {}
        for gd in g.objects(entry, UT.graphData):
            file_iri = str(g.value(gd, UT.graph))
            graphs[str(g.value(gd, RDFS.label))] = Path(file_iri.removeprefix("file://"))
        action = g.value(entry, MF.action)
        requests = []
        for req in Collection(g, g.value(action, HT.requests)):
            body_node = g.value(req, HT.body)
            body = str(g.value(body_node, CNT.chars)).encode("utf-8") if body_node is not None else None
            headers_node = g.value(req, HT.headers)
            headers = []
            if headers_node is not None:
                for h in Collection(g, headers_node):
                    headers.append((str(g.value(h, HT.fieldName)), str(g.value(h, HT.fieldValue))))
            resp = g.value(req, HT.resp)
            statuses = {int(str(s)[len(HTS)]) for s in g.objects(resp, MF.expectedStatus)}
            fmt = g.value(resp, MF.expectedFormat)
            boolean = g.value(resp, MF.expectedBoolean)
            requests.append(Request(str(g.value(req, HT.methodName)), str(g.value(req, HT.absolutePath)),
                                    headers, body, statuses, str(fmt) if fmt is not None else None,
                                    boolean.toPython() if boolean is not None else None))
        cases.append(Case(name, str(g.value(entry, MF.name)), graphs, requests))
    return cases


def case_fillers(cases: list[Case]) -> list:
    """The graphs the cases' data files make (fillers for a generation)."""
    from ketengraaf.store import SourceInfo
    from ketengraaf.store.oxigraph import triples_filler
    graphs: dict[str, Path] = {}
    for c in cases:
        graphs.update(c.graphs)
    parts = []
    for iri, path in sorted(graphs.items()):
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
        parts.append(triples_filler(SourceInfo(path.name, iri, "-", len(triples)), triples))
    return parts


def app_on(store_dir: Path, fillers: list, backend: str = "embedded", server=None, **settings):
    """An app on a generation of ``fillers``: an embedded store in ``store_dir``, or (``backend="sparql"``)
    the ``oxigraph serve`` ``server`` (an OxigraphServer; a fresh one when None), whose catalogue the
    generation replaces."""
    from ketengraaf import create_app
    from ketengraaf.settings import Settings
    store_dir = Path(store_dir)
    if backend == "sparql":
        from conftest import make_settings, sparql_settings
        from ketengraaf.store.sparql import SparqlStore, publish_generation
        config = (sparql_settings(store_dir, load_on_start=False, **settings) if server is None else
                  make_settings(store_dir, store_backend="sparql", sparql_query_url=server.query_url,
                                sparql_update_url=server.update_url, sparql_gsp_url=server.gsp_url,
                                load_on_start=False, **settings))
        publish_generation(SparqlStore.from_settings(config), f"{store_dir.name}-{time.time_ns()}", fillers)
    else:
        from ketengraaf.store.oxigraph import write_generation
        write_generation(store_dir, store_dir.name, fillers)
        config = Settings.from_env({"store_dir": str(store_dir), "load_on_start": False, **settings}, environ={})
    app = create_app(config)
    app.testing = True
    return app


def check(req: Request, status: int, ctype: str, body: bytes) -> str | None:
    """None when the response meets the expectations, else what is wrong."""
    if status // 100 not in req.statuses:
        return f"status {status}, expected {sorted(req.statuses)}xx: {body[:200]!r}"
    mt = ctype.split(";")[0].strip().lower()
    if req.fmt in ("boolean", "tabular"):
        fmt = RESULT_TYPES.get(mt)
        if fmt is None:
            return f"Content-Type {ctype!r} is not a SPARQL results type"
        parsed = ox.parse_query_results(body, fmt)
        if req.fmt == "boolean" and not isinstance(parsed, ox.QueryBoolean):
            return "expected a boolean answer"
        if req.fmt == "tabular" and not isinstance(parsed, ox.QuerySolutions):
            return "expected a table of solutions"
        if req.boolean is not None and bool(parsed) != req.boolean:
            return f"answer {bool(parsed)}, expected {req.boolean}"
    elif req.fmt == "RDF":
        try:
            fmt = ox.RdfFormat.from_media_type(mt)
        except ValueError:
            fmt = None
        if fmt is None:
            return f"Content-Type {ctype!r} is not an RDF type"
        list(ox.parse(body, format=fmt))
    return None


def replay(case: Case, host: str, port: int, endpoint: str = "/sparql") -> Outcome:
    for i, req in enumerate(case.requests):
        path = endpoint + req.path[len("/sparql/"):] if req.path.startswith("/sparql/") else req.path
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            conn.putrequest(req.method, path, skip_accept_encoding=True)
            for k, v in req.headers:
                conn.putheader(k, v)
            if req.method == "POST":
                conn.putheader("Authorization", f"Bearer {TOKEN}")
            if req.body is not None:
                conn.putheader("Content-Length", str(len(req.body)))
            conn.endheaders(req.body)
            resp = conn.getresponse()
            body = resp.read()
            problem = check(req, resp.status, resp.getheader("Content-Type", ""), body)
        finally:
            conn.close()
        if problem:
            return Outcome(case.name, "fail", f"request {i + 1}: {problem}")
    return Outcome(case.name, "pass")


def serve_quietly(server) -> None:
    """waitress' loop, ending without a traceback when ``server.close()`` pulls the socket."""
    try:
        server.run()
    except OSError:
        pass


def run(manifest: Path, workdir: Path | None = None, backend: str = "embedded") -> list[Outcome]:
    cases = read_manifest(manifest)
    workdir = Path(workdir or tempfile.mkdtemp(prefix="w3c-protocol-"))
    server = None
    if backend == "sparql":         # one server; each store below replaces the catalogue in it
        from oxigraph_server import OxigraphServer
        server = OxigraphServer(workdir / "oxigraph").start()
    try:
        queries = [c for c in cases if not c.name.startswith("update_")]
        outcomes = _serve(queries, workdir / "store", backend, server)
        for c in cases:
            if c.name.startswith("update_"):      # each on a fresh store: updates change it
                outcomes += _serve([c], workdir / c.name, backend, server)
    finally:
        if server is not None:
            server.stop()
    order = {c.name: i for i, c in enumerate(cases)}
    return sorted(outcomes, key=lambda o: order[o.name])


def _serve(cases: list[Case], store_dir: Path, backend: str = "embedded", server=None) -> list[Outcome]:
    import waitress
    app = app_on(store_dir, case_fillers(cases), backend, server, write_tokens=WRITE_TOKENS)
    web = waitress.create_server(app, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True)
    thread = threading.Thread(target=serve_quietly, args=(web,), daemon=True)
    thread.start()
    try:
        return [replay(c, "127.0.0.1", web.effective_port) for c in cases]
    finally:
        web.close()
        app.extensions["ketengraaf.sparql"].close()


# -- small stores and apps for the other SPARQL tests ------------------------------------
EX = "http://example.org/"


def small_fillers(rows: int = 50) -> list:
    """Two named graphs: ex:g1 with ``rows`` things, ex:g2 with one (fillers for a generation)."""
    from ketengraaf.store import SourceInfo
    from ketengraaf.store.oxigraph import triples_filler
    n = ox.NamedNode
    g1 = [ox.Triple(n(f"{EX}thing/{i}"), n(EX + "value"), ox.Literal(str(i), datatype=n(
        "http://www.w3.org/2001/XMLSchema#integer"))) for i in range(rows)]
    g1 += [ox.Triple(n(f"{EX}thing/{i}"), n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), n(EX + "Thing"))
           for i in range(rows)]
    g2 = [ox.Triple(n(EX + "other"), n(EX + "label"), ox.Literal("in graph two", language="en"))]
    return [triples_filler(SourceInfo("g1", EX + "g1", "-", len(g1)), g1),
            triples_filler(SourceInfo("g2", EX + "g2", "-", len(g2)), g2)]


def small_store(store_dir: Path, rows: int = 50) -> Path:
    """The embedded store of :func:`small_fillers`."""
    from ketengraaf.store.oxigraph import write_generation
    write_generation(store_dir, f"small-{rows}", small_fillers(rows))
    return store_dir


def small_app(store_dir: Path, backend: str = "embedded", **settings):
    """An app on the small dataset: in an embedded store, or (``backend="sparql"``) in a fresh
    ``oxigraph serve`` (conftest.sparql_settings)."""
    return app_on(store_dir, small_fillers(), backend, **settings)


def close(app) -> None:
    app.extensions["ketengraaf.sparql"].close()

if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "shared/reference/w3c-sparql11/protocol/manifest.ttl"
    outcomes = run(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
    for o in outcomes:
        print(f"{o.result:4}  {o.name}  {o.reason}")
    print({r: sum(o.result == r for o in outcomes) for r in ("pass", "fail", "skip")})
    sys.exit(1 if any(o.result == "fail" for o in outcomes) else 0)
