"""SPARQL protocol over the Flask test client: methods, media types, formats, datasets, caching, CORS."""
from __future__ import annotations

import json
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from w3c_protocol import EX, close, small_app

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def app(tmp_path_factory, backend):
    a = small_app(tmp_path_factory.mktemp("sparql-protocol") / "store", backend, cache_entries=64)
    yield a
    close(a)


@pytest.fixture()
def client(app):
    return app.test_client()


def n_of(resp) -> int:
    return int(json.loads(resp.data)["results"]["bindings"][0]["n"]["value"])


def test_get_post_form_and_post_direct_give_the_same_answer(client):
    h = {"Accept": "application/sparql-results+json"}
    a = client.get("/sparql?query=" + quote(COUNT), headers=h)
    b = client.post("/sparql", data={"query": COUNT}, headers=h)
    c = client.post("/sparql", data=COUNT.encode(), headers={**h, "Content-Type": "application/sparql-query"})
    assert a.status_code == b.status_code == c.status_code == 200
    assert n_of(a) == n_of(b) == n_of(c) == 101          # union default graph: 100 + 1 triples


@pytest.mark.parametrize("accept,media", [
    (None, "application/sparql-results+xml"), ("*/*", "application/sparql-results+xml"),
    ("application/json", "application/sparql-results+json"), ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+json;q=0.9", "application/sparql-results+json"),
    ("application/sparql-results+xml;q=0.1, text/*;q=0.8", "text/csv"),
])
def test_select_formats_by_accept_with_q_values(client, accept, media):
    resp = client.get("/sparql?query=" + quote(COUNT), headers={"Accept": accept} if accept else {})
    assert resp.status_code == 200
    assert resp.mimetype == media
    if media == "text/csv":      # lossy: Oxigraph does not parse it back
        assert resp.data.decode().split() == ["n", "101"]
        return
    fmt = ox.QueryResultsFormat.from_media_type(media)
    assert [int(r["n"].value) for r in ox.parse_query_results(resp.data, fmt)] == [101]


@pytest.mark.parametrize("accept,media", [
    (None, "application/rdf+xml"), ("text/turtle", "text/turtle"), ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"), ("application/trig", "application/trig"),
    ("application/n-quads", "application/n-quads"),
])
def test_construct_and_describe_formats(client, accept, media):
    for q in ("CONSTRUCT WHERE { ?s a ?c } LIMIT 3", f"DESCRIBE <{EX}thing/1>"):
        resp = client.get("/sparql?query=" + quote(q), headers={"Accept": accept} if accept else {})
        assert resp.status_code == 200, resp.data
        assert resp.mimetype == media
        triples = list(ox.parse(resp.data, format=ox.RdfFormat.from_media_type(media)))
        assert triples


def test_format_parameters_win_over_accept_and_sparqlwrapper_duplicates_are_tolerated(client):
    resp = client.get("/sparql?query=" + quote(COUNT) + "&format=json&output=json&results=json",
                      headers={"Accept": "application/sparql-results+xml"})
    assert resp.mimetype == "application/sparql-results+json"
    resp = client.get("/sparql?query=" + quote(COUNT) + "&format=tsv&format=text/tab-separated-values")
    assert resp.mimetype == "text/tab-separated-values"
    resp = client.get("/sparql?query=" + quote("CONSTRUCT WHERE {?s ?p ?o}") + "&format=xml")
    assert resp.mimetype == "application/rdf+xml"


def test_406_for_a_format_we_cannot_produce(client):
    resp = client.get("/sparql?query=" + quote(COUNT), headers={"Accept": "image/png"})
    assert resp.status_code == 406 and "text/csv" in resp.get_json()["message"]
    resp = client.get("/sparql?query=" + quote(COUNT) + "&format=turtle")
    assert resp.status_code == 406


def test_method_and_media_type_errors(client):
    assert client.put("/sparql?query=" + quote(COUNT)).status_code == 405
    assert client.delete("/sparql").status_code == 405
    r = client.post("/sparql", data=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and "application/sparql-query" in r.get_json()["message"]
    r = client.post("/sparql", data=b"ASK {}", headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert r.status_code == 415
    r = client.post("/sparql", data=b"ASK {}", headers={"Content-Type": ""})
    assert r.status_code == 415


def test_syntax_error_has_line_and_column(client):
    r = client.get("/sparql?query=" + quote("SELECT * WHERE {\n  ?s ?p }"))
    assert r.status_code == 400
    assert "line 2, column" in r.get_json()["message"]


def test_non_utf8_is_400(client):
    r = client.post("/sparql", data="ASK { ?s ?p \"é\" }".encode("latin-1"),
                    headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and "UTF-8" in r.get_json()["message"]
    r = client.get("/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22%E9%22%20%7D")
    assert r.status_code == 400 and "UTF-8" in r.get_json()["message"]


def test_two_queries_and_updates_without_a_token_are_refused(client):
    assert client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D").status_code == 400
    # this app has no write tokens: an update is refused as unauthorised, nothing changes
    r = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert r.status_code == 401 and "write_tokens" in r.get_json()["message"]
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert n_of(client.get("/sparql?query=" + quote(COUNT), headers={"Accept": "application/json"})) == 101
    r = client.post("/sparql", data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 401
    r = client.get("/sparql?update=" + quote("CLEAR ALL"))
    assert r.status_code == 400 and "POST" in r.get_json()["message"]
    r = client.get("/sparql?query=" + quote("INSERT DATA { <a:b> <a:c> 1 }"))
    assert r.status_code == 400 and "SPARQL Update" in r.get_json()["message"]
    r = client.post("/sparql", data={"update": "CLEAR ALL", "query": "ASK {}"})
    assert r.status_code == 400 and "not both" in r.get_json()["message"]


def test_dataset_protocol_parameters_override_from(client):
    q = "SELECT (COUNT(*) AS ?n) FROM <%sg1> WHERE { ?s ?p ?o }" % EX
    h = {"Accept": "application/json"}
    assert n_of(client.get("/sparql?query=" + quote(q), headers=h)) == 100
    assert n_of(client.get("/sparql?query=" + quote(q) + "&default-graph-uri=" + quote(EX + "g2"), headers=h)) == 1
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert n_of(client.get("/sparql?query=" + quote(named) + "&named-graph-uri=" + quote(EX + "g2"), headers=h)) == 1
    # a protocol graph that is not in the store is an empty graph (never fetched)
    assert n_of(client.get("/sparql?query=" + quote(COUNT) + "&default-graph-uri=" + quote("http://nowhere.invalid/"),
                           headers=h)) == 0


def test_etag_304_and_repeated_query_served_from_cache(app, client):
    cache = app.extensions["ketengraaf.sparql"].cache
    url = "/sparql?query=" + quote("SELECT ?s WHERE { ?s a ?c } ORDER BY ?s LIMIT 5")
    first = client.get(url, headers={"Accept": "text/csv"})
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    hits = cache.hits
    again = client.get(url, headers={"Accept": "text/csv"})
    assert again.data == first.data and cache.hits == hits + 1
    assert client.get(url, headers={"Accept": "text/csv", "If-None-Match": etag}).status_code == 304
    other = client.get(url, headers={"Accept": "application/json"})
    assert other.headers["ETag"] != etag


def test_cors_and_preflight(client):
    assert client.get("/sparql?query=" + quote(COUNT)).headers["Access-Control-Allow-Origin"] == "*"
    pre = client.options("/sparql", headers={"Origin": "http://x.test", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204 and "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert client.put("/sparql").headers["Access-Control-Allow-Origin"] == "*"


def test_cors_can_be_switched_off(tmp_path):
    a = small_app(tmp_path, cors=False)
    try:
        assert "Access-Control-Allow-Origin" not in a.test_client().get("/sparql").headers
    finally:
        close(a)


def test_service_description_turtle_and_jsonld(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = list(ox.parse(r.data, format=ox.RdfFormat.TURTLE, base_iri="http://localhost/"))
    preds = {t.predicate.value for t in g}
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert {sd + "endpoint", sd + "supportedLanguage", sd + "resultFormat", sd + "defaultDataset",
            sd + "namedGraph"} <= preds
    assert any(t.object == ox.NamedNode(sd + "UnionDefaultGraph") for t in g)
    assert any(t.object == ox.NamedNode(EX + "g1") for t in g)
    j = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert j.mimetype == "application/ld+json" and list(ox.parse(j.data, format=ox.RdfFormat.JSON_LD))
    assert client.get("/sparql").mimetype == "text/turtle"


def test_void_description(client):
    r = client.get("/.well-known/void")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = list(ox.parse(r.data, format=ox.RdfFormat.TURTLE))
    void = "http://rdfs.org/ns/void#"
    by_pred = {}
    for t in g:
        by_pred.setdefault(t.predicate.value, []).append(t.object)
    assert ox.Literal("101", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")) \
        in by_pred[void + "triples"]
    assert ox.NamedNode(EX + "Thing") in by_pred[void + "class"]
    assert {ox.NamedNode(EX + "g1"), ox.NamedNode(EX + "g2")} <= set(by_pred[void + "subset"])
    assert by_pred["http://purl.org/dc/terms/license"]
    assert client.get("/.well-known/void", headers={"Accept": "application/ld+json"}).mimetype == "application/ld+json"


def test_browser_gets_the_query_page_with_results_and_downloads(client):
    html_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get("/sparql", headers={"Accept": html_accept})
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "PREFIX keten: &lt;https://w3id.org/ketengraaf/def#&gt;" in text and "sparql.js" in text
    assert "https://cdn" not in text and "//cdnjs" not in text
    q = "SELECT ?s ?v WHERE { ?s <%svalue> ?v } ORDER BY ?v LIMIT 3" % EX
    res = client.get("/sparql?query=" + quote(q), headers={"Accept": html_accept}).get_data(as_text=True)
    assert 'id="sparql-table"' in res and f'title="{EX}thing/0"' in res
    for fmt in ("xml", "json", "csv", "tsv"):
        assert f"format={fmt}" in res
    bad = client.get("/sparql?query=" + quote("SELECT * WHERE { ?s }"), headers={"Accept": html_accept})
    assert bad.status_code == 400 and 'id="sparql-error"' in bad.get_data(as_text=True)
    assert "line 1, column" in bad.get_data(as_text=True)
    ask = client.get("/sparql?query=ASK%7B%7D&format=html").get_data(as_text=True)
    assert 'id="sparql-boolean"' in ask


def test_static_script_is_served(client):
    r = client.get("/static/sparql.js")
    assert r.status_code == 200 and b"sparql-query" in r.data


def test_service_description_per_host_has_its_own_etag_and_a_bounded_cache(client):
    from ketengraaf.sparql import description
    seen = set()
    for n in range(description.MAX_ENTRIES + 10):
        r = client.get("/sparql", headers={"Accept": "text/turtle", "Host": f"h{n}.example"})
        assert r.status_code == 200 and f"http://h{n}.example/sparql".encode() in r.data
        seen.add(r.headers["ETag"])
        client.get("/.well-known/void", headers={"Accept": "text/turtle", "Host": f"h{n}.example"})
    assert len(seen) == description.MAX_ENTRIES + 10         # a 304 can never hand one host another's body
    assert len(description._built) <= description.MAX_ENTRIES
