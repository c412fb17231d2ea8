"""Harness: the W3C SPARQL 1.1 Graph Store HTTP Protocol tests against the real server on loopback.

Reads ``manifest-direct.ttl`` and ``manifest-indirect.ttl`` (13 tests), and replays each test's requests
in order on a fresh, empty catalogue served with waitress on 127.0.0.1: the manifest's ``/gsp`` prefix is
ours, ``/graph-store``; every request carries a write token (the manifest sends none; this graph store
writes only for a bearer token); ``$LOCATION$`` is replaced by the ``Location`` of the answer that
created it. Checked: the status (a class like ``2xx`` or an exact code), the ``Content-Type`` the
manifest names, and a body graph-isomorphic to the manifest's (rdflib's ``isomorphic``).

Run it alone: ``python tests/w3c_gsp.py``.
"""
from __future__ import annotations

import http.client
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Namespace, RDF
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from w3c_protocol import Outcome, serve_quietly

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = "http://www.w3.org/2011/http-statusCodes#"
CODES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
TOKEN = "w3c-gsp-token-0123456789abcdef"
PREFIX = "/graph-store"


@dataclass
class Request:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes | None
    statuses: set[str]                 # "201", "2xx", ...
    content_type: str | None           # expected Content-Type of the answer
    expected_body: str | None          # expected graph (Turtle)
    location: str | None               # mf:expectedLocation template ("$LOCATION$")


@dataclass
class Case:
    name: str
    requests: list[Request]


def _status(node) -> str:
    name = str(node)[len(HTS):]
    if name.startswith("StatusCode"):
        return name[len("StatusCode"):]           # "2xx"
    return str(CODES[name])


def read_manifest(path: Path) -> list[Case]:
    g = Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    cases = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(entry, MF.action)
        requests = []
        for req in Collection(g, g.value(action, HT.requests)):
            body_node = g.value(req, HT.body)
            body = str(g.value(body_node, CNT.chars)).encode("utf-8") if body_node is not None else None
            headers = [(str(g.value(h, HT.fieldName)), str(g.value(h, HT.fieldValue)))
                       for h in Collection(g, g.value(req, HT.headers))] if g.value(req, HT.headers) else []
            resp = g.value(req, HT.resp)
            statuses = {_status(s) for s in g.objects(resp, MF.expectedStatus)}
            resp_headers = g.value(resp, HT.headers)
            ctype = None
            if resp_headers is not None:
                for h in Collection(g, resp_headers):
                    if str(g.value(h, HT.fieldName)).lower() == "content-type":
                        ctype = str(g.value(h, HT.fieldValue))
            resp_body = g.value(resp, HT.body)
            expected = str(g.value(resp_body, CNT.chars)) if resp_body is not None else None
            location = g.value(resp, MF.expectedLocation)
            requests.append(Request(str(g.value(req, HT.methodName)), str(g.value(req, HT.absolutePath)), headers,
                                    body, statuses, ctype, expected, str(location) if location else None))
        cases.append(Case(str(entry).rsplit("#", 1)[-1], requests))
    return cases


def _ok(status: int, expected: set[str]) -> bool:
    return str(status) in expected or f"{status // 100}xx" in expected


def replay(case: Case, host: str, port: int) -> Outcome:
    location = None
    for i, req in enumerate(case.requests):
        path = req.path
        if location is not None:
            path = path.replace("$LOCATION$", location)
        path = PREFIX + path[len("/gsp"):]
        body = req.body
        if body is not None and location is not None:
            body = body.replace(b"$LOCATION$", location.encode())
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            conn.putrequest(req.method, path, skip_accept_encoding=True)
            for k, v in req.headers:
                conn.putheader(k, v)
            conn.putheader("Authorization", f"Bearer {TOKEN}")
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            got = resp.read()
            ctype = resp.getheader("Content-Type", "")
            if req.location is not None or resp.status == 201 and resp.getheader("Location"):
                location = resp.getheader("Location") or location
        finally:
            conn.close()
        problem = None
        if not _ok(resp.status, req.statuses):
            problem = f"status {resp.status}, expected {sorted(req.statuses)}: {got[:200]!r}"
        elif req.content_type and ctype.replace(" ", "").lower() != req.content_type.replace(" ", "").lower():
            problem = f"Content-Type {ctype!r}, expected {req.content_type!r}"
        elif req.expected_body is not None and req.method == "GET":
            want = Graph().parse(data=req.expected_body, format="turtle")
            have = Graph().parse(data=got, format="turtle")
            if not isomorphic(want, have):
                problem = f"the graph answered is not the one expected:\n{got.decode()[:600]}"
        elif req.method == "HEAD" and got:
            problem = "a HEAD answer has a body"
        if problem:
            return Outcome(case.name, "fail", f"request {i + 1} ({req.method} {path}): {problem}")
    return Outcome(case.name, "pass")


def run(folder: Path, workdir: Path | None = None, backend: str = "embedded") -> list[Outcome]:
    import waitress

    from w3c_protocol import app_on
    workdir = Path(workdir or tempfile.mkdtemp(prefix="w3c-gsp-"))
    outcomes = []
    server = None
    if backend == "sparql":         # one server; each case starts from an empty catalogue in it
        from oxigraph_server import OxigraphServer
        server = OxigraphServer(workdir / "oxigraph").start()
    try:
        for manifest in ("manifest-direct.ttl", "manifest-indirect.ttl"):
            for case in read_manifest(folder / manifest):
                app = app_on(workdir / case.name, [], backend, server, write_tokens=f"w3c:{TOKEN}:*")
                web = waitress.create_server(app, host="127.0.0.1", port=0, threads=2, asyncore_use_poll=True)
                threading.Thread(target=serve_quietly, args=(web,), daemon=True).start()
                try:
                    outcomes.append(replay(case, "127.0.0.1", web.effective_port))
                finally:
                    web.close()
                    app.extensions["ketengraaf.sparql"].close()
    finally:
        if server is not None:
            server.stop()
    return outcomes


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "shared/reference/w3c-sparql11/graph-store-protocol"
    results = run(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
    for o in results:
        print(f"{o.result:4}  {o.name}  {o.reason}")
    sys.exit(1 if any(o.result == "fail" for o in results) else 0)
