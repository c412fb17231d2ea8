"""Single-resource lookups answered in the web process (``ketengraaf.sparql.inprocess``).

The form is recognized by a strict pattern, the engine runs a text built from the recognized parts
(never the client's), and the answer is the one a query worker gives: checked here against the
worker itself, in every results format, and against an answer written by hand from the data file.
Whatever is not exactly that form, or fails on this path, goes to a worker.
"""
from __future__ import annotations

import csv
import io
import json
import time
import uuid
from dataclasses import replace

import pyoxigraph as ox
import pytest

from conftest import make_app
from ketengraaf.sparql import inprocess
from ketengraaf.sparql.formats import BY_NAME
from ketengraaf.sparql.inprocess import Lookup, canonical, recognize
from ketengraaf.sparql.workers import Job, QueryPool

ID = "https://w3id.org/ketengraaf/id/"
GOAL = ID + "doel/vergunning-met-extern-advies-besluit"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"

# data/ketens/vergunning-met-extern-advies.ttl, lines 46-49, read by hand: the goal's five triples
# (keten:GedeeldDoel has no superclass, so the RDFS inference adds no type)
GOAL_ROWS = {
    (RDF_TYPE, "https://w3id.org/ketengraaf/def#GedeeldDoel", None),
    (SKOS + "prefLabel", "Besluit op de aanvraag, met het externe advies", "nl"),
    (SKOS + "prefLabel", "Decision on the application, with the external advice", "en"),
    (SKOS + "definition", "Een besluit op de aanvraag om een vergunning waarin het advies van de externe partij is "
                          "betrokken: het resultaat waaraan in dit voorbeeld beide partijen bijdragen.", "nl"),
    (SKOS + "definition", "A decision on the permit application that takes the external party's advice into "
                          "account: the result both parties contribute to in this example.", "en"),
}

RECOGNIZED = {
    "SELECT ?p ?o WHERE { <https://x.example/a> ?p ?o }": Lookup("https://x.example/a", "p", "o", ("p", "o")),
    "# cell 3\n# another comment\nSELECT ?p ?o WHERE { <https://x.example/a> ?p ?o }":
        Lookup("https://x.example/a", "p", "o", ("p", "o")),
    "select * where {<urn:x:a> ?pred ?obj .}": Lookup("urn:x:a", "pred", "obj", ()),
    "SELECT $o ?p {<https://x.example/a>?p?o} OFFSET 5 LIMIT 2":
        Lookup("https://x.example/a", "p", "o", ("o", "p"), limit=2, offset=5),
    "SELECT ?o WHERE { <https://x.example/a#frag> ?p ?o } LIMIT 10":
        Lookup("https://x.example/a#frag", "p", "o", ("o",), limit=10),
    "\r\n  SELECT ?p ?o WHERE {\n  <https://x.example/a> ?p ?o\n}\n":
        Lookup("https://x.example/a", "p", "o", ("p", "o")),
}

NOT_RECOGNIZED = [
    "SELECT ?p ?o WHERE { <https://x.example/\\u0041> ?p ?o }",              # an escape: the engine decodes it
    "SELECT ?p ?o WHERE { <https://x.example/a> ?p ?o } # trailing comment",
    "PREFIX id: <https://x.example/>\nSELECT ?p ?o WHERE { id:a ?p ?o }",     # a prefixed name
    "SELECT ?p ?o WHERE { <a> ?p ?o }",                                       # relative: needs the base
    "SELECT ?p ?o WHERE { <https://x.example/a> ?p ?o . ?o ?q ?r }",          # two patterns
    "SELECT ?p ?o WHERE { <https://x.example/a> ?p ?o FILTER(?o) }",
    "SELECT ?p ?o WHERE { <https://x.example/a> ?p ?o SERVICE <http://127.0.0.1/> { } }",
    "SELECT ?p ?o WHERE { GRAPH ?g { <https://x.example/a> ?p ?o } }",
    "SELECT ?p ?o FROM <https://x.example/g> WHERE { <https://x.example/a> ?p ?o }",
    "SELECT DISTINCT ?p ?o WHERE { <https://x.example/a> ?p ?o }",
    "SELECT ?x WHERE { <https://x.example/a> ?x ?x }",                        # predicate equal to object
    "SELECT ?s WHERE { <https://x.example/a> ?p ?o }",                        # not a variable of the pattern
    "SELECT ?p ?p ?o WHERE { <https://x.example/a> ?p ?o }",
    "SELECT ?p ?o WHERE { <https://x.example/a> <https://x.example/p> ?o }",
    "SELECT ?p ?o WHERE { ?s ?p ?o }",
    "SELECT ?p ?é WHERE { <https://x.example/a> ?p ?é }",                     # non-ASCII name: not read here
    "SELECT ?p ?o WHERE { <https://x.example/a> ?p ?o } LIMIT 1 LIMIT 2",
    "SELECT ?p ?o WHERE { <https://x.example/a> ?p ?o } ORDER BY ?o",
    "ASK { <https://x.example/a> ?p ?o }",
    "CONSTRUCT WHERE { <https://x.example/a> ?p ?o }",
    "# comment\rSELECT ?p ?o WHERE { <https://x.example/a> ?p ?o }",         # a lone CR: not read here
    "SELECT ?p ?o WHERE { <https://x.example/a> ?p ?o }" + " " * inprocess.LONGEST,
]


@pytest.mark.parametrize("query", list(RECOGNIZED))
def test_the_lookup_form_is_recognized(query):
    assert recognize(query) == RECOGNIZED[query]


@pytest.mark.parametrize("query", NOT_RECOGNIZED)
def test_anything_else_is_left_to_a_worker(query):
    assert recognize(query) is None


def test_the_engine_runs_a_text_built_from_the_parts():
    lookup = recognize("# cell 9\nselect $o ?p {<https://x.example/a>?p?o.} offset 5 limit 2")
    assert canonical(lookup) == "SELECT ?o ?p WHERE { <https://x.example/a> ?p ?o } LIMIT 2 OFFSET 5"
    assert canonical(recognize("SELECT * { <urn:x:a> ?b ?a }")) == "SELECT * WHERE { <urn:x:a> ?b ?a }"


def test_a_long_text_is_turned_away_at_once():
    """The pattern never meets a text longer than LONGEST (no slow backtracking on big requests)."""
    texts = ["#" + "\n#" * 400_000, "SELECT " + "?a " * 300_000,
             "SELECT ?p ?o WHERE { <https://x.example/a> ?p ?o }" + " " * 1_000_000 + "x"]
    started = time.perf_counter()
    assert [recognize(t) for t in texts] == [None, None, None]
    assert time.perf_counter() - started < 0.1


def _state(app):
    """An app's endpoint state, its generation, and that generation as the web process opened it."""
    st = app.extensions["ketengraaf.sparql"]
    gen = st.store().generation()
    return st, gen, st.store().pinned().opened()


@pytest.fixture(scope="module")
def sparql(embedded_app):
    """The shipped catalogue, its default graph copied into memory (as below ``memory_max_triples``)."""
    st, gen, opened = _state(embedded_app)
    assert opened.memory is not None
    return st, gen, opened


@pytest.fixture(scope="module")
def sparql_on_disk(catalogue_dir):
    """The same catalogue read from the disk (as above ``memory_max_triples``), by the web process and
    its workers."""
    st, gen, opened = _state(make_app(catalogue_dir, load_on_start=False, memory_max_triples=0))
    assert opened.memory is None
    yield st, gen, opened
    st.close()


def _job(gen, query: str, fmt: str = "json", **kw) -> Job:
    settings = kw.pop("settings")
    return replace(Job.for_query(gen, query, (None, None, True), "results", BY_NAME[fmt], settings,
                                 "http://127.0.0.1/sparql"), **kw)


def _rows(body: bytes, fmt: str) -> list:
    """The answer as a sorted list of rows, each a tuple of terms (CSV: of strings, as CSV is lossy)."""
    if fmt == "csv":
        return sorted(tuple(r) for r in csv.reader(io.StringIO(body.decode(), newline="")))
    fmt_ = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
            "tsv": ox.QueryResultsFormat.TSV}[fmt]
    solutions = ox.parse_query_results(body, fmt_)
    names = [v.value for v in solutions.variables]
    return sorted(tuple(str(s[n]) for n in names) for s in solutions)


@pytest.mark.parametrize("storage", ["sparql", "sparql_on_disk"])
def test_the_answer_is_the_one_written_by_hand(request, storage):
    st, gen, opened = request.getfixturevalue(storage)
    body = inprocess.answer(opened, _job(gen, f"SELECT ?p ?o WHERE {{ <{GOAL}> ?p ?o }}", settings=st.settings))
    assert body is not None
    rows = {(b["p"]["value"], b["o"]["value"], b["o"].get("xml:lang"))
            for b in json.loads(body)["results"]["bindings"]}
    assert rows == GOAL_ROWS
    assert len(json.loads(body)["results"]["bindings"]) == 5           # each triple once


LOOKUPS = [
    "SELECT ?p ?o WHERE {{ <{s}> ?p ?o }}",
    "SELECT * WHERE {{ <{s}> ?pred ?obj }}",
    "SELECT ?o WHERE {{ <{s}> ?p ?o }}",
    "SELECT ?o ?p WHERE {{ <{s}> ?p ?o }} LIMIT 3",
    "SELECT ?p ?o WHERE {{ <{s}> ?p ?o }} OFFSET 2",
    "SELECT ?p ?o WHERE {{ <{s}> ?p ?o }} LIMIT 2 OFFSET 1",
]
SUBJECTS = [GOAL, ID + "keten/vth", ID + "keten/vergunning-met-extern-advies", ID + "niet-in-de-catalogus",
            "https://w3id.org/ketengraaf/def#Keten"]


@pytest.mark.parametrize("storage", ["sparql", "sparql_on_disk"])
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_the_answer_is_the_one_a_worker_gives(request, storage, fmt):
    st, gen, opened = request.getfixturevalue(storage)
    compared = 0
    for subject in SUBJECTS:
        for form in LOOKUPS:
            query = form.format(s=subject)
            job = _job(gen, query, fmt, settings=st.settings)
            here = inprocess.answer(opened, job)
            assert here is not None, query
            there = st.pool.run(job, 30)
            if "LIMIT" in query or "OFFSET" in query:     # an unordered slice: any rows of the whole answer
                assert len(_rows(here, fmt)) == len(_rows(there, fmt)), query
                whole = _rows(st.pool.run(replace(job, query=form.split("}}")[0].format(s=subject) + "}"), 30),
                              fmt)
                assert set(_rows(here, fmt)) <= set(whole), query
            else:
                assert _rows(here, fmt) == _rows(there, fmt), query
            compared += 1
    assert compared == len(SUBJECTS) * len(LOOKUPS)


def test_the_endpoint_answers_a_lookup_without_a_worker(embedded_app, monkeypatch):
    """Over the endpoint (the plain-query path before Flask, and Flask's view): the lookup is answered
    while the workers cannot answer anything; any other query still needs them."""
    def no_worker(self, job, timeout):
        raise AssertionError("a worker was asked: " + job.query)

    monkeypatch.setattr(QueryPool, "run", no_worker)
    client = embedded_app.test_client()
    tag = f"# {uuid.uuid4()}\n"                    # a text no answer cache holds
    for path in ("/sparql", "/sparql/"):
        resp = client.get(path, query_string={"query": tag + f"SELECT ?p ?o WHERE {{ <{GOAL}> ?p ?o }}"},
                          headers={"Accept": "application/sparql-results+json"})
        assert resp.status_code == 200, resp.text
        assert len(resp.get_json()["results"]["bindings"]) == 5
    resp = client.post("/sparql", data={"query": tag + f"SELECT * {{ <{GOAL}> ?a ?b }} LIMIT 1"},
                       headers={"Accept": "text/csv"})
    assert resp.status_code == 200 and resp.text.splitlines()[0] == "a,b" and len(resp.text.splitlines()) == 2
    with pytest.raises(AssertionError, match="a worker was asked"):
        client.get("/sparql", query_string={"query": tag + f"ASK {{ <{GOAL}> ?p ?o }}"})


def test_a_subject_with_many_triples_goes_to_a_worker(sparql, monkeypatch):
    st, gen, opened = sparql
    job = _job(gen, f"SELECT ?p ?o WHERE {{ <{GOAL}> ?p ?o }}", settings=st.settings)
    monkeypatch.setattr(inprocess, "MOST_ROWS", 5)
    assert inprocess.answer(opened, job) is not None             # five triples: answered here
    monkeypatch.setattr(inprocess, "MOST_ROWS", 4)
    assert inprocess.answer(opened, job) is None                 # more than four: a worker's


def test_a_failure_here_leaves_the_query_to_a_worker(sparql, embedded_app):
    st, gen, opened = sparql
    lookup = f"SELECT ?p ?o WHERE {{ <{GOAL}> ?p ?o }}"
    assert inprocess.answer(opened, _job(gen, lookup, settings=st.settings, max_bytes=100)) is None
    bad_iri = "SELECT ?p ?o WHERE { <https://x.example/%zz> ?p ?o }"     # the pattern takes it, the engine not
    assert recognize(bad_iri) is not None
    assert inprocess.answer(opened, _job(gen, bad_iri, settings=st.settings)) is None
    resp = embedded_app.test_client().get("/sparql", query_string={"query": bad_iri},
                                          headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 400 and "line 1, column" in resp.text     # the worker's error, in the client's words
    for job in (_job(gen, lookup, settings=st.settings, default_graph=(ID + "g",)),
                _job(gen, lookup, settings=st.settings, named_graphs=(ID + "g",)),
                _job(gen, lookup, settings=st.settings, union=False)):
        assert inprocess.answer(opened, job) is None            # graphs chosen in the request: a worker's


def test_only_the_generation_this_process_has_open(sparql):
    st, gen, _ = sparql
    job = _job(gen, f"SELECT ?p ?o WHERE {{ <{GOAL}> ?p ?o }}", settings=st.settings)
    assert st._in_process(gen, job) is not None
    other = replace(gen, id=gen.id + "-other")
    assert st._in_process(other, replace(job, generation_path=other.path)) is None


def test_one_lookup_at_a_time_here(sparql):
    """While one lookup runs in the web process, the next goes to a worker (the cores stay in use)."""
    st, gen, _ = sparql
    job = _job(gen, f"SELECT ?p ?o WHERE {{ <{GOAL}> ?p ?o }}", settings=st.settings)
    with st._in_process_slot:
        assert st._in_process(gen, job) is None
    assert st._in_process(gen, job) is not None
