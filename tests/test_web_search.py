"""Search: ranking, accents and case, both languages, type filters, HTML and JSON."""
from __future__ import annotations

import pytest

from conftest import make_app_client
from web_helpers import DEF, FIXTURES, ID


@pytest.fixture(scope="module")
def web(tmp_path_factory, backend):
    client = make_app_client(tmp_path_factory.mktemp("search") / "store", backend, sources=str(FIXTURES),
                             allow_violations=True)
    return client.application.test_client(use_cookies=False)


def iris(web, q, **kw):
    r = web.get("/api/search", query_string={"q": q, **kw})
    assert r.status_code == 200
    return [h["iri"] for h in r.json["results"]]


def test_ranking_exact_then_prefix_then_word_then_definition(web):
    got = iris(web, "regisseur")
    assert got[0] == ID + "rol/regisseur"                 # exact label
    assert ID + "rol/ketenregisseur" in got               # contains
    assert got.index(ID + "rol/regisseur") < got.index(ID + "rol/ketenregisseur")
    gem = iris(web, "gemeente")
    assert gem[0] == ID + "partner/gemeente"
    assert ID + "deelname/vth-gemeente" in gem            # word in the label
    defs = iris(web, "leefomgeving")                      # only in a definition
    assert defs == [ID + "keten/vth"]


def test_accent_and_case_insensitive_both_languages(web):
    assert iris(web, "ORKESTRATIEKETEN")[0] == DEF + "Orkestratieketen"
    assert DEF + "Orkestratieketen" in iris(web, "orchestration")     # English label
    assert iris(web, "één hoofdproces") == iris(web, "een HOOFDPROCES")
    assert ID + "keten/vth" in iris(web, "toezicht")                  # alternative label


def test_type_filter_includes_subclasses(web):
    got = iris(web, "keten", type=DEF + "Keten")
    assert got and all(i.startswith(ID + "keten/") for i in got)
    assert iris(web, "gemeente", type=DEF + "Ketenpartner") == [ID + "partner/gemeente"]
    # the search form's "all types" sends an empty type: that is no filter
    assert iris(web, "keten", type="") == iris(web, "keten") != []


def test_json_shape_and_bad_parameters(web):
    r = web.get("/api/search?q=vth&limit=2")
    assert set(r.json) == {"query", "total", "results"} and len(r.json["results"]) <= 2
    hit = r.json["results"][0]
    assert {"iri", "label", "href", "types", "definition", "rank"} <= set(hit)
    assert web.get("/api/search?q=vth&limit=0").status_code == 400
    assert web.get("/api/search?q=" + "x" * 300).status_code == 400
    assert web.get("/api/search?q=").json["results"] == []


def test_html_search_page_with_facets(web):
    body = web.get("/search?q=keten", headers={"Accept": "text/html"}).data.decode()
    assert 'href="/id/keten/vth"' in body and '<select id="page-type" name="type">' in body
    assert "&lt;script&gt;" not in body or "<script>alert" not in body


@pytest.mark.alone
def test_search_is_typeahead_fast(web):
    import time
    web.get("/api/search?q=ke")
    t = time.perf_counter()
    for q in ("k", "ke", "ket", "kete", "keten", "ketenr"):
        web.get("/api/search", query_string={"q": q})
    assert (time.perf_counter() - t) / 6 < 0.05
