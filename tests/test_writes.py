"""Writes over HTTP on the shipped catalogue: authorisation, the SHACL gate, history, files and dumps.

Expected values are written by hand: the triples a write adds, the shape a refused write violates,
the graphs a token may write. Each write validates, so the tests keep their number small.
"""
from __future__ import annotations

import logging

import pyoxigraph as ox
import pytest

from conftest import make_app_client, make_settings

KETEN = "https://w3id.org/ketengraaf/id/keten/"
GRAPH = "https://w3id.org/ketengraaf/graph/"
PARTNER_GRAPH = GRAPH + "partner/ggd"
VTH_GRAPH = GRAPH + "data/ketens/vth.ttl"
ADMIN = "beheer-token-0123456789abc"
PARTNER = "ggd-token-0123456789abcdef"
TOKENS = f"beheer:{ADMIN}:* ggd:{PARTNER}:{GRAPH}partner/ggd*"
ALT = '<https://w3id.org/ketengraaf/id/keten/vth> <http://www.w3.org/2004/02/skos/core#altLabel> "VTH-keten"@nl .'
TURTLE = {"Content-Type": "text/turtle"}


def auth(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    from ketengraaf.loading import load_catalogue
    d = tmp_path_factory.mktemp("writes")
    load_catalogue(make_settings(d))
    return d


@pytest.fixture(scope="module")
def client(store_dir):
    return make_app_client(store_dir, load_on_start=False, write_tokens=TOKENS, max_write_bytes=4096)


def generation(client) -> str:
    return client.get("/healthz").get_json()["generation"]


def dump(store_dir) -> bytes:
    from ketengraaf.loading import dump as dump_catalogue
    return dump_catalogue(make_settings(store_dir))


def same_graphs(a: bytes, b: bytes) -> bool:
    """Two TriG dumps hold the same graphs, up to the labels of blank nodes."""
    from rdflib import Dataset
    from rdflib.compare import isomorphic
    da, db = Dataset(), Dataset()
    da.parse(data=a, format="trig")
    db.parse(data=b, format="trig")
    names = {g.identifier for g in da.graphs()}
    return names == {g.identifier for g in db.graphs()} and all(
        isomorphic(da.graph(n), db.graph(n)) for n in names)


def graph_triples(client, graph: str) -> set[tuple[str, str, str]]:
    r = client.get("/graph-store", query_string={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200, r.data
    return {(str(t.subject), str(t.predicate), str(t.object))
            for t in ox.parse(r.data, format=ox.RdfFormat.N_TRIPLES)}


def test_reading_is_open_writing_needs_the_right_token(client, caplog):
    before = generation(client)
    assert client.get("/graph-store", query_string={"graph": VTH_GRAPH}).status_code == 200
    caplog.set_level(logging.DEBUG)
    r = client.put("/graph-store", query_string={"graph": PARTNER_GRAPH}, data=ALT, headers=TURTLE)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    r = client.put("/graph-store", query_string={"graph": PARTNER_GRAPH}, data=ALT,
                   headers=auth("not-a-token-0123456789", **TURTLE))
    assert r.status_code == 401 and "not known" in r.get_json()["message"]
    # the partner's token writes only its own graphs
    r = client.post("/graph-store", query_string={"graph": VTH_GRAPH}, data=ALT, headers=auth(PARTNER, **TURTLE))
    assert r.status_code == 403
    assert r.get_json()["message"] == (f"the token of 'ggd' may not write the graph <{VTH_GRAPH}>; it may write: "
                                       f"{GRAPH}partner/ggd*")
    assert generation(client) == before                                   # nothing was written
    assert PARTNER not in caplog.text and ADMIN not in caplog.text        # tokens never logged


def test_a_partner_writes_its_graph_and_the_history_says_who_and_what(client, store_dir):
    before = generation(client)
    r = client.put("/graph-store", query_string={"graph": PARTNER_GRAPH}, data=ALT, headers=auth(PARTNER, **TURTLE))
    assert r.status_code == 201 and r.headers["Location"] == PARTNER_GRAPH
    assert r.headers["Server-Timing"].startswith("commit;dur=") and ", visible;dur=" in r.headers["Server-Timing"]
    assert graph_triples(client, PARTNER_GRAPH) == {
        (f"<{KETEN}vth>", "<http://www.w3.org/2004/02/skos/core#altLabel>", '"VTH-keten"@nl')}
    assert generation(client) != before
    # the new label is in the default graph (the union) at once: a query sees it
    r = client.get("/sparql", query_string={"query": f"ASK {{ <{KETEN}vth> ?p 'VTH-keten'@nl }}"},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.get_json()["boolean"] is True
    # the history: who, which graph, the one triple added
    from ketengraaf.loading import HISTORY_GRAPH
    from ketengraaf.store.oxigraph import OxigraphStore
    rows = OxigraphStore(store_dir).select(f"""
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?who ?what ?used ?s ?p ?o ?g WHERE {{ GRAPH <{HISTORY_GRAPH}> {{
          ?act a prov:Activity ; prov:wasAssociatedWith/rdfs:label ?who ; rdfs:label ?what ; prov:used ?used ;
               prov:generated [ rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:atLocation ?g ] }} }}""",
        union=False)
    assert [{k: str(v.value) for k, v in r.items()} for r in rows] == [{
        "who": "ggd", "what": f"Graph Store PUT <{PARTNER_GRAPH}>", "used": PARTNER_GRAPH, "s": KETEN + "vth",
        "p": "http://www.w3.org/2004/02/skos/core#altLabel", "o": "VTH-keten", "g": PARTNER_GRAPH}]
    # the quality page says the store, not the files, holds this graph now
    page = client.get("/quality?lang=en").get_data(as_text=True)
    assert "1 graph(s) were changed over HTTP since the last load (1 write(s), the last by ggd at " in page
    # the same PUT again: no change, no new generation, 204
    now = generation(client)
    r = client.put("/graph-store", query_string={"graph": PARTNER_GRAPH}, data=ALT, headers=auth(PARTNER, **TURTLE))
    assert r.status_code == 204 and generation(client) == now


def test_a_violating_write_is_refused_with_the_report_and_changes_nothing(client, store_dir):
    before, dumped = generation(client), dump(store_dir)
    new_chain = f"<{KETEN}nieuw> a <https://w3id.org/ketengraaf/def#Keten> ."
    r = client.put("/graph-store", query_string={"graph": PARTNER_GRAPH + "/nieuw"}, data=new_chain,
                   headers=auth(PARTNER, Accept="application/json", **TURTLE))
    assert r.status_code == 422
    body = r.get_json()
    assert body["message"] == "write refused: it would add 4 violation(s) of the shapes; nothing was written"
    for shape in ("KetenEenModel", "KetenHeeftDoel", "KetenTweePartners", "LabelNederlands"):
        assert f"{KETEN}nieuw: " in body["detail"] and f"[{shape}]" in body["detail"]
    # the report as RDF, by Accept
    r = client.put("/graph-store", query_string={"graph": PARTNER_GRAPH + "/nieuw"}, data=new_chain,
                   headers=auth(PARTNER, Accept="text/turtle", **TURTLE))
    assert r.status_code == 422 and r.mimetype == "text/turtle"
    report = ox.Store()
    report.load(r.data, format=ox.RdfFormat.TURTLE)
    assert report.query("ASK { ?r <http://www.w3.org/ns/shacl#conforms> false }")
    assert not report.query(f"ASK {{ ?x <http://www.w3.org/ns/shacl#focusNode> <{KETEN}schuldhulpverlening> }}")
    assert len(list(report.query("SELECT ?r WHERE { ?r <http://www.w3.org/ns/shacl#resultSeverity> "
                                 "<http://www.w3.org/ns/shacl#Violation> }"))) == 4
    assert report.query(f"ASK {{ ?x <http://www.w3.org/ns/shacl#focusNode> <{KETEN}nieuw> ; "
                        "<http://www.w3.org/ns/shacl#sourceShape> "
                        "<https://w3id.org/ketengraaf/def/shapes#KetenHeeftDoel> }")
    assert generation(client) == before and dump(store_dir) == dumped         # byte for byte the same catalogue
    # a dry run gives the report and writes nothing either
    r = client.put("/graph-store", query_string={"graph": PARTNER_GRAPH + "/twee", "dry-run": "true"}, data=ALT,
                   headers=auth(PARTNER, Accept="text/turtle", **TURTLE))
    assert r.status_code == 200 and r.mimetype == "text/turtle" and generation(client) == before


def test_graphs_the_catalogue_makes_and_the_shapes_cannot_be_written(client):
    before = generation(client)
    for graph, says in ((GRAPH + "inferentie", "made by the catalogue itself"),
                        (GRAPH + "validatie", "made by the catalogue itself"),
                        (GRAPH + "geschiedenis", "made by the catalogue itself"),
                        (GRAPH + "shapes/keten-shapes.ttl", "holds the SHACL shapes")):
        r = client.post("/graph-store", query_string={"graph": graph}, data=ALT, headers=auth(ADMIN, **TURTLE))
        assert r.status_code == 403 and says in r.get_json()["message"], graph
    assert generation(client) == before


def test_bad_bodies_get_4xx_with_where(client):
    before = generation(client)
    r = client.put("/graph-store", query_string={"graph": PARTNER_GRAPH}, data="<a> <b> .",
                   headers=auth(PARTNER, **TURTLE))
    assert r.status_code == 400 and "line 1 column 9" in r.get_json()["message"]
    r = client.put("/graph-store", query_string={"graph": PARTNER_GRAPH}, data=ALT,
                   headers=auth(PARTNER, **{"Content-Type": "text/csv"}))
    assert r.status_code == 415 and "text/turtle" in r.get_json()["message"]
    r = client.put("/graph-store", query_string={"graph": PARTNER_GRAPH}, data=ALT * 100,
                   headers=auth(PARTNER, **TURTLE))
    assert r.status_code == 413 and "max_write_bytes" in r.get_json()["message"]
    r = client.put("/graph-store", query_string={"graph": "not an iri"}, data=ALT, headers=auth(PARTNER, **TURTLE))
    assert r.status_code == 400 and "absolute IRI" in r.get_json()["message"]
    r = client.get("/graph-store", query_string={"graph": GRAPH + "bestaat-niet"})
    assert r.status_code == 404
    assert generation(client) == before


def test_a_load_from_files_does_not_silently_undo_writes(client, store_dir):
    from ketengraaf.errors import WritesWouldBeLost
    from ketengraaf.loading import HISTORY_GRAPH, load_catalogue
    r = client.post("/graph-store", query_string={"graph": VTH_GRAPH}, data=ALT, headers=auth(ADMIN, **TURTLE))
    assert r.status_code == 204
    settings = make_settings(store_dir)
    # the files did not change: loading them is a no-op, the write stays
    gen, changed = load_catalogue(settings)
    assert not changed
    with pytest.raises(WritesWouldBeLost) as refused:
        load_catalogue(settings, force=True)
    assert VTH_GRAPH in refused.value.message and "ketengraaf dump" in refused.value.message
    gen, changed = load_catalogue(settings, force=True, discard_writes=True)
    assert changed and not any(s.written for s in gen.sources)
    assert client.application.extensions["ketengraaf.store"].wait_current()   # the server switches in the background
    assert (f"<{KETEN}vth>", "<http://www.w3.org/2004/02/skos/core#altLabel>", '"VTH-keten"@nl') not in \
        graph_triples(client, VTH_GRAPH)
    assert any(s.graph == HISTORY_GRAPH and s.triples > 0 for s in gen.sources)      # the history stays


def test_dump_and_restore_round_trip(client, store_dir, tmp_path):
    from ketengraaf.loading import load_catalogue, restore
    first = dump(store_dir)
    path = tmp_path / "catalogus.trig"
    path.write_bytes(first)
    other = tmp_path / "store"
    load_catalogue(make_settings(other))
    gen = restore(make_settings(other), path)
    assert all(s.written for s in gen.files)
    assert same_graphs(dump(other), first)            # blank nodes get new labels when the dump is read
    # a dump that does not conform is refused, and the store keeps serving what it had
    bad = tmp_path / "slecht.trig"
    bad.write_bytes(first + f"<{GRAPH}x> {{ <{KETEN}nieuw> a <https://w3id.org/ketengraaf/def#Keten> . }}".encode())
    from ketengraaf.errors import ValidationFailed
    restored = dump(other)
    with pytest.raises(ValidationFailed):
        restore(make_settings(other), bad)
    assert dump(other) == restored


def test_sparql_update_is_gated_authorised_and_exact(client, store_dir):
    before = generation(client)
    insert = (f'PREFIX skos: <http://www.w3.org/2004/02/skos/core#> INSERT DATA {{ GRAPH <{PARTNER_GRAPH}/update> '
              f'{{ <{KETEN}vth> skos:altLabel "Vergunningverlening, toezicht en handhaving"@nl }} }}')
    # without a token, or writing another graph than the token's: nothing happens
    assert client.post("/sparql", data={"update": insert}).status_code == 401
    r = client.post("/sparql", data=insert.replace(PARTNER_GRAPH, GRAPH + "elders"),
                    headers=auth(PARTNER, **{"Content-Type": "application/sparql-update"}))
    assert r.status_code == 403 and generation(client) == before
    # a default-graph insert goes to graph/standaard, which the partner may not write
    r = client.post("/sparql", data={"update": f'INSERT DATA {{ <{KETEN}vth> <http://www.w3.org/2004/02/skos/core#'
                                               'altLabel> "x"@nl }'}, headers=auth(PARTNER))
    assert r.status_code == 403 and GRAPH + "standaard" in r.get_json()["message"]
    r = client.post("/sparql", data={"update": insert}, headers=auth(PARTNER))
    assert r.status_code == 204, r.data
    assert graph_triples(client, PARTNER_GRAPH + "/update") == {
        (f"<{KETEN}vth>", "<http://www.w3.org/2004/02/skos/core#altLabel>",
         '"Vergunningverlening, toezicht en handhaving"@nl')}
    # a pattern update that would break the shapes: the chain's Dutch label removed everywhere
    r = client.post("/sparql", headers=auth(ADMIN, Accept="application/json"), data={"update": (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        f"DELETE {{ ?s skos:prefLabel ?l }} WHERE {{ BIND(<{KETEN}vth> AS ?s) ?s skos:prefLabel ?l }}")})
    assert r.status_code == 422 and "[LabelNederlands]" in r.get_json()["detail"]
    # a syntax error names line and column
    r = client.post("/sparql", data={"update": "INSERT DATA {\n  <a:b> <a:c> }"}, headers=auth(ADMIN))
    assert r.status_code == 400 and "line 2, column 15" in r.get_json()["message"]
    # LOAD fetches from the network: refused
    r = client.post("/sparql", data={"update": "LOAD <http://127.0.0.1:9/x.ttl>"}, headers=auth(ADMIN))
    assert r.status_code == 400 and "LOAD" in r.get_json()["message"]


def test_a_second_writer_process_is_refused_with_503(client, store_dir):
    """Only one process writes a store: its writer's copy is open read-write there (RocksDB allows one)."""
    import subprocess
    import sys
    r = client.post("/graph-store", query_string={"graph": PARTNER_GRAPH + "/eerste"}, data=ALT,
                   headers=auth(PARTNER, **TURTLE))
    assert r.status_code == 201
    script = f"""
import sys
sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
from conftest import make_app_client
c = make_app_client({str(store_dir)!r}, load_on_start=False, write_tokens={TOKENS!r})
r = c.post("/graph-store", query_string={{"graph": {PARTNER_GRAPH + "/tweede"!r}}}, data={ALT!r},
           headers={{"Authorization": "Bearer {PARTNER}", "Content-Type": "text/turtle"}})
print(r.status_code, r.get_json()["message"])
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    status, _, message = out.stdout.strip().partition(" ")
    assert status == "503", out.stdout + out.stderr
    assert "another ketengraaf process writes this store" in message
