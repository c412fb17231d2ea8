"""The browser in a real browser: Playwright driving Debian's Chromium against a live server.

Skips with a reason when playwright or /usr/bin/chromium is missing. Set
KETENGRAAF_SCREENSHOTS=1 to (re)write docs/screenshots/*.png.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from conftest import LiveServer, make_app_client, writable_copy
from web_helpers import FIXTURES

pytestmark = pytest.mark.browser      # every test here drives Chromium: `-m "not browser"` leaves them out

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
BROWSER_PAGES = 250          # pages opened in Chromium (console errors, rendering)
CHECKED_PAGES = 2000         # pages whose status is checked in all
# data downloads (not pages), chain diagrams (SVG files: a browser opening one asks for /favicon.ico;
# tests/test_web_chain.py checks them), the change feeds (Atom, JSON Feed: files too; tests/test_web_history.py
# parses them) and example queries (run by the SPARQL tests) are not crawled
SKIP = re.compile(r"(/data/|[?&]format=|/static/|/sparql\?|/\.well-known/|/diagram\?"
                  r"|\.(ttl|nt|jsonld|rdf|trig|nq|svg|atom|json)$)")

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def fixture_server(tmp_path_factory):
    client = make_app_client(tmp_path_factory.mktemp("browser") / "store", sources=str(FIXTURES), allow_violations=True)
    srv = LiveServer(client.application)
    yield srv
    srv.stop()


def _page(browser, **kw):
    ctx = browser.new_context(**kw)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    return ctx, page, errors


def _shot(page, name: str) -> None:
    if os.environ.get("KETENGRAAF_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_search_follow_switch_language_inbound_and_shacl(browser, fixture_server):
    ctx, page, errors = _page(browser, locale="nl-NL")
    base = fixture_server.url
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "ketengraaf"
    page.fill("#home-q", "omgevingsvergunning")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=omgevingsvergunning"))
    page.get_by_role("link", name="Omgevingsvergunning", exact=True).first.click()
    page.wait_for_url(re.compile(r"/id/keten/omgevingsvergunning"))
    assert page.locator("h1").inner_text() == "Omgevingsvergunning"
    shacl = page.locator("#shacl")
    assert "Overtreding" in shacl.inner_text() and "hoofdproces" in shacl.inner_text()
    assert "Fire brigade" in page.locator("table.participation").inner_text()     # the chain view's partners
    page.get_by_role("link", name="EN", exact=True).click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("h1").inner_text() == "Environmental permit"
    assert "Violation" in page.locator("#shacl").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(base + "/id/keten/vth")            # the choice sticks (cookie)
    assert page.locator("h1").inner_text() == "VTH chain"
    assert not errors, errors
    ctx.close()


def test_typeahead_is_a_keyboard_listbox(browser, fixture_server):
    ctx, page, errors = _page(browser, locale="nl-NL")
    page.goto(fixture_server.url + "/def")
    box = page.locator("#site-q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    box.click()
    page.keyboard.type("omgevingsverg")
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    listbox.locator("[role=option]").first.wait_for()
    assert listbox.get_attribute("role") == "listbox" and box.get_attribute("aria-expanded") == "true"
    first = listbox.locator("[role=option]").first
    assert first.inner_text().startswith("Omgevingsvergunning")
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and listbox.is_hidden()
    assert box.get_attribute("aria-activedescendant") is None
    page.keyboard.press("ArrowDown")                 # opens again on the same hits
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/id/keten/omgevingsvergunning$"))
    assert page.locator("h1").inner_text() == "Omgevingsvergunning"
    assert not errors, errors
    ctx.close()


def test_keyboard_reaches_search_first(browser, fixture_server):
    ctx, page, _ = _page(browser)
    page.goto(fixture_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    ctx.close()


def test_phone_width_has_no_horizontal_scroll(browser, fixture_server):
    ctx, page, errors = _page(browser, viewport={"width": 375, "height": 740}, device_scale_factor=2)
    for url in ("/", "/id/keten/vth", "/def", "/quality"):
        page.goto(fixture_server.url + url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{url} scrolls sideways by {overflow}px at 375px"
    assert not errors, errors
    ctx.close()


def _crawl(browser, base: str, exclude: re.Pattern | None = None) -> tuple[int, list[str], list[str]]:
    """Visit every same-origin page reachable from home; (pages, broken, console errors)."""
    ctx, page, errors = _page(browser)
    origin = urlparse(base).netloc
    todo, seen, broken, visited = [base + "/"], set(), [], 0
    while todo and visited < CHECKED_PAGES:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        visited += 1
        if visited <= BROWSER_PAGES:
            try:
                resp = page.goto(url)
            except sync_api.Error as exc:
                if "Download is starting" in str(exc):     # a data document, not a page
                    continue
                raise
            status = resp.status if resp else 0
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))") \
                if status < 400 else []
        else:
            resp = ctx.request.get(url, headers={"Accept": "text/html"})
            status = resp.status
            body = resp.text() if status < 400 and "html" in resp.headers.get("content-type", "") else ""
            hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', body)]
        if status >= 400:
            broken.append(f"{status} {url}")
        for href in hrefs:
            link, _ = urldefrag(urljoin(url, href))
            if urlparse(link).netloc == origin and not SKIP.search(link) and link not in seen \
                    and not (exclude and exclude.search(urlparse(link).path)):
                todo.append(link)
    ctx.close()
    return visited, broken, errors


def test_crawl_fixture_catalogue_has_no_broken_links(browser, fixture_server):
    # other parts' pages (SPARQL examples, UPL, GEMMA) expect the shipped catalogue: crawled below
    visited, broken, errors = _crawl(browser, fixture_server.url, re.compile(r"^/(sparql|upl|gemma)"))
    assert visited > 20
    assert not broken, broken[:10]
    assert not errors, errors[:10]


def test_crawl_shipped_catalogue_and_screenshots(browser, embedded_live_server):
    live_server = embedded_live_server
    visited, broken, errors = _crawl(browser, live_server.url)
    assert visited > 20
    assert not broken, broken[:10]
    assert not errors, errors[:10]
    if os.environ.get("KETENGRAAF_SCREENSHOTS") == "1":
        ctx, page, _ = _page(browser, viewport={"width": 1280, "height": 900})
        page.goto(live_server.url + "/")
        _shot(page, "home")
        page.goto(live_server.url + "/id/keten/vth")
        _shot(page, "chain")
        page.goto(live_server.url + "/def")
        _shot(page, "ontology")
        page.goto(live_server.url + "/search?q=vergunning")
        _shot(page, "search")
        page.goto(live_server.url + "/quality")
        _shot(page, "quality")
        page.goto(live_server.url + "/gemma/processen")
        _shot(page, "gemma-processen")
        page.goto(live_server.url + "/sparql")
        page.locator("[data-example]").first.click()
        page.wait_for_load_state()
        _shot(page, "sparql")
        ctx.close()
        ctx, page, _ = _page(browser, viewport={"width": 390, "height": 844}, device_scale_factor=2)
        page.goto(live_server.url + "/id/keten/vth")
        _shot(page, "phone-chain")
        ctx.close()


def test_upl_candidates_fit_a_phone(browser, tmp_path_factory):
    """The candidate table becomes one card per product below 40rem: no sideways scroll at 390 px."""
    from paths import ROOT
    sources = [str(ROOT / "data" / "upl" / "upl.ttl"), str(ROOT / "ontology" / "begrippen.ttl")]
    client = make_app_client(tmp_path_factory.mktemp("upl-browser") / "store", sources=sources)
    srv = LiveServer(client.application)
    try:
        ctx, page, errors = _page(browser, viewport={"width": 390, "height": 844}, device_scale_factor=2)
        page.goto(srv.url + "/upl/ketenkandidaten?lang=nl")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"/upl/ketenkandidaten scrolls sideways by {overflow}px at 390px"
        assert page.locator("table.upl-kandidaten td[data-label]").first.is_visible()
        assert not errors, errors
        ctx.close()
    finally:
        srv.stop()


def test_edit_in_the_browser_then_follow_the_history(browser, catalogue_dir, tmp_path_factory):
    """A real save through the edit form in Chromium, then the change list and the change it made; the
    screenshots of both pages (desktop and phone) for the README."""
    token = "browser-0123456789abcdef"
    client = writable_copy(catalogue_dir, tmp_path_factory.mktemp("edit-browser") / "store",
                           write_tokens=f"redactie:{token}:https://w3id.org/ketengraaf/graph/*")
    vth = "https://w3id.org/ketengraaf/id/keten/vth"
    assert client.post("/graph-store?graph=https://w3id.org/ketengraaf/graph/opmerkingen",
                       data=f'<{vth}> <http://www.w3.org/2000/01/rdf-schema#comment> "Zie ook de Omgevingswet."@nl .',
                       headers={"Authorization": "Bearer " + token, "Content-Type": "text/turtle"}).status_code == 201
    srv = LiveServer(client.application)
    try:
        ctx, page, errors = _page(browser, viewport={"width": 1280, "height": 900}, locale="nl-NL")
        page.goto(srv.url + "/id/proces/vth-toezicht")
        page.get_by_role("link", name="Bewerken", exact=True).click()
        page.wait_for_url(re.compile(r"/bewerken\?iri="))
        turtle = page.input_value("#edit-turtle")
        assert 'skos:prefLabel' in turtle and '"Toezicht"@nl' in turtle
        _shot(page, "edit")
        page.fill("#edit-turtle", turtle.replace('"Toezicht"@nl', '"Toezicht op de bouw"@nl'))
        page.fill("#edit-token", token)
        page.get_by_role("button", name="Opslaan").click()
        page.wait_for_url(re.compile(r"/page/proces/vth-toezicht$"))
        assert page.locator("h1").inner_text() == "Toezicht op de bouw"
        assert page.locator("#wijzigingen li").count() == 1          # the page lists the change it just had
        page.goto(srv.url + "/wijzigingen")
        assert page.locator("ol.changes > li").count() == 2
        assert page.locator("ol.changes > li a").first.inner_text() == "bewerkt in de browser"
        _shot(page, "changes")
        page.locator("ol.changes > li a").first.click()
        page.wait_for_url(re.compile(r"/wijzigingen/\d{8}T"))
        assert page.locator("#added-h + table tbody tr").count() == 1
        assert "Toezicht op de bouw" in page.locator("#added-h + table").inner_text()
        assert "Toezicht" in page.locator("#removed-h + table").inner_text()
        _shot(page, "change")
        assert not errors, errors
        ctx.close()
        ctx, page, errors = _page(browser, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  locale="nl-NL")
        for path, name in (("/wijzigingen", "phone-changes"), ("/bewerken?iri=" + vth, "phone-edit")):
            page.goto(srv.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at 390px"
            _shot(page, name)
        assert not errors, errors
        ctx.close()
    finally:
        srv.stop()
