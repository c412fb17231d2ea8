"""Issue 9, items 5-7: bad input is a 400 on every route, output is safe to render, a 404 is cheap.

Each test names the failure it reproduces on the code before the fix."""
from __future__ import annotations

import importlib.util
import re
import statistics
import time
from urllib.parse import quote, urlencode

import pytest

from conftest import make_app_client, make_settings
from ketengraaf.loading import load_catalogue
from paths import ROOT
from web_helpers import FIXTURES, HTML

# what the attacker sent: IRI-invalid code points, an unclosed IPv6 host, CRLF, a NUL, overlong input
BAD = ["a<b", "a b", 'a"b', "a|b", "a\x00b", "http://[::1", "http://x/a\r\nSet-Cookie: x=1",
       "http://x/" + "a" * 20_000]
PARAMS = ("iri", "p", "q", "default-graph-uri", "named-graph-uri", "query", "page", "lang", "format", "type",
          "limit", "sort")


@pytest.fixture(scope="module")
def web(tmp_path_factory, backend):
    client = make_app_client(tmp_path_factory.mktemp("hardening") / "store", backend, sources=str(FIXTURES),
                             allow_violations=True)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False     # a bug is a 500 answer, as in production
    yield client
    client.application.extensions["ketengraaf.sparql"].close()


def _urls(app) -> list[str]:
    """Every GET route of the app with each bad value in each of its variables and in each parameter."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        for bad in BAD:
            path = rule.rule
            for arg in rule.arguments:
                path = re.sub(rf"<(?:[a-z]+:)?{arg}>", quote(bad, safe=""), path)
            urls.append(path)
            base = re.sub(r"<(?:[a-z]+:)?(\w+)>", "x", rule.rule)
            for name in PARAMS:
                urls.append(base + "?" + urlencode({name: bad, **({"iri": "http://x/"} if name == "p" else {})}))
    return sorted(set(urls))


def test_bad_input_on_every_route_is_a_4xx_never_a_5xx(web):
    """Before: /page/a%3Cb, /id/…, /def/…, /data/…, /inbound?iri=, default-graph-uri=a<b and CRLF in iri=
    answered 500 (ValueError: Invalid IRI code point)."""
    failures = []
    urls = _urls(web.application)
    assert len(urls) > 400           # every route, every bad value (a walk that found no routes proves nothing)
    for url in urls:
        for headers in ({}, HTML):
            resp = web.get(url, headers=headers)
            if resp.status_code >= 500:
                failures.append(f"{resp.status_code} {url[:120]!r}")
    assert not failures, "\n".join(failures[:40])


@pytest.mark.parametrize("url, says", [
    ("/page/a%3Cb", "the path after /id/: 'https://w3id.org/ketengraaf/id/a<b' is not a valid IRI"),
    ("/def/a%20b", "the term after /def/"),
    ("/inbound?iri=a%7Cb&p=http://x/", "parameter iri: 'a|b' is not a valid IRI"),
    ("/resource?iri=http://x/%0D%0Ay", "parameter iri"),
    ("/sparql?query=ASK%7B%7D&default-graph-uri=a%3Cb", "parameter default-graph-uri: 'a<b'"),
])
def test_bad_iri_is_a_400_that_says_what_was_wrong(web, url, says):
    """Before: 500 with an internal-error title; now 400 naming the parameter and the value."""
    resp = web.get(url)
    assert resp.status_code == 400
    assert says in resp.get_json()["message"]


@pytest.mark.parametrize("iri", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                 "JaVaScRiPt:alert(1)"])
def test_result_table_links_only_http_iris(web, iri):
    """Before: the SPARQL result table rendered <javascript:…> and <data:…> as clickable links."""
    escaped = iri.replace("<", "%3C").replace(">", "%3E")
    query = f"SELECT ?x WHERE {{ BIND(<{escaped}> AS ?x) }}"
    resp = web.get("/sparql?" + urlencode({"query": query}), headers=HTML)
    assert resp.status_code == 200
    hrefs = re.findall(r'<a [^>]*href="([^"]*)"', resp.get_data(as_text=True))
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
    assert [h for h in hrefs if h.startswith("/resource?iri=" + iri[:4])]   # a local page about it instead


def test_html_pages_carry_a_content_security_policy_and_nosniff(web):
    """Before: no Content-Security-Policy and no X-Content-Type-Options on any answer."""
    for url in ("/", "/sparql", "/def", "/zoeken?q=keten", "/nergens"):
        resp = web.get(url, headers=HTML)
        csp = resp.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, url
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert web.get("/healthz").headers["X-Content-Type-Options"] == "nosniff"


def test_redirects_never_go_to_the_requests_host(web):
    """Before: /def//Keten with Host: evil.example redirected to http://evil.example/def/Keten."""
    resp = web.get("/def//Keten", headers={"Host": "evil.example"})
    assert 300 <= resp.status_code < 400
    assert "evil.example" not in resp.headers["Location"]
    assert resp.headers["Location"] == "/def/Keten"
    resp = web.get("/def/Keten.ttl", headers={"Host": "evil.example"})     # the view's own redirect
    assert resp.status_code == 301 and resp.headers["Location"].startswith("/def/Keten?format=ttl")


@pytest.fixture()
def big(tmp_path):
    """A client on a generated catalogue of 100k triples (made as a fixture, beside other tests: only the
    test's timing runs alone)."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    data = tmp_path / "big.ttl"
    gen.generate(100_000, data, seed=3)
    settings = make_settings(tmp_path / "store", sources=str(data), allow_violations=True)
    load_catalogue(settings, validate=False)
    client = make_app_client(tmp_path / "store", sources=str(data), load_on_start=False)
    yield client
    client.application.extensions["ketengraaf.sparql"].close()


@pytest.mark.alone
def test_a_404_costs_a_lookup_not_a_scan(big):
    """Before: each 404 ran difflib over every /id/ IRI of the store (at 1.5M triples 3-6 s of CPU; here,
    at 100k triples, some hundreds of ms). Now the suggestions come from keys built once per generation."""
    client = big
    first = client.get("/id/keten/bestaat-niet", headers=HTML)      # builds the snapshot and the keys
    assert first.status_code == 404
    times = []
    for i in range(10):
        start = time.perf_counter()
        resp = client.get(f"/id/keten/bestaat-niet-{i}/nergens-{i}", headers=HTML)
        times.append(time.perf_counter() - start)
        assert resp.status_code == 404
    assert statistics.median(times) < 0.05, times
