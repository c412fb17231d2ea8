"""Editing a resource in the browser (/bewerken): the form, a saved edit, and every refusal (wrong token, a graph
the token may not write, a Turtle syntax error, a stale form, the shapes), each leaving the store as it was.
On a copy of the shipped catalogue; two writes reach validation (a full SHACL run each). Expected values are
written out by hand."""
from __future__ import annotations

import html as htmllib
import re

import pytest

from conftest import writable_copy
from web_helpers import HTML, ID

TOKEN = "redactie-0123456789abcdef"
NARROW = "lezer-0123456789abcdef00"          # may write one other graph only
VTH = ID + "keten/vth"
VTH_GRAPH = "https://w3id.org/ketengraaf/graph/data/ketens/vth.ttl"
OLD_LABEL = '"Vergunningverlening, toezicht en handhaving (VTH)"@nl'
NEW_LABEL = '"VTH-keten (bewerkt)"@nl'


@pytest.fixture(scope="module")
def client(catalogue_dir, tmp_path_factory):
    return writable_copy(catalogue_dir, tmp_path_factory.mktemp("edit") / "store",
                         write_tokens=f"redactie:{TOKEN}:https://w3id.org/ketengraaf/graph/* "
                                      f"lezer:{NARROW}:https://w3id.org/ketengraaf/graph/anders")


def _form(client) -> dict[str, str]:
    """The edit form of the VTH chain, as a browser would send it back."""
    r = client.get("/bewerken", query_string={"iri": VTH}, headers=HTML)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    fields = {name: htmllib.unescape(value)
              for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page)}
    fields["turtle"] = htmllib.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))
    return fields


def _generation(client) -> str:
    return client.get("/healthz").get_json()["generation"]


def _textarea(page: str) -> str:
    return htmllib.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))


def test_the_form_shows_the_description_in_its_graph(client):
    r = client.get("/bewerken", query_string={"iri": VTH}, headers=HTML)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert f"<code>{VTH_GRAPH}</code>" in page
    form = _form(client)
    assert form["iri"] == VTH and form["graph"] == VTH_GRAPH
    assert form["version"] == client.get("/healthz").get_json()["version"]
    assert f"<{VTH}> a keten:Estafetteketen" in form["turtle"]
    assert "skos:prefLabel" in form["turtle"] and OLD_LABEL in form["turtle"]
    assert '<input id="edit-token" name="token" type="password"' in page and 'name="token" value' not in page
    # linked from the chain page and from the generic resource page
    assert f'href="/bewerken?iri={VTH}"' in client.get("/id/keten/vth", headers=HTML).get_data(as_text=True)
    assert client.get("/bewerken", query_string={"iri": ID + "keten/bestaat-niet"}, headers=HTML).status_code == 404


def test_a_wrong_token_writes_nothing(client):
    form = _form(client)
    before = _generation(client)
    edited = form["turtle"].replace(OLD_LABEL, NEW_LABEL)
    r = client.post("/bewerken", data={**form, "turtle": edited, "token": "verkeerd-0123456789abcdef"}, headers=HTML)
    page = r.get_data(as_text=True)
    assert r.status_code == 401
    assert "Dit schrijftoken is niet bekend." in page and "Er is niets gewijzigd" in page
    assert _textarea(page) == edited                       # the edit is kept
    assert "verkeerd-0123456789abcdef" not in page          # the token is never echoed
    r = client.post("/bewerken", data={**form, "turtle": edited, "token": ""}, headers=HTML)
    assert r.status_code == 401 and "Vul een schrijftoken in." in r.get_data(as_text=True)
    assert _generation(client) == before


def test_a_token_for_other_graphs_is_forbidden(client):
    form = _form(client)
    before = _generation(client)
    r = client.post("/bewerken", data={**form, "turtle": form["turtle"].replace(OLD_LABEL, NEW_LABEL),
                                       "token": NARROW}, headers=HTML)
    assert r.status_code == 403
    assert f"Dit token mag de graaf {VTH_GRAPH} niet wijzigen." in r.get_data(as_text=True)
    assert _generation(client) == before


def test_a_syntax_error_names_line_and_column(client):
    form = _form(client)
    before = _generation(client)
    broken = ("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
              f'<{VTH}> skos:prefLabel "VTH"@nl ;\n'
              '    skos:altLabel "zonder puntkomma"@nl\n'
              '    skos:altLabel "x"@nl .\n')
    r = client.post("/bewerken", data={**form, "turtle": broken, "token": TOKEN}, headers=HTML)
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Geen geldige Turtle (regel:kolom 4:5)." in page
    assert _textarea(page) == broken
    assert _generation(client) == before


def test_saving_replaces_the_description_then_a_stale_form_is_refused(client):
    stale = _form(client)
    form = _form(client)
    before = _generation(client)
    r = client.post("/bewerken", data={**form, "turtle": form["turtle"].replace(OLD_LABEL, NEW_LABEL),
                                       "token": TOKEN}, headers=HTML)
    assert r.status_code == 303 and r.headers["Location"] == "/page/keten/vth"
    assert _generation(client) != before
    page = client.get("/id/keten/vth", headers=HTML).get_data(as_text=True)
    assert "<h1>VTH-keten (bewerkt)</h1>" in page or '<h1 lang="nl">VTH-keten (bewerkt)</h1>' in page
    # the change is exactly the label: one triple out, one in, in the chain's graph, by the token's name
    item = client.get("/wijzigingen.json").get_json()["items"][0]
    assert item["title"] == "bewerkt in de browser"
    assert item["content_text"] == f"1 triple(s) toegevoegd, 1 verwijderd, door redactie, in: {VTH_GRAPH}"
    # the form opened before the save: its description changed since, so saving it is a conflict
    after = _generation(client)
    r = client.post("/bewerken", data={**stale, "turtle": stale["turtle"].replace(OLD_LABEL, '"Oud"@nl'),
                                       "token": TOKEN}, headers=HTML)
    page = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "de beschrijving is gewijzigd sinds dit formulier werd geopend" in page
    now = client.get("/healthz").get_json()["version"]
    assert f"gemaakt bij versie {stale['version'][:12]}; de catalogus is nu bij versie {now[:12]}." in page
    assert '"Oud"@nl' in _textarea(page)
    assert _generation(client) == after


def test_an_edit_the_shapes_refuse_shows_the_new_results(client):
    form = _form(client)
    before = _generation(client)
    edited = form["turtle"].replace(NEW_LABEL, NEW_LABEL + ', "Een tweede Nederlands label"@nl')
    r = client.post("/bewerken", data={**form, "turtle": edited, "token": TOKEN}, headers=HTML)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Niet opgeslagen: de wijziging brengt deze nieuwe validatieresultaten mee." in page
    assert "Er is meer dan één voorkeurslabel (skos:prefLabel) in dezelfde taal." in page     # kgs:LabelEenPerTaal
    assert _textarea(page) == edited
    assert _generation(client) == before
    r = client.post("/bewerken?lang=en", data={**form, "turtle": edited, "token": TOKEN}, headers=HTML)
    assert "There is more than one preferred label (skos:prefLabel) in the same language." in r.get_data(as_text=True)
    assert _generation(client) == before
