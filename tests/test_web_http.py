"""ketengraaf.web.http: one negotiation, one conditional-request rule and one CORS policy for the
SPARQL endpoint and the pages alike."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from conftest import make_app_client
from web_helpers import FIXTURES

SELECT = "/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o } LIMIT 1")


@pytest.fixture(scope="module")
def web(tmp_path_factory, backend):
    client = make_app_client(tmp_path_factory.mktemp("http") / "store", backend, sources=str(FIXTURES), cors=True,
                             allow_violations=True)
    yield client.application.test_client(use_cookies=False)
    client.application.extensions["ketengraaf.sparql"].close()


@pytest.mark.parametrize("url", ["/id/keten/vth", "/data/keten/vth.ttl", "/def", "/", SELECT, "/.well-known/void"])
def test_a_repeat_gets_304_with_a_strong_or_weak_etag(web, url):
    first = web.get(url, headers={"Accept": "text/turtle"} if "sparql" not in url else {})
    assert first.status_code == 200 and first.headers["Last-Modified"]
    tag = first.headers["ETag"]
    for sent in (tag, "W/" + tag, f'"other", {tag}'):
        accept = {"Accept": "text/turtle"} if "sparql" not in url else {}
        again = web.get(url, headers={"If-None-Match": sent, **accept})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    assert web.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_etag_differs_per_representation(web):
    tags = {web.get("/id/keten/vth", headers={"Accept": a}).headers["ETag"]
            for a in ("text/html", "text/turtle", "application/ld+json")}
    assert len(tags) == 3
    assert web.get(SELECT + "&format=json").headers["ETag"] != web.get(SELECT + "&format=csv").headers["ETag"]


@pytest.mark.parametrize("accept,page,data,endpoint", [
    (None, "text/html", "text/turtle", "application/sparql-results+xml"),
    ("*/*", "text/html", "text/turtle", "application/sparql-results+xml"),
    ("*", "text/html", "text/turtle", "application/sparql-results+xml"),
    ("text/html", "text/html", 406, "text/html"),     # the endpoint's HTML is the query page
    ("application/ld+json", "application/ld+json", "application/ld+json", 406),
    ("text/*", "text/html", "text/turtle", "text/csv"),
    # the most specific range decides: a format whose media types are all refused is not chosen under */*
    ("*/*, text/html;q=0, application/xhtml+xml;q=0", "application/rdf+xml", "text/turtle",
     "application/sparql-results+xml"),
    ("*/*, application/sparql-results+xml;q=0, application/xml;q=0", "text/html", "text/turtle",
     "application/sparql-results+json"),
    ("image/png", 406, 406, 406),
])
def test_one_negotiation_for_pages_data_and_endpoint(web, accept, page, data, endpoint):
    headers = {"Accept": accept} if accept is not None else {}
    for url, want in (("/id/keten/vth", page), ("/data/keten/vth", data), (SELECT, endpoint)):
        r = web.get(url, headers=headers)
        assert (r.status_code if isinstance(want, int) else r.mimetype) == want, (url, accept)


def test_format_parameters_name_formats_of_the_one_registry(web):
    for value in ("ttl", "turtle", "text/turtle"):
        assert web.get(f"/id/keten/vth?format={quote(value)}").mimetype == "text/turtle"
        assert web.get(f"/sparql?query={quote('CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1')}&format={quote(value)}"
                       ).mimetype == "text/turtle"
    assert web.get("/id/keten/vth?format=xls").status_code == 400       # a page's parameter: a bad request
    assert web.get(SELECT + "&format=xls").status_code == 406            # the protocol's: not acceptable


def test_errors_are_pages_only_for_clients_that_name_html(web):
    assert web.get("/id/keten/nope", headers={"Accept": "text/html"}).mimetype == "text/html"
    for accept in ("*/*", "application/json", "text/*"):
        r = web.get("/id/keten/nope", headers={"Accept": accept})
        assert r.status_code == 404 and r.get_json()["status"] == 404, accept


def test_data_answers_share_one_cors_policy(web):
    for url in ("/data/keten/vth.ttl", "/api/search?q=vth", SELECT):
        r = web.get(url)
        assert r.headers["Access-Control-Allow-Origin"] == "*", url
        assert "ETag" in r.headers["Access-Control-Expose-Headers"], url
    pre = web.options("/sparql")
    assert pre.status_code == 204 and "POST" in pre.headers["Access-Control-Allow-Methods"]


def test_cors_off_means_no_cors_headers_anywhere(tmp_path):
    client = make_app_client(tmp_path / "store", sources=str(FIXTURES), cors=False, allow_violations=True)
    try:
        for url in ("/data/keten/vth.ttl", "/api/search?q=vth", SELECT):
            assert "Access-Control-Allow-Origin" not in client.get(url).headers, url
        assert "Access-Control-Allow-Methods" not in client.options("/sparql").headers
    finally:
        client.application.extensions["ketengraaf.sparql"].close()
