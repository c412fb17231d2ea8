"""What a load derives: RDFS inference a reader expects, and the validation report as data with
since-when per result (issue: answers you can trust, items 7 and 8)."""
from __future__ import annotations

import json
import time
from pathlib import Path

from conftest import make_app_client
from ketengraaf.loading import INFERENCE_GRAPH, REPORT_GRAPH, load
from ketengraaf.store.oxigraph import OxigraphStore, current_generation
from ketengraaf.validation import validate_sources
from paths import ROOT

ID = "https://w3id.org/ketengraaf/id/"
KETEN = "https://w3id.org/ketengraaf/def#"
# every chain of data/ketens, read from its type line (Estafette-, Orkestratie-, Doelketen are keten:Keten)
CHAINS = {ID + "keten/" + s for s in ("nazorg-ex-gedetineerden", "schuldhulpverlening", "veiligheidsketen",
                                      "vergunning-met-extern-advies", "vth")}
SELECT_CHAINS = f"SELECT DISTINCT ?k WHERE {{ ?k a <{KETEN}Keten> }}"


def _rows(client, query: str) -> list[dict]:
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return json.loads(r.get_data())["results"]["bindings"]


def test_a_chain_is_a_keten_without_writing_the_subclass_path(client):
    """Before, `?s a keten:Keten` found nothing: every chain is typed with a subclass."""
    assert {b["k"]["value"] for b in _rows(client, SELECT_CHAINS)} == CHAINS


def test_inferred_statements_sit_in_their_own_graph_and_only_there(client):
    rows = _rows(client, f"SELECT ?k WHERE {{ GRAPH <{INFERENCE_GRAPH}> {{ ?k a <{KETEN}Keten> }} }}")
    assert {b["k"]["value"] for b in rows} == CHAINS
    # nothing the sources state is repeated in the inference graph
    dup = _rows(client, f"""SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERENCE_GRAPH}> {{ ?s ?p ?o }}
                              GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{INFERENCE_GRAPH}>) }} LIMIT 1""")
    assert dup == []


def test_inference_can_be_switched_off(tmp_path):
    client = make_app_client(tmp_path / "store", inference=False)
    assert _rows(client, SELECT_CHAINS) == []
    gen = current_generation(tmp_path / "store")
    assert INFERENCE_GRAPH not in gen.graphs and gen.extra["inference"] is False


def test_the_report_is_a_named_graph_with_time_shapes_version_and_since(client):
    rows = _rows(client, f"""
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?focus ?shape ?severity ?since ?created ?shapes WHERE {{ GRAPH <{REPORT_GRAPH}> {{
            ?report a sh:ValidationReport ; dct:created ?created ; owl:versionInfo ?shapes ;
                    sh:result ?r .
            ?r sh:focusNode ?focus ; sh:sourceShape ?shape ; sh:resultSeverity ?severity ; dct:created ?since }} }}""")
    # the shipped catalogue's one result: the intended warning on the debt-assistance chain
    assert [(b["focus"]["value"], b["shape"]["value"].rsplit("#", 1)[1], b["severity"]["value"]) for b in rows] == [
        (ID + "keten/schuldhulpverlening", "KlantdoelOrkestratie", "http://www.w3.org/ns/shacl#Warning")]
    (b,) = rows
    assert b["shapes"]["value"].startswith("shapes sha256:")
    assert b["since"]["value"] == b["created"]["value"]          # a first load: every result is new
    # the report is not data: it stays out of the default graph
    ask = client.get("/sparql", query_string={"query": "ASK { ?r a <http://www.w3.org/ns/shacl#ValidationResult> }"},
                     headers={"Accept": "application/sparql-results+json"})
    assert json.loads(ask.get_data())["boolean"] is False


def _since(store_dir: Path) -> dict[tuple[str, str], str]:
    rows = OxigraphStore(store_dir).select(f"""
        SELECT ?focus ?shape ?since WHERE {{ GRAPH <{REPORT_GRAPH}> {{
            ?r <http://www.w3.org/ns/shacl#focusNode> ?focus ; <http://www.w3.org/ns/shacl#sourceShape> ?shape ;
               <http://purl.org/dc/terms/created> ?since }} }}""")
    return {(r["focus"].value, r["shape"].value.rsplit("#", 1)[1]): r["since"].value for r in rows}


def test_a_result_keeps_the_time_it_first_appeared(tmp_path):
    """Since when each result exists: a result still there in a later load keeps its first time; a
    new one gets the later load's."""
    fixtures = ROOT / "tests" / "fixtures" / "shapes"
    warning = fixtures / "KlantdoelOrkestratie" / "invalid-estafette-met-klantdoel.ttl"
    violation = fixtures / "DeelnamePeriode" / "invalid-einde-voor-begin.ttl"
    store = tmp_path / "store"
    load(store, [warning], validator=validate_sources, root=ROOT)
    first = _since(store)
    assert list(first) == [(ID + "keten/vth", "KlantdoelOrkestratie")]
    time.sleep(1.1)                                   # the times have a resolution of one second
    load(store, [warning, violation], validator=validate_sources, root=ROOT, allow_violations=True)
    second = _since(store)
    assert second[(ID + "keten/vth", "KlantdoelOrkestratie")] == first[(ID + "keten/vth", "KlantdoelOrkestratie")]
    new = [v for k, v in second.items() if k[1] == "DeelnamePeriode"]
    assert len(new) == 1 and new[0] > first[(ID + "keten/vth", "KlantdoelOrkestratie")]


def test_the_quality_page_says_since_when_and_that_violations_were_allowed(tmp_path):
    """Each result on /quality carries the time it first appeared; a generation published with
    --allow-violations says so there."""
    from web_helpers import FIXTURES
    client = make_app_client(tmp_path / "store", sources=str(FIXTURES), allow_violations=True)
    page = client.get("/quality", headers={"Accept": "text/html"}).get_data(as_text=True)
    gen = current_generation(tmp_path / "store")
    assert gen.extra["validation"]["violations"] > 0 and gen.extra["validation"]["allowed_violations"]
    assert "--allow-violations" in page
    created = gen.created.strftime("%Y-%m-%d")
    assert f">{created}</time>" in page


def test_pages_mark_inferred_statements(client):
    """vth is stated an Estafetteketen (data/ketens/vth.ttl); keten:Keten is inferred, and the page says so."""
    page = client.get("/id/keten/vth?view=eigenschappen", headers={"Accept": "text/html", "Accept-Language": "en"}
                      ).get_data(as_text=True)                      # the property view lists every type
    types = page.split('<p class="types">', 1)[1].split("</p>", 1)[0]
    stated = types.split('href="/def/Estafetteketen"', 1)[1].split("</a>", 1)[0]
    inferred = types.split('href="/def/Keten"', 1)[1].split("</a>", 1)[0]
    assert "(inferred)" not in stated and "(inferred)" in inferred
