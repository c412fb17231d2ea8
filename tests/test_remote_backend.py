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
