"""The chain view (web/chain.py) on the shipped catalogue: flow order, participation, the lead,
GEMMA places, the diagram inline and as a download, the property view one click away, the matrix."""
from __future__ import annotations

import re

from web_helpers import HTML

NL = {**HTML, "Accept-Language": "nl"}


def _steps(body: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m) for m in
            re.findall(r'<h3><span class="step-n">\d+\.</span> (<a [^>]+>[^<]+</a>)', body)]


def test_relay_processes_come_in_the_order_of_the_relay(client):
    body = client.get("/id/keten/vth?lang=nl", headers=NL).data.decode()
    # alphabetical order would be Handhaving, Toezicht, Vergunningverlening
    assert _steps(body) == ["Vergunningverlening", "Toezicht", "Handhaving"]
    assert "Estafettemodel" in body or "Estafetteketen" in body
    assert "elke partij is verantwoordelijk voor haar eigen proces" in body      # the model in one sentence
    # Toezicht needs the result of step 1
    toezicht = body.split('id="stap-2"')[1].split('id="stap-3"')[0]
    assert '<a href="#stap-1">1. Vergunningverlening</a>' in toezicht
    assert 'href="/id/partner/omgevingsdienst">Omgevingsdienst</a>' in toezicht
    # Handhaving needs the result of step 2
    assert '<a href="#stap-2">2. Toezicht</a>' in body.split('id="stap-3"')[1]


def test_orchestration_starts_with_the_main_process_and_names_the_lead(client):
    body = client.get("/id/keten/vergunning-met-extern-advies?lang=nl", headers=NL).data.decode()
    assert _steps(body) == ["Vergunningverlening", "Advies van een externe partij"]
    assert 'Leidende partij: <a href="/id/partner/gemeente">Gemeente</a>' in body
    advice = body.split('id="stap-2"')[1]
    assert "Namens" in advice and 'href="/id/partner/gemeente">Gemeente</a>' in advice
    # the municipality's participation steers the one external adviser (data/ketens/vergunning-met-extern-advies.ttl)
    row = re.search(r'<tr>\s*<th scope="row"><a href="/id/partner/gemeente">Gemeente</a>.*?</tr>', body, re.S).group(0)
    assert "leidend" in row and 'href="/id/rolsoort/leidend">Leidend</a>' in row
    assert ">Externe adviseur</a>" in row


def test_participation_table_has_role_kind_and_period(client):
    body = client.get("/id/keten/vth?lang=nl", headers=NL).data.decode()
    row = re.search(r'<tr>\s*<th scope="row"><a href="/id/partner/omgevingsdienst">.*?</tr>', body, re.S).group(0)
    assert 'href="/id/rol/uitvoerder">Uitvoerder</a>' in row
    assert 'href="/id/rolsoort/leverend">Leverend</a>' in row                 # the role's kind (begrippen.ttl)
    assert '<time datetime="2024-01-01">2024-01-01</time>' in row


def test_gemma_landscape_and_chain_process_per_step(client):
    body = client.get("/id/keten/vth?lang=en", headers=HTML).data.decode()
    step1 = body.split('id="stap-1"')[1].split('id="stap-2"')[0]
    assert 'href="/id/gemma/85fdb525-85a2-40d0-b90c-f4cfd4306ef7"' in step1
    assert 'href="/id/ketenproces/uitvoeren-en-aansturen"' in step1
    assert "Place in GEMMA&#39;s process landscape" in step1 or "Place in GEMMA's process landscape" in step1
    assert 'href="/id/sturingsbouwsteen/ketenoverlegstructuur"' in body


def test_wiki_links_and_definition_appear_once(client):
    body = client.get("/id/keten/vth?lang=nl", headers=NL).data.decode()
    # what a reader sees: the page's embedded JSON-LD (its whole description, for machines) aside
    body = re.sub(r'<script type="application/ld\+json">.*?</script>', "", body, flags=re.S)
    assert body.count("https://www.noraonline.nl/wiki/Ketensturing/De_wereld_van_ketens") == 1
    assert body.count("Keten van drie samenhangende dienstverleningsprocessen") == 1


def test_diagram_inline_wide_and_narrow_with_unique_ids(client):
    body = client.get("/id/keten/vth?lang=nl", headers=NL).data.decode()
    assert body.count("<svg ") == 2
    assert 'class="diagram-scroll diagram-wide"' in body and 'class="diagram-scroll diagram-narrow"' in body
    assert "ketendiagram-smal" in body
    ids = re.findall(r'\sid="([^"]+)"', body)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert 'href="/id/proces/vth-toezicht"' in body.split("<svg ")[1]          # boxes link to this server


def test_diagram_download_is_svg_with_etag(client):
    r = client.get("/id/keten/vth.svg?lang=en")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert r.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')
    assert b"Permits, supervision and enforcement (VTH)" in r.data
    again = client.get("/id/keten/vth.svg?lang=en", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    by_query = client.get("/diagram?iri=vth&smal=1")
    assert by_query.mimetype == "image/svg+xml" and b"ketendiagram-smal" in by_query.data
    assert client.get("/id/keten/bestaat-niet.svg").status_code == 404
    assert client.get("/diagram?iri=https://w3id.org/ketengraaf/id/partner/gemeente").status_code == 404
    assert client.get("/diagram").status_code == 400


def test_property_view_and_rdf_stay_reachable(client):
    page = client.get("/id/keten/vth?lang=nl", headers=NL).data.decode()
    assert 'href="/id/keten/vth?view=eigenschappen"' in page
    props = client.get("/id/keten/vth?view=eigenschappen&lang=nl", headers=NL).data.decode()
    assert "Wat verwijst hierheen" in props and "<svg " not in props
    ttl = client.get("/id/keten/vth", headers={"Accept": "text/turtle"})
    assert ttl.mimetype == "text/turtle" and b"Estafetteketen" in ttl.data


def test_matrix_shows_each_partners_role_per_chain(client):
    body = client.get("/ketens/matrix?lang=nl", headers=NL).data.decode()
    heads = re.findall(r'<th scope="col"><a href="/id/keten/([^"]+)">', body)
    assert heads == ["nazorg-ex-gedetineerden", "schuldhulpverlening", "veiligheidsketen",
                     "vergunning-met-extern-advies", "vth"]
    row = re.search(r'<tr><th scope="row"><a href="/id/partner/omgevingsdienst">.*?</tr>', body, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert len(cells) == 5
    assert "geen deelname" in cells[0] and "Uitvoerder" in cells[4]
    assert 'href="/id/netwerk/wijknetwerk-zorg-en-welzijn"' in body          # the network and its participants
    assert 'href="/id/partner/woningcorporatie"' in body.split("wijknetwerk-zorg-en-welzijn")[1]


def test_home_shows_chains_by_model_with_thumbnails_and_one_search(client):
    body = client.get("/?lang=nl", headers=NL).data.decode()
    assert body.count('role="search"') == 1
    assert '<img src="/diagram?iri=https://w3id.org/ketengraaf/id/keten/vth"' in body
    relay = body.split(">Estafetteketen</a>")[1].split("<h3>")[0]
    assert relay.count("<img ") == 3                        # nazorg, schuldhulpverlening, vth
    domain, gemma = body.split('id="counts-h"')[1].split('id="gemma-counts-h"')
    assert ">Ketenpartner</a>" in domain and ">ArchiMate-view</a>" not in domain
    gemma = gemma.split('id="other-counts-h"')[0]
    assert ">GEMMA-proces</a>" in gemma and ">ArchiMate-view</a>" in gemma and ">Map</a>" in gemma
    thumb = client.get("/diagram?iri=vth")
    assert re.match(rb'<\?xml[^>]*>\n<svg [^>]*width="\d+(\.\d+)?" height="\d+(\.\d+)?"', thumb.data)


def _hits(body: str) -> list[str]:
    items = re.findall(r"<li><a href=\"[^\"]+\">.*?</li>", body.split('<ol class="hits"')[1].split("</ol>")[0], re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip() for li in items]


def test_search_shows_one_hit_per_resource_with_its_type_and_chain(client):
    body = client.get("/search?q=toezichthouden&lang=nl", headers=NL).data.decode()
    hits = _hits(body)
    assert len(hits) == 1 and hits[0].startswith("Toezichthouden Bedrijfsproces GEMMA-proces")   # not its wiki page
    body = client.get("/search?q=vergunningverlening&lang=nl", headers=NL).data.decode()
    hits = _hits(body)
    assert hits[0].startswith("Vergunningverlening Dienstverleningsproces in Vergunning met extern advies")
    assert hits[1].startswith("Vergunningverlening Dienstverleningsproces in Vergunningverlening, toezicht en "
                              "handhaving (VTH)")
    assert body.count('role="search"') == 1


def test_search_pages(client):
    first = client.get("/search?q=keten&lang=nl", headers=NL).data.decode()
    total = int(re.search(r'class="total">(\d+)', first).group(1))
    assert total > 20
    assert len(_hits(first)) == 20 and 'rel="next" ' not in first and 'rel="next"' in first
    second = client.get("/search?q=keten&lang=nl&page=2", headers=NL).data.decode()
    assert '<ol class="hits" start="21">' in second and 'rel="prev"' in second
    assert not set(_hits(first)) & set(_hits(second))
    assert client.get("/search?q=keten&page=0", headers=NL).status_code == 400


def test_sparql_error_is_explained_in_the_readers_language(client):
    nl = client.get("/sparql?query=SELEC%20nonsense&lang=nl", headers=NL)
    assert nl.status_code == 400
    body = nl.data.decode()
    assert "De query kon niet worden uitgevoerd." in body and '<span lang="en">' in body
    en = client.get("/sparql?query=SELEC%20nonsense&lang=en", headers=HTML).data.decode()
    assert "The query could not be run." in en


def test_gemma_landscape_marks_the_places_chains_use(client):
    body = client.get("/gemma/processen?lang=nl", headers=NL).data.decode()
    assert "<summary><a" not in body
    toezichthouden = "/id/gemma/0b074927-d206-4f8c-b3d2-d21bb6fb37be"
    node = re.search(rf'<li class="used[^"]*"><a href="{toezichthouden}">[^<]+</a>.*?</li>', body, re.S).group(0)
    assert 'href="/id/proces/vth-toezicht">Toezicht</a>' in node and 'href="/id/keten/vth">' in node
