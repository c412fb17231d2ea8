"""The reader's language: ?lang= checked once per request, and error titles in that language."""
from __future__ import annotations

import re

import pytest

from conftest import make_app_client
from web_helpers import DEF, FIXTURES, HTML

JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def web(tmp_path_factory, backend):
    client = make_app_client(tmp_path_factory.mktemp("i18n") / "store", backend, sources=str(FIXTURES),
                             allow_violations=True)
    return client.application.test_client(use_cookies=False)


def _h1(r) -> str:
    return re.search(r"<h1>(.*?)</h1>", r.get_data(as_text=True)).group(1)


@pytest.mark.parametrize("value", ["fr", "xx", "<x>", "nl_NL", "en;q=1"])
def test_unknown_lang_is_a_400_that_lists_the_allowed_values(web, value):
    r = web.get("/id/keten/vth", query_string={"lang": value}, headers=JSON)
    assert r.status_code == 400
    assert r.json["error"] == "InputError"
    assert "parameter lang" in r.json["message"] and "nl, en" in r.json["message"]
    assert repr(value) in r.json["message"]


def test_unknown_lang_is_refused_on_every_page_before_the_page_runs(web):
    for url in ("/", "/def", "/search?q=keten", "/quality", "/no/such/page"):
        r = web.get(url + ("&" if "?" in url else "?") + "lang=fr", headers=HTML)
        assert r.status_code == 400, url
        assert "toegestaan: nl, en" in r.get_data(as_text=True), url


def test_the_lang_error_page_speaks_the_language_the_reader_would_get(web):
    r = web.get("/?lang=fr", headers={**HTML, "Accept-Language": "en"})
    assert r.status_code == 400
    assert _h1(r) == "400 Bad input"
    assert "allowed: nl, en" in r.get_data(as_text=True)
    assert '<html lang="en">' in r.get_data(as_text=True)


def test_known_languages_and_regional_variants_pass(web):
    assert web.get("/id/keten/vth?lang=en", headers=HTML).status_code == 200
    body = web.get("/id/keten/vth?lang=en-GB", headers=HTML).get_data(as_text=True)
    assert "<h1 lang=\"en\">VTH chain</h1>" in body and '<html lang="en">' in body
    assert web.get("/id/keten/vth?lang=NL", headers=HTML).status_code == 200


def test_without_lang_accept_language_then_the_setting_decide(web, tmp_path):
    assert '<html lang="en">' in web.get("/", headers={**HTML, "Accept-Language": "en-GB,en;q=0.9"}).get_data(
        as_text=True)
    assert '<html lang="nl">' in web.get("/", headers=HTML).get_data(as_text=True)
    english = make_app_client(tmp_path / "store", sources=str(FIXTURES), allow_violations=True, default_lang="en")
    assert '<html lang="en">' in english.get("/", headers=HTML).get_data(as_text=True)


def test_404_page_title_follows_the_reader(web):
    en = web.get("/id/keten/nothing-here?lang=en", headers=HTML)
    nl = web.get("/id/keten/nothing-here?lang=nl", headers=HTML)
    assert en.status_code == nl.status_code == 404
    assert _h1(en) == "404 Not found" and _h1(nl) == "404 Niet gevonden"
    assert "<title>404 Not found · ketengraaf</title>" in en.get_data(as_text=True)
    route = web.get("/no/such/page", headers={**HTML, "Accept-Language": "en"})
    assert route.status_code == 404 and _h1(route) == "404 Not found"


def test_400_page_title_follows_the_reader(web):
    url = "/class?iri=" + DEF.replace("#", "%23") + "Ketenpartner&sort=nonsense"
    en = web.get(url + "&lang=en", headers=HTML)
    nl = web.get(url + "&lang=nl", headers=HTML)
    assert en.status_code == nl.status_code == 400
    assert _h1(en) == "400 Bad input" and _h1(nl) == "400 Ongeldige invoer"


def test_json_errors_carry_the_title_in_the_readers_language(web):
    en = web.get("/id/keten/nothing-here", headers={**JSON, "Accept-Language": "en"}).json
    nl = web.get("/id/keten/nothing-here?lang=nl", headers=JSON).json
    assert en["status"] == nl["status"] == 404
    assert en["title"] == "Not found" and nl["title"] == "Niet gevonden"
    assert en["message"] == nl["message"]          # the detail message itself is not translated


def test_503_page_title_follows_the_reader(tmp_path):
    empty = make_app_client(tmp_path / "empty", load_on_start=False)      # no catalogue loaded: store error
    en = empty.get("/?lang=en", headers=HTML)
    nl = empty.get("/?lang=nl", headers=HTML)
    assert en.status_code == nl.status_code == 503
    assert _h1(en) == "503 Store unavailable" and _h1(nl) == "503 Opslag niet beschikbaar"
    assert empty.get("/", headers={**JSON, "Accept-Language": "en"}).json["title"] == "Store unavailable"
