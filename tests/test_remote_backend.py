"""The whole app on the external store (store_backend = sparql), as an operator runs it: the CLI against a
real ``oxigraph serve``, the server process with the store down at start, and the store stopped in the middle
of a run and started again (issue 16). The pages and the endpoint on this backend are covered by the
backend-parametrised tests (``backend`` fixture in conftest.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import LiveServer, sparql_settings
from ketengraaf import create_app
from ketengraaf.cli import main
from oxigraph_server import OxigraphServer, free_port, oxigraph_binary

pytestmark = pytest.mark.skipif(oxigraph_binary() is None, reason="no oxigraph binary (pip install -e '.[test]')")
EX = "http://example.org/"


def _env(server: OxigraphServer, tmp_path: Path) -> dict[str, str]:
    return {"KETENGRAAF_STORE_BACKEND": "sparql", "KETENGRAAF_SPARQL_QUERY_URL": server.query_url,
            "KETENGRAAF_SPARQL_UPDATE_URL": server.update_url, "KETENGRAAF_SPARQL_GSP_URL": server.gsp_url,
            "KETENGRAAF_STORE_DIR": str(tmp_path / "unused-store"), "KETENGRAAF_IMPORT_DIR": str(tmp_path / "imp")}


def _canonical(data: bytes) -> list[str]:
    """The quads of a TriG dump with canonical blank-node labels (RDFC-1.0), sorted: equal for isomorphic dumps."""
    ds = ox.Dataset(ox.parse(data, format=ox.RdfFormat.TRIG))
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(q) for q in ds)


def test_the_cli_loads_queries_dumps_and_restores_on_the_external_store(tmp_path):
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    skos = "@prefix ex: <http://example.org/> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    a.write_text(skos + 'ex:a a skos:Concept ; skos:note "een" ; skos:related [ skos:note "leeg" ] .\n')
    b.write_text(skos + "ex:b a skos:Concept .\n")
    server = OxigraphServer(tmp_path / "db").start()
    runner = CliRunner()
    try:
        env = _env(server, tmp_path)
        first = runner.invoke(main, ["load", "--replace", str(a)], env=env)
        assert first.exit_code == 0, first.output
        assert "loaded 4 triples from 1 files" in first.output
        added = runner.invoke(main, ["load", str(b)], env=env)           # a kept (read back), b added
        assert added.exit_code == 0 and "loaded 5 triples from 2 files" in added.output, added.output
        assert "unchanged" in runner.invoke(main, ["load", str(b)], env=env).output
        stats = runner.invoke(main, ["stats"], env=env)
        assert stats.exit_code == 0, stats.output
        assert "2  http://www.w3.org/2004/02/skos/core#Concept" in stats.output and "5  total" in stats.output
        # the standard prefixes are declared; isBlank sees the skolemised blank node as the blank node it is
        q = "SELECT ?s (isBlank(?o) AS ?blank) WHERE { ?s skos:related ?o }"
        rows = runner.invoke(main, ["query", q, "--format", "csv"], env=env)
        assert rows.exit_code == 0, rows.output
        assert rows.output.replace("\r\n", "\n") == "s,blank\nhttp://example.org/a,true\n"
        bad = runner.invoke(main, ["query", "SELECT * WHERE {\n  ?s ?p }"], env=env)
        assert bad.exit_code == 4 and "line 2, column" in bad.output, bad.output
        # dump, then restore a changed dump: the catalogue becomes exactly its graphs
        dump = runner.invoke(main, ["dump", "-o", str(tmp_path / "d.trig")], env=env)
        assert dump.exit_code == 0, dump.output
        data = (tmp_path / "d.trig").read_bytes()
        assert runner.invoke(main, ["dump", "-o", str(tmp_path / "e.trig")], env=env).exit_code == 0
        assert (tmp_path / "e.trig").read_bytes() == data                  # the same catalogue, the same bytes
        quads = _canonical(data)
        assert sum(EX + "a" in q for q in quads) == 3 and sum(EX + "b" in q for q in quads) == 1
        assert not any("genid" in q for q in quads)                        # blank nodes, not skolem IRIs
        changed = data.replace(b'"een"', b'"twee"')
        (tmp_path / "f.trig").write_bytes(changed)
        restored = runner.invoke(main, ["restore", str(tmp_path / "f.trig")], env=env)
        assert restored.exit_code == 0, restored.output
        assert runner.invoke(main, ["dump", "-o", str(tmp_path / "g.trig")], env=env).exit_code == 0
        assert _canonical((tmp_path / "g.trig").read_bytes()) == _canonical(changed)
    finally:
        server.stop()


def test_serve_with_the_store_down_says_so_in_one_line_and_exits_5(tmp_path):
    port = free_port()
    env = {**os.environ, **_env(OxigraphServer(tmp_path / "db", port=free_port()), tmp_path),
           "KETENGRAAF_PORT": str(port)}
    ketengraaf = Path(sys.executable).parent / "ketengraaf"
    done = subprocess.run([str(ketengraaf), "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 5
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "does not answer" in lines[0] and "/query" in lines[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def _get(url: str, accept: str = "text/html") -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_store_stopped_mid_run_gives_clear_errors_and_the_app_recovers(tmp_path):
    from conftest import _servers
    settings = sparql_settings(tmp_path / "store", sparql_manifest_seconds=0)     # each request asks the server
    server = _servers[-1]                           # started by sparql_settings, stopped at the end of the session
    app = create_app(settings)                      # loads the shipped catalogue into it
    live = LiveServer(app)
    try:
        query = live.url + "/sparql?query=" + urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        status, body = _get(query, "application/sparql-results+json")
        assert status == 200
        total = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
        assert total > 20_000
        server.kill()
        for url, accept in ((live.url + "/id/keten/vth", "text/html"), (query, "application/sparql-results+json"),
                            (live.url + "/healthz", "application/json"), (live.url + "/", "text/html")):
            status, body = _get(url, accept)
            assert status == 503, (url, status, body[:300])
            assert "does not answer" in body and server.query_url in body, body[:500]
            assert "Traceback" not in body
        server.start()                                 # the same folder and port: no restart of ketengraaf
        deadline = time.monotonic() + 30
        while _get(live.url + "/healthz", "application/json")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        status, body = _get(query, "application/sparql-results+json")
        assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == total
        assert _get(live.url + "/id/keten/vth")[0] == 200
    finally:
        live.stop()


# -- writes on the external store ------------------------------------------------------------------
TOKEN = "beheer-token-0123456789abc"
KETEN = "https://w3id.org/ketengraaf/id/keten/"
GRAPH = "https://w3id.org/ketengraaf/graph/"
PARTNER = GRAPH + "partner/ggd"
ALT = f'<{KETEN}vth> <http://www.w3.org/2004/02/skos/core#altLabel> "VTH-keten"@nl .'


def _server_rows(server: OxigraphServer, query: str) -> list[dict[str, str]]:
    """Ask the server itself (not through ketengraaf): what is really stored there."""
    url = server.query_url + "?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return [{k: v["value"] for k, v in row.items()} for row in json.loads(r.read())["results"]["bindings"]]


def test_writes_on_the_external_store_are_gated_exact_and_seen_by_another_instance(tmp_path):
    from conftest import _servers
    settings = sparql_settings(tmp_path / "store", write_tokens=f"beheer:{TOKEN}:*", sparql_manifest_seconds=0)
    server = _servers[-1]
    app = create_app(settings)                                 # loads the shipped catalogue into the server
    other = create_app(settings.replace(load_on_start=False))  # a second instance on the same server
    web, peer = app.test_client(), other.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
    before = web.get("/healthz").get_json()["generation"]
    assert "VTH-keten" not in web.get("/id/keten/vth", headers={"Accept": "text/html"}).get_data(as_text=True)
    r = web.put("/graph-store", query_string={"graph": PARTNER}, data=ALT, headers=auth)
    assert r.status_code == 201 and r.headers["Location"] == PARTNER, r.data
    # the writer's instance built the new generation's page indexes before it answered: the page shows it
    assert "VTH-keten" in web.get("/id/keten/vth", headers={"Accept": "text/html"}).get_data(as_text=True)
    after = web.get("/healthz").get_json()["generation"]
    assert after != before and peer.get("/healthz").get_json()["generation"] == after
    # on the server: the triple in its graph and in the default graph (the union), the manifest, the history
    assert _server_rows(server, f"SELECT ?o WHERE {{ GRAPH <{PARTNER}> {{ <{KETEN}vth> ?p ?o }} }}") == [
        {"o": "VTH-keten"}]
    assert _server_rows(server, f"SELECT ?p WHERE {{ <{KETEN}vth> ?p 'VTH-keten'@nl }}") == [
        {"p": "http://www.w3.org/2004/02/skos/core#altLabel"}]
    assert _server_rows(server, f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?who ?what WHERE {{ GRAPH <{GRAPH}geschiedenis> {{
        ?act a prov:Activity ; prov:wasAssociatedWith/rdfs:label ?who ; rdfs:label ?what }} }}""") == [
        {"who": "beheer", "what": f"Graph Store PUT <{PARTNER}>"}]
    assert peer.get("/graph-store", query_string={"graph": PARTNER},
                    headers={"Accept": "application/n-triples"}).data.decode().strip() == ALT
    page = peer.get("/quality?lang=en").get_data(as_text=True)
    assert "1 graph(s) were changed over HTTP since the last load (1 write(s), the last by beheer at " in page
    # a violating write: 422, and nothing on the server changes
    graphs = _server_rows(server, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    r = web.put("/graph-store", query_string={"graph": PARTNER + "/nieuw"},
                data=f"<{KETEN}nieuw> a <https://w3id.org/ketengraaf/def#Keten> .",
                headers={**auth, "Accept": "application/json"})
    assert r.status_code == 422 and "4 violation(s)" in r.get_json()["message"]
    assert _server_rows(server, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g "
                                "ORDER BY ?g") == graphs
    assert web.get("/healthz").get_json()["generation"] == after
    # blank nodes: written as skolem IRIs, read back as blank nodes, deleted by a pattern
    update = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
    related, note = "http://www.w3.org/2004/02/skos/core#related", "http://www.w3.org/2004/02/skos/core#note"
    r = web.post("/sparql", data=f'INSERT DATA {{ GRAPH <{PARTNER}> {{ <{KETEN}vth> <{related}> [ <{note}> "x" ] }} }}',
                 headers=update)
    assert r.status_code == 204, r.data
    stored = _server_rows(server, f"SELECT ?b WHERE {{ GRAPH <{PARTNER}> {{ ?b <{note}> 'x' }} }}")
    assert len(stored) == 1 and stored[0]["b"].startswith("https://w3id.org/ketengraaf/.well-known/genid/")
    answer = peer.get("/sparql", query_string={"query": f"SELECT ?b WHERE {{ <{KETEN}vth> <{related}> ?b }}"},
                      headers={"Accept": "application/sparql-results+json"}).get_json()
    assert [row["b"]["type"] for row in answer["results"]["bindings"]] == ["bnode"]
    r = web.post("/sparql", headers=update,
                 data=f"DELETE WHERE {{ GRAPH <{PARTNER}> {{ <{KETEN}vth> <{related}> ?b . ?b <{note}> ?x }} }}")
    assert r.status_code == 204, r.data
    anywhere = f"SELECT * WHERE {{ {{ ?s <{note}> 'x' }} UNION {{ GRAPH ?g {{ ?s <{note}> 'x' }} }} }}"
    assert _server_rows(server, anywhere) == []


def test_a_load_from_elsewhere_during_a_write_is_a_conflict_and_nothing_is_sent(tmp_path):
    from conftest import _servers
    from ketengraaf.errors import Conflict
    from ketengraaf.store.sparql import SparqlStore, publish_generation
    from ketengraaf.writing import Delta, Grant
    from w3c_protocol import small_fillers
    settings = sparql_settings(tmp_path / "store", load_on_start=False)
    server = _servers[-1]
    publish_generation(SparqlStore.from_settings(settings), "first", small_fillers(3))
    app = create_app(settings)
    writer = app.extensions["ketengraaf.writer"]
    triple = ox.Quad(ox.NamedNode(EX + "w"), ox.NamedNode(EX + "value"), ox.Literal("1"), ox.NamedNode(EX + "g1"))

    def plan(head, apply) -> None:            # another loader publishes while this write is under way
        publish_generation(SparqlStore.from_settings(settings), "second", small_fillers(5))
        apply(Delta(added={triple}))
    with pytest.raises(Conflict, match="changed since this write began"):
        writer.write(plan, grant=Grant("beheer", ("*",)), description="test")
    assert _server_rows(server, f"SELECT ?s WHERE {{ GRAPH <{EX}g1> {{ ?s a <{EX}Thing> }} }} ORDER BY ?s") == [
        {"s": f"{EX}thing/{i}"} for i in range(5)]                    # the other load, whole
    anywhere = f"SELECT * WHERE {{ {{ <{EX}w> ?p ?o }} UNION {{ GRAPH ?g {{ <{EX}w> ?p ?o }} }} }}"
    assert _server_rows(server, anywhere) == []
    # the next write starts from the new generation and goes through
    writer.write(lambda head, apply: apply(Delta(added={triple})), grant=Grant("beheer", ("*",)), description="t")
    assert _server_rows(server, f"SELECT ?o WHERE {{ GRAPH <{EX}g1> {{ <{EX}w> ?p ?o }} }}") == [{"o": "1"}]
