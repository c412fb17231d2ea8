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


def test_the_ranking_window_is_the_full_sort_cut():
    """Only the tiers a page reaches get their labels looked up; the window must be exactly the first
    ``need`` of the full sort (tier, shorter label, label without case, IRI) whatever the ties."""
    import random

    from ketengraaf.web.search import _window
    rng = random.Random(15)
    for _ in range(300):
        n = rng.randint(0, 60)
        labels = {f"urn:x:{i}": rng.choice(["Ab", "ab", "aB", "Abc", "b", "Zz", "zZ", "keten", ""]) for i in range(n)}
        hits = [(rng.choice([0, 0.5, 1, 2, 2.5, 3, 4]), iri) for iri in labels]
        full = sorted(hits, key=lambda h: (h[0], len(labels[h[1]]), labels[h[1]].casefold(), h[1]))
        need = rng.randint(0, n + 5)
        asked: list[str] = []

        def label(iri: str, asked=asked, labels=labels) -> str:
            asked.append(iri)
            return labels[iri]
        got = _window(hits, need, label)
        assert got == full[:need]
        if need and full:                          # no label looked up beyond the tier that fills the window
            last_tier = full[min(need, len(full)) - 1][0]
            assert all(t <= last_tier for t, iri in hits if iri in asked)


def test_pages_put_together_are_the_whole_ranking(web):
    r = web.get("/api/search", query_string={"q": "keten", "limit": 100})
    whole = [h["iri"] for h in r.json["results"]]
    assert 10 < r.json["total"] == len(whole) <= 100      # the whole ranking fits in one answer
    pages = []
    for offset in range(0, len(whole), 7):
        with web.application.test_request_context("/"):
            from ketengraaf.web.search import index
            hits, total, _ = index().search("keten", limit=7, offset=offset)
        assert total == len(whole)
        pages += [h["iri"] for h in hits]
    assert pages == whole
