"""The endpoint's fast path (``FastQueries``) answers exactly what the Flask view answers.

For every request below, sent three ways (``GET``, ``POST`` form-encoded, ``POST
application/sparql-query``), the fast path in front of the app and the app alone give the same status,
the same headers (every one) and the same bytes, on both store backends. The plain queries must be
answered by the fast path itself (the app is not called), everything else must reach the app (with a
posted body it can still read), and a query that fails when it runs is run once, not once on each path.
"""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from werkzeug.test import Client

from ketengraaf.web.endpoint import FastQueries

KETEN = "https://w3id.org/ketengraaf/def/keten#"
VTH = "https://w3id.org/ketengraaf/id/keten/vth"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{VTH}> ?p ?o }}"
JOIN = f"""PREFIX keten: <{KETEN}>
SELECT ?keten ?partner WHERE {{ ?d keten:keten ?keten ; keten:partner ?partner }} ORDER BY ?keten ?partner LIMIT 20"""
CONSTRUCT = f"CONSTRUCT {{ <{VTH}> ?p ?o }} WHERE {{ <{VTH}> ?p ?o }}"
DESCRIBE = f"DESCRIBE <{VTH}>"
ASK = f"ASK {{ <{VTH}> ?p ?o }}"
GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
RELATIVE = "SELECT ?s WHERE { ?s ?p <relatief> }"        # a relative IRI: resolved against the endpoint URL
UNICODE = 'SELECT ?s WHERE { ?s ?p "Gemeente \\u00e9\\u00e9n é" }'
FAILS_IN_ENGINE = "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?o"   # the guard reads it; the engine refuses it

# (query, extra parameters, Accept): answered by the fast path
PLAIN = [
    (LOOKUP, {}, "application/sparql-results+json"),
    (LOOKUP, {}, "application/sparql-results+xml"),
    (LOOKUP, {}, "text/csv"),
    (LOOKUP, {}, "text/tab-separated-values"),
    (LOOKUP, {}, None),
    (LOOKUP, {}, "*/*"),
    (LOOKUP, {"format": "json"}, "text/csv"),
    (LOOKUP, {"output": "xml"}, None),
    (JOIN, {}, "application/json;q=0.5, text/csv"),
    (ASK, {}, "application/sparql-results+json"),
    (CONSTRUCT, {}, "text/turtle"),
    (CONSTRUCT, {}, "application/n-triples"),
    (CONSTRUCT, {}, "application/sparql-results+json"),      # only results types: Turtle, as others answer
    (DESCRIBE, {}, "application/rdf+xml"),
    (CONSTRUCT, {}, "application/n-quads"),
    (GRAPHS, {}, "application/sparql-results+json"),
    (RELATIVE, {}, "application/sparql-results+json"),
    (UNICODE, {}, "text/csv"),
    (LOOKUP, {"default-graph-uri": "https://w3id.org/ketengraaf/graph/ketens"}, "text/csv"),
    (GRAPHS, {"named-graph-uri": "https://w3id.org/ketengraaf/graph/ketens"}, "text/csv"),
]
# answered by the app (the fast path hands them on)
OTHER = [
    (LOOKUP, {}, "text/html"),
    (CONSTRUCT, {}, "application/ld+json"),
    ("", {}, "application/sparql-results+json"),
    ("SELECT * WHERE { SERVICE <http://example.org/s> { ?s ?p ?o } }", {}, None),
    ("SELECT * WHERE { ?s ?p ?o", {}, None),
    (LOOKUP, {}, "image/png"),
    (LOOKUP, {"format": "nonsense"}, None),
    (LOOKUP, {"default-graph-uri": "not an iri"}, None),
]


class Counting:
    """The app, counting the requests it is given."""

    def __init__(self, app):
        self.app, self.calls = app, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture()
def paths(app):
    """(fast path in front of the app, the app alone, the counter of requests the app got)."""
    flask_only = Counting(app.wsgi_app.app.app)     # NotModified -> FastQueries -> Flask's own wsgi_app
    return Client(FastQueries(flask_only, app)), Client(flask_only), flask_only


HOW = ("get", "form", "direct")


def _send(client, how, query, params, accept, headers=None, url=""):
    """The request three ways: GET with everything in the URL; POST form with everything in the body;
    POST application/sparql-query with the query as the body and the other parameters in the URL.
    ``url``: more of the query string, the same for all three."""
    hdrs = {**({"Accept": accept} if accept else {}), **(headers or {})}
    fields = {**({"query": query} if query is not None else {}), **params}
    if how == "get":
        return client.get("/sparql?" + "&".join(filter(None, [urlencode(fields), url])), headers=hdrs)
    if how == "form":
        return client.post("/sparql?" + url, data=urlencode(fields), headers=hdrs,
                           content_type="application/x-www-form-urlencoded")
    return client.post("/sparql?" + "&".join(filter(None, [urlencode(params), url])), data=(query or "").encode(),
                       headers=hdrs, content_type="application/sparql-query")


def _get(client, query, params, accept, headers=None):
    return _send(client, "get", query, params, accept, headers)


def _same(a, b):
    assert (a.status_code, sorted(a.headers.items())) == (b.status_code, sorted(b.headers.items()))
    assert a.get_data() == b.get_data()


def _compare(paths, how, query, params, accept, *, by_app: int, url=""):
    """The request through the fast path (the app answering ``by_app`` times) and to the app alone:
    the same answer. Returns the fast path's."""
    fast, flask_only, counter = paths
    before = counter.calls
    a = _send(fast, how, query, params, accept, url=url)
    assert counter.calls == before + by_app, "the fast path answered it" if by_app else "the app answered it"
    _same(a, _send(flask_only, how, query, params, accept, url=url))
    return a


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("query,params,accept", PLAIN)
def test_plain_queries_are_answered_before_flask_exactly_as_flask_answers(paths, how, query, params, accept):
    a = _compare(paths, how, query, params, accept, by_app=0)
    assert a.status_code == 200
    assert a.headers["ETag"] and a.headers["Vary"] == "Accept" and a.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("query,params,accept", OTHER)
def test_other_requests_go_to_the_app_unchanged(paths, how, query, params, accept):
    _compare(paths, how, query, params, accept, by_app=1)


@pytest.mark.parametrize("how", HOW)
def test_a_lang_parameter_in_the_url_goes_to_the_app(paths, how):
    """Flask checks ``?lang=`` before every view (a bad value is a 400), so the app answers it."""
    for url in ("lang=en", "lang=xx-nonsense-value"):
        a = _compare(paths, how, LOOKUP, {}, "text/csv", by_app=1, url=url)
        assert a.status_code == (200 if url == "lang=en" else 400)


def test_posts_the_fast_path_leaves_reach_the_app_with_their_body(app, paths):
    """An update, a body over max_request_bytes, another type: the app reads the same body (its answer
    is the one the app alone gives, not a complaint about an empty body)."""
    fast, flask_only, counter = paths
    limit = app.config["KETENGRAAF"].max_request_bytes
    padded = LOOKUP + " #" + "x" * limit                  # a query past the limit: the app's 413
    cases = [
        ("application/x-www-form-urlencoded", urlencode({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})),
        ("application/sparql-update", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
        ("application/sparql-query", padded),
        ("text/plain", LOOKUP),
        ("application/x-www-form-urlencoded; charset=latin-1", urlencode({"query": LOOKUP})),
    ]
    for content_type, body in cases:
        before = counter.calls
        a = fast.post("/sparql", data=body.encode(), content_type=content_type, headers={"Accept": "text/csv"})
        assert counter.calls == before + 1, content_type
        b = flask_only.post("/sparql", data=body.encode(), content_type=content_type, headers={"Accept": "text/csv"})
        _same(a, b)
        assert a.status_code in (401, 403, 413, 415), (content_type, a.status_code)


def test_revalidation_and_head_go_to_the_app(paths):
    fast, flask_only, counter = paths
    first = _get(fast, LOOKUP, {}, "text/csv")
    before = counter.calls
    again = _get(fast, LOOKUP, {}, "text/csv", {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and counter.calls == before + 1
    head = fast.head("/sparql?" + urlencode({"query": LOOKUP}), headers={"Accept": "text/csv"})
    assert head.status_code == 200 and head.get_data() == b"" and counter.calls == before + 2


def test_a_query_that_fails_in_the_engine_is_run_once_and_answered_by_the_app(app, paths, monkeypatch):
    fast, flask_only, counter = paths
    st = app.extensions["ketengraaf.sparql"]
    runs = []
    real = st.run

    def counting_run(*args, **kwargs):
        runs.append(args[1])
        return real(*args, **kwargs)
    monkeypatch.setattr(st, "run", counting_run)
    a = _get(fast, FAILS_IN_ENGINE, {}, "application/sparql-results+json")
    assert runs == [FAILS_IN_ENGINE] and counter.calls == 1
    assert a.status_code == 400
    assert "line 1" in a.get_json()["message"]
    b = _get(flask_only, FAILS_IN_ENGINE, {}, "application/sparql-results+json")
    assert len(runs) == 2
    _same(a, b)


def test_an_unexpected_failure_is_raised_by_the_app_not_run_again(app, paths, monkeypatch):
    """Not only the project's errors: whatever the run raises reaches the app (which, in testing mode,
    lets it through), once."""
    fast, _flask_only, counter = paths
    st = app.extensions["ketengraaf.sparql"]
    runs = []

    def broken_run(*args, **kwargs):
        runs.append(args[1])
        raise RuntimeError("the worker pool broke")
    monkeypatch.setattr(st, "run", broken_run)
    query = LOOKUP + " # not cached"
    with pytest.raises(RuntimeError, match="the worker pool broke"):
        _get(fast, query, {}, "text/csv")
    assert runs == [query] and counter.calls == 1
