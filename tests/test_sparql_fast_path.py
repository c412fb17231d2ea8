"""The endpoint's fast path (``FastQueries``) answers exactly what the Flask view answers.

For every request below, the fast path in front of the app and the app alone give the same status, the
same headers (every one) and the same bytes, on both store backends. The plain queries must be answered
by the fast path itself (the app is not called), everything else must reach the app, and a query that
fails when it runs is run once, not once on each path.
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
    (LOOKUP, {"lang": "en"}, "application/sparql-results+json"),
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


def _get(client, query, params, accept, headers=None):
    qs = urlencode({"query": query, **params}) if query is not None else urlencode(params)
    hdrs = {"Accept": accept} if accept else {}
    return client.get("/sparql?" + qs, headers={**hdrs, **(headers or {})})


def _same(a, b):
    assert (a.status_code, sorted(a.headers.items())) == (b.status_code, sorted(b.headers.items()))
    assert a.get_data() == b.get_data()


@pytest.mark.parametrize("query,params,accept", PLAIN)
def test_plain_queries_are_answered_before_flask_exactly_as_flask_answers(paths, query, params, accept):
    fast, flask_only, counter = paths
    before = counter.calls
    a = _get(fast, query, params, accept)
    assert counter.calls == before, "the fast path handed a plain query to the app"
    assert a.status_code == 200
    b = _get(flask_only, query, params, accept)
    _same(a, b)
    assert a.headers["ETag"] and a.headers["Vary"] == "Accept" and a.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("query,params,accept", OTHER)
def test_other_requests_go_to_the_app_unchanged(paths, query, params, accept):
    fast, flask_only, counter = paths
    before = counter.calls
    a = _get(fast, query, params, accept)
    assert counter.calls == before + 1
    _same(a, _get(flask_only, query, params, accept))


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
