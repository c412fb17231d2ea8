"""Example queries answer real questions on the shipped catalogue; the query command."""
from __future__ import annotations

import json

from click.testing import CliRunner

from ketengraaf.cli import main
from ketengraaf.sparql.examples import examples, parse_example
from ketengraaf.sparql.guards import scan

EXAMPLES = examples()


def test_every_example_has_titles_and_a_query_form():
    assert len(EXAMPLES) >= 6
    for ex in EXAMPLES:
        assert ex.title["nl"] and ex.description.get("nl"), ex.path
        assert scan(ex.query).form in {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}, ex.path


def test_header_parsing(tmp_path):
    p = tmp_path / "x.rq"
    p.write_text("# title: Vraag\n# title@en: Question\n# description: Uitleg\n\nSELECT * { ?s skos:prefLabel ?l }\n")
    ex = parse_example(p)
    assert ex.text("title", "en") == "Question" and ex.text("description", "en") == "Uitleg"
    assert ex.query.startswith("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>")


# what each example answers, row by row: tests/test_example_answers.py


def test_query_page_lists_the_examples(client):
    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    for ex in EXAMPLES:
        assert f'data-example="{ex.slug}"' in page


def test_cli_query_local_formats_and_errors(catalogue_dir, tmp_path):
    runner = CliRunner()
    store = ["--store", str(catalogue_dir)]
    r = runner.invoke(main, ["query", "SELECT (COUNT(*) AS ?n) WHERE { ?s a keten:Deelname }", *store])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == "?n" and int(r.output.splitlines()[1].split("^^")[0].strip('"')) > 0
    f = tmp_path / "q.rq"
    f.write_text("CONSTRUCT WHERE { ?k a keten:Deelname } LIMIT 2")
    r = runner.invoke(main, ["query", f"@{f}", "--format", "ntriples", *store])
    assert r.exit_code == 0 and r.output.count(" .\n") == 2
    r = runner.invoke(main, ["query", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", *store])
    assert r.exit_code == 4 and "SERVICE" in r.output
    r = runner.invoke(main, ["query", "SELECT * WHERE { ?s }", *store])
    assert r.exit_code == 4 and "line 1" in r.output
    r = runner.invoke(main, ["query", "@/nonexistent.rq", *store])
    assert r.exit_code == 2


def test_cli_query_remote_endpoint(live_server):
    # the client waits as long as the server lets a worker start: this query may be the first to the session's
    # server in this xdist worker, and waits for its query workers to start (not counted as query time, up to
    # 60 s); the default 10 s ran out on a loaded machine
    r = CliRunner().invoke(main, ["query", "ASK { ?s a <http://www.w3.org/2002/07/owl#Class> }",
                                  "--endpoint", live_server.url + "/sparql", "--format", "json"],
                           env={"KETENGRAAF_QUERY_TIMEOUT": "70"})
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["boolean"] is True


def test_cli_query_knows_prefixes_after_a_path_step_and_reports_the_users_line(catalogue_dir):
    """Before, the CLI pasted PREFIX lines above the query from a regex that missed `a/rdfs:subClassOf*`
    ("Prefix not found"), and a syntax error's line was shifted by the pasted lines. Now the engine's own
    parser gets the standard prefixes, and the text stays the user's."""
    runner = CliRunner()
    store = ["--store", str(catalogue_dir)]
    r = runner.invoke(main, ["query", "SELECT DISTINCT ?c WHERE {\n  ?k a/rdfs:subClassOf* ?c .\n"
                             "  FILTER(?c = keten:Keten)\n}", *store])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == ["?c", "<https://w3id.org/ketengraaf/def#Keten>"]
    r = runner.invoke(main, ["query", "PREFIX skos: <http://example.org/mine#>\nASK { ?s skos:x ?o }", *store])
    assert r.exit_code == 0 and r.output.strip() == "false"          # the query's own PREFIX wins
    r = runner.invoke(main, ["query", "SELECT * WHERE {\n  ?s a keten:Keten .\n  ?s ?p\n}", *store])
    assert r.exit_code == 4 and "line 4" in r.output, r.output      # the user's line, nothing pasted above
    assert "keten: <https://w3id.org/ketengraaf/def#>" in runner.invoke(main, ["query", "--help"]).output
