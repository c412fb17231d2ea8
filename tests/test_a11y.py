"""Accessibility and HTML validity of the main pages: axe-core in Chromium, the Nu HTML checker on
the served HTML. Any axe violation or Nu error fails.

Needs the npm packages ``axe-core`` and ``vnu-jar``, pinned in ``tests/.node/package.json`` (its
``node_modules`` is ignored by git); the test installs them with ``npm ci`` when they are missing
(``.ci/run`` does the same up front), and skips with a reason when npm, Java or Chromium is not there.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import LiveServer, writable_copy
from paths import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
NODE = ROOT / "tests" / ".node"
AXE = NODE / "node_modules" / "axe-core" / "axe.min.js"
VNU = NODE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
NPM_INSTALL = ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(NODE)]
QUERY = "SELECT ?keten ?label WHERE { ?keten a <https://w3id.org/ketengraaf/def#Estafetteketen> ; " \
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label . FILTER(lang(?label) = 'nl') } ORDER BY ?label"
PAGES = {
    "home": "/",
    "chain": "/id/keten/vth",
    "orchestration": "/id/keten/vergunning-met-extern-advies",
    "process": "/id/proces/vth-toezicht",
    "ontology": "/def",
    "search": "/search?q=vergunning",
    "sparql": "/sparql?query=" + quote(QUERY),
    "quality": "/quality",
    "gemma-processen": "/gemma/processen",
    "upl": "/upl/ketenkandidaten",
    "matrix": "/ketens/matrix",
    "changes-empty": "/wijzigingen",
    "edit": "/bewerken?iri=" + quote("https://w3id.org/ketengraaf/id/keten/vth", safe=":/"),
}
# pages that need a write first: served by a copy of the catalogue with one write made over HTTP
# ({change}: that write's id); "edit-refused" is the edit form after a save with bad Turtle (a 400 page)
TOKEN = "a11y-0123456789abcdef"
VTH = "https://w3id.org/ketengraaf/id/keten/vth"
VTH_GRAPH = "https://w3id.org/ketengraaf/graph/data/ketens/vth.ttl"
WRITTEN = {
    "changes": "/wijzigingen",
    "change": "/wijzigingen/{change}",
    "resource-history": "/id/proces/vth-toezicht",
    "edit-refused": "/bewerken?iri=" + quote("https://w3id.org/ketengraaf/id/keten/vth", safe=":/"),
}
ALL = {**PAGES, **WRITTEN}

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)


def _tools() -> None:
    if not (AXE.exists() and VNU.exists()):
        if shutil.which("npm") is None:
            pytest.skip("npm is missing: cannot install axe-core and vnu-jar into tests/.node")
        done = subprocess.run(NPM_INSTALL, capture_output=True, text=True, timeout=600)
        if not (AXE.exists() and VNU.exists()):
            pytest.skip(f"npm could not install axe-core and vnu-jar: {done.stderr[-300:]}")


AXE_RUN = """() => axe.run(document, {resultTypes: ['violations']})
    .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.html.slice(0, 160))})))"""


def _check(page) -> tuple[list, int]:
    """(axe violations, px the page scrolls sideways at 390 px) of the page as loaded."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(AXE_RUN)
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    return result, overflow


@pytest.fixture(scope="module")
def pages(embedded_live_server, catalogue_dir, tmp_path_factory):
    """name -> (served HTML file, axe violations, px it scrolls sideways at 390 px), each page loaded
    once in Chromium."""
    _tools()
    out_dir = tmp_path_factory.mktemp("a11y")
    found = {}
    client = writable_copy(catalogue_dir, tmp_path_factory.mktemp("a11y-written") / "store",
                           write_tokens=f"a11y:{TOKEN}:https://w3id.org/ketengraaf/graph/*")
    written = LiveServer(client.application)
    r = client.post("/graph-store?graph=https://w3id.org/ketengraaf/graph/a11y",
                    data=(f"<{VTH}> <http://www.w3.org/2000/01/rdf-schema#comment> \"Proef\"@nl .\n"
                          f"<https://w3id.org/ketengraaf/id/proces/vth-toezicht> "
                          f"<http://www.w3.org/2000/01/rdf-schema#seeAlso> <{VTH}> ."),
                    headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "text/turtle"})
    assert r.status_code == 201
    change = client.get("/wijzigingen.json").get_json()["items"][0]["id"].rsplit("/", 1)[1]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        # the app sends a Content-Security-Policy without inline scripts; axe is injected by the test tool,
        # not by a page, so the test browser lets the tool past it (the pages themselves are unchanged)
        ctx = browser.new_context(locale="nl-NL", bypass_csp=True)
        page = ctx.new_page()
        for name, path in ALL.items():
            base = (written if name in WRITTEN else embedded_live_server).url
            url = base + path.format(change=change)
            html = out_dir / f"{name}.html"
            page.goto(url)
            if name == "edit-refused":        # a save with bad Turtle: the form again, with the error
                page.fill("#edit-turtle", "<a> <b> .")
                page.fill("#edit-token", TOKEN)
                with page.expect_navigation():
                    page.click("form.edit button[type=submit]")
                assert page.locator("#edit-error").is_visible()
                resp = ctx.request.post(base + "/bewerken", form={"iri": VTH, "graph": VTH_GRAPH, "digest": "",
                                                                  "turtle": "<a> <b> .", "token": TOKEN},
                                        headers={"Accept": "text/html"})
                assert resp.status == 400, f"{path}: {resp.status}"
            else:
                resp = ctx.request.get(url, headers={"Accept": "text/html"})
                assert resp.status == 200, f"{path}: {resp.status}"
            html.write_bytes(resp.body())
            found[name] = (html, *_check(page))
        browser.close()
    written.stop()
    return found


@pytest.mark.parametrize("name", ALL)
def test_axe_finds_no_violation(pages, name):
    _, violations, _ = pages[name]
    assert not violations, json.dumps(violations, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("name", ALL)
def test_no_sideways_scroll_on_a_phone(pages, name):
    assert pages[name][2] <= 1, f"{ALL[name]} scrolls sideways by {pages[name][2]}px at 390 px"


def test_nu_html_checker_finds_no_error(pages):
    if shutil.which("java") is None:
        pytest.skip("java is missing: the Nu HTML checker needs it")
    files = [str(html) for html, _, _ in pages.values()]
    done = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                          capture_output=True, text=True, timeout=600)
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
              if m.get("type") == "error"]
    assert not errors, "\n".join(errors[:40])
