"""The wikis in the browser: the gadget API with CORS for the configured wikis only (Flask test
client and real HTTP on loopback), the link report page, the review form, and the macro that
shows a resource's wiki links on its page."""
from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request

import pytest
from flask import render_template_string

from ketengraaf import create_app
from ketengraaf.loading import load_catalogue
from ketengraaf.wiki import service
from conftest import LiveServer
from paths import ROOT
from wiki_helpers import G, I, N, PROCESARCHITECTUUR, settings_for, wiki_catalogue

GEMMA_ORIGIN, NORA_ORIGIN = "https://www.gemmaonline.nl", "https://www.noraonline.nl"
HOOK = '{% from "wiki_links.html" import wiki_links with context %}{{ wiki_links(wiki_links_for(iri)) }}'


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("wikiweb")
    settings = wiki_catalogue(root)
    service.match(settings)                                  # proposals for the review page
    load_catalogue(settings, validate=False)                 # SHACL of these files: test_wiki_smw
    a = create_app(settings_for(root, load_on_start=False, wiki_review_in_browser=True))
    a.testing = True
    return a


@pytest.fixture()
def client(app):
    return app.test_client()


def api(client, origin=None, **params):
    return client.get("/api/wiki-links", query_string=params, headers={"Origin": origin} if origin else {})


def test_gemma_title_answers_its_resource_with_cors_for_gemma(client):
    r = api(client, GEMMA_ORIGIN, wiki="gemma", title="GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be")
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == GEMMA_ORIGIN and "Origin" in r.headers["Vary"]
    body = r.get_json()
    assert body["page"] == G + "GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be" and body["in_export"]
    (res,) = body["resources"]
    assert res["iri"] == I + "gemma/0b074927-d206-4f8c-b3d2-d21bb6fb37be" and res["label"] == "Toezichthouden"
    assert "https://w3id.org/ketengraaf/def#GemmaProces" in [t["iri"] for t in res["types"]]
    assert res["url"] == res["iri"] and res["html"].endswith("/id/gemma/0b074927-d206-4f8c-b3d2-d21bb6fb37be")


def test_nora_title_answers_the_chains_with_cors_for_nora(client):
    r = api(client, NORA_ORIGIN, wiki="nora", title="Ketensturing/De wereld van ketens")
    assert r.headers["Access-Control-Allow-Origin"] == NORA_ORIGIN
    got = {x["iri"]: x for x in r.get_json()["resources"]}
    assert set(got) == {I + "keten/vth", I + "keten/veiligheidsketen", I + "keten/vergunning-met-extern-advies"}
    assert {"Illustratie", "Estafetteketen"} <= {t["label"] for t in got[I + "keten/vth"]["types"]}
    # the same page through its redirect, and by its URL as the model writes it (no www)
    assert api(client, wiki="nora", title="Ketensturing/Wereld_van_ketens").get_json()["redirect_to"] == \
        N + "Ketensturing/De_wereld_van_ketens"
    by_url = api(client, page="https://noraonline.nl/wiki/Ketensturing/De_wereld_van_ketens").get_json()
    assert len(by_url["resources"]) == 3


@pytest.mark.parametrize("origin", ["https://evil.example", "https://www.gemmaonline.nl.evil.example",
                                    "http://www.gemmaonline.nl.example", "null", "https://noraonline.nl.example"])
def test_other_origins_get_no_cors(client, origin):
    r = api(client, origin, wiki="gemma", title="Procesarchitectuur Impact van ketensamenwerking")
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers
    assert "Origin" in r.headers["Vary"]


def test_preflight_and_errors_keep_the_cors_rules(client):
    r = client.options("/api/wiki-links", headers={"Origin": GEMMA_ORIGIN, "Access-Control-Request-Method": "GET"})
    assert r.status_code == 204 and r.headers["Access-Control-Allow-Origin"] == GEMMA_ORIGIN
    bad = api(client, NORA_ORIGIN, wiki="gemma")
    assert bad.status_code == 400 and bad.headers["Access-Control-Allow-Origin"] == NORA_ORIGIN
    assert api(client, wiki="wikipedia", title="X").status_code == 404
    assert api(client, page="https://example.org/wiki/X").status_code == 400
    unknown = api(client, wiki="gemma", title="Bestaat niet").get_json()
    assert unknown["resources"] == [] and unknown["in_export"] is False


def test_real_http_on_loopback(app):
    srv = LiveServer(app)
    try:
        req = urllib.request.Request(srv.url + "/api/wiki-links?wiki=gemma&title=Procesarchitectuur_Impact_van_"
                                     "ketensamenwerking", headers={"Origin": GEMMA_ORIGIN})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.headers["Access-Control-Allow-Origin"] == GEMMA_ORIGIN
            assert "Origin" in resp.headers["Vary"]
            body = json.load(resp)
        assert I + "keten/vth" in {r["iri"] for r in body["resources"]} and len(body["resources"]) >= 7
        req = urllib.request.Request(srv.url + "/api/wiki-links?wiki=nora&title=Ketensturing", headers={
            "Origin": "https://attacker.example"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.headers.get("Access-Control-Allow-Origin") is None
    finally:
        srv.stop()


def test_the_report_page(client):
    r = client.get("/wiki/rapport", headers={"Accept": "text/html"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-count="broken">0<' in html and 'data-count="stale">1<' in html
    assert "Procesarchitectuur Impact van ketensamenwerking" in html
    data = client.get("/wiki/rapport?format=json").get_json()
    assert data["counts"]["broken"] == 0 and data["flagged"]["stale"][0]["page"] == PROCESARCHITECTUUR
    assert client.get("/wiki/rapport?format=csv").mimetype == "text/csv"


def test_the_resource_page_hook_marks_the_stale_page(app):
    with app.test_request_context("/id/keten/vth"):
        html = render_template_string(HOOK, iri=I + "keten/vth")
    assert "GEMMA online" in html and "NORA online" in html
    assert PROCESARCHITECTUUR in html and "2023-10-06" in html
    assert 'data-flag="stale"' in html and "Mogelijk verouderd" in html and 'class="wiki-page outdated"' in html
    with app.test_request_context("/id/keten/vth?lang=en"):
        app.preprocess_request()                    # the hook that reads ?lang= (as a real request runs it)
        assert "not edited for long" in render_template_string(HOOK, iri=I + "keten/vth")
    with app.test_request_context("/id/rol/regisseur"):
        assert render_template_string(HOOK, iri=I + "rol/regisseur").strip() == ""


def test_review_in_the_browser(app, client):
    page = client.get("/wiki/voorstellen", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Ketensturing/Ketenkaart" in page and "<form" in page
    root = app.config["KETENGRAAF"].catalogue.root
    proposal = next(p for p in service.match(app.config["KETENGRAAF"], write=False)
                    if p.subject == I + "sturingsbouwsteen/ketenkaart")
    cross = client.post(f"/wiki/voorstellen/{proposal.id}", data={"decision": "accept"},
                        headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert client.post(f"/wiki/voorstellen/{proposal.id}", data={"decision": "accept"}).status_code == 403  # no Origin
    ok = client.post(f"/wiki/voorstellen/{proposal.id}", data={"decision": "accept"},
                     headers={"Origin": "http://localhost"})
    assert ok.status_code == 303
    links = (root / "data" / "wiki" / "links.ttl").read_text(encoding="utf-8")
    assert f"<{I}sturingsbouwsteen/ketenkaart> keten:wikiPagina <{N}Ketensturing/Ketenkaart>" in links


def test_review_is_off_by_default(tmp_path):
    settings = wiki_catalogue(tmp_path)
    load_catalogue(settings, validate=False)
    a = create_app(settings_for(tmp_path, load_on_start=False))
    c = a.test_client()
    assert c.post("/wiki/voorstellen/abc", data={"decision": "accept"}, headers={"Origin": "http://localhost"}
                  ).status_code == 403
    page = c.get("/wiki/voorstellen", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "wiki_review_in_browser" in page


GADGET_RUNNER = r"""
const gadget = require(process.argv[2]);
const added = [];
const config = {wgNamespaceNumber: 0, wgAction: 'view', wgServer: process.argv[3], wgPageName: process.argv[4],
                wgUserLanguage: 'nl'};
const mw = {config: {get: (k) => config[k]},
            util: {addPortletLink: (portlet, href, text, id, tip) => {
                added.push({portlet, href, text, id, tip}); return {}; }}};
gadget.run(mw).then(() => { console.log(JSON.stringify(added)); });
"""


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
def test_the_gadget_in_node_against_the_api(app, tmp_path):
    runner = tmp_path / "run.js"
    runner.write_text(GADGET_RUNNER)
    gadget = tmp_path / "gadget.js"
    srv = LiveServer(app)
    try:
        gadget.write_text(f"global.window = global; window.ketengraafGadget = {{base: '{srv.url}/'}};\n"
                          + (ROOT / "docs" / "wiki-gadget.js").read_text(encoding="utf-8"))
        got = {}
        for server, title in [("https://www.noraonline.nl", "Ketensturing/De_wereld_van_ketens"),
                              ("//www.gemmaonline.nl", "GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be"),
                              ("https://example.org", "Ketensturing")]:
            out = subprocess.run(["node", str(runner), str(gadget), server, title], capture_output=True, text=True,
                                 timeout=60, check=True)
            got[server] = json.loads(out.stdout)
            assert all(a["portlet"] == "p-tb" and a["href"].startswith(srv.url + "/id/") for a in got[server])
        assert {a["text"] for a in got["https://www.noraonline.nl"]} == {
            "Vergunningverlening, toezicht en handhaving (VTH)", "Veiligheidsketen", "Vergunning met extern advies"}
        assert [a["text"] for a in got["//www.gemmaonline.nl"]] == ["Toezichthouden"]
        assert "GEMMA-proces" in got["//www.gemmaonline.nl"][0]["tip"]
        assert got["https://example.org"] == []        # not a configured wiki: the gadget does nothing
    finally:
        srv.stop()
