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
    "\u017fELECT ?p ?o WHERE { <https://x.example/a> ?p ?o }",              # long s: folds to S, the engine refuses
    "SELECT ?p ?o WHERE { <https://x.example/a> ?p ?o } L\u0130MIT 1",      # dotted I, the same
    "SELECT ?p ?o WHERE { <https://x.example/a> ?p ?o } l\u0131mit 1",      # dotless i
    "SELECT ?p ?o\x0cWHERE { <https://x.example/a> ?p ?o }",                # form feed: not SPARQL's WS
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


def test_near_misses_are_turned_down_in_linear_time():
    """Texts up to LONGEST that almost match, with long runs of whitespace wherever the pattern allows it
    (two runs that met once made an 8 KB near miss take minutes, the interpreter lock held throughout)."""
    gap, short = " " * 2700, " " * 1300
    texts = [
        "SELECT ?p" + gap + "{ <a:b> ?p ?o" + gap + "}" + gap + "ORDER BY ?o",
        "SELECT ?p ?o WHERE {" + short + "<a:b>" + short + "?p" + short + "?o" + short + "." + short + "x",
        "SELECT" + short + "?p" + short + "?o" + short + "WHERE" + short + "{ <a:b> ?p ?o }" + short + "LIMIT"
        + short + "1x",
        ("#" + " " * 60 + "\n") * 120 + "SELECT ?p ?o { <a:b> ?p ?o } ORDER BY ?o",
        "SELECT " + "?p " * 2600 + "{ <a:b> ?p ?o } x",
        "SELECT ?p ?o { <a:b> ?p ?o }" + " LIMIT 1" * 900,
    ]
    assert all(len(t) <= inprocess.LONGEST for t in texts)
    started = time.perf_counter()
    assert [recognize(t) for t in texts] == [None] * len(texts)
    assert time.perf_counter() - started < 1.0       # each took 6 s to over 15 minutes when the runs met


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


def _here(opened, job: Job) -> bytes | None:
    """The web process's answer to ``job``, or None (a worker's)."""
    lookup = inprocess.lookup_of(job)
    return None if lookup is None else inprocess.answer(opened, job, lookup)


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
    body = _here(opened, _job(gen, f"SELECT ?p ?o WHERE {{ <{GOAL}> ?p ?o }}", settings=st.settings))
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
            here = _here(opened, job)
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
    assert _here(opened, job) is not None             # five triples: answered here
    monkeypatch.setattr(inprocess, "MOST_ROWS", 4)
    assert _here(opened, job) is None                 # more than four: a worker's


def test_a_failure_here_leaves_the_query_to_a_worker(sparql, embedded_app):
    st, gen, opened = sparql
    lookup = f"SELECT ?p ?o WHERE {{ <{GOAL}> ?p ?o }}"
    assert _here(opened, _job(gen, lookup, settings=st.settings, max_bytes=100)) is None
    bad_iri = "SELECT ?p ?o WHERE { <https://x.example/%zz> ?p ?o }"     # the pattern takes it, the engine not
    assert recognize(bad_iri) is not None
    assert _here(opened, _job(gen, bad_iri, settings=st.settings)) is None
    resp = embedded_app.test_client().get("/sparql", query_string={"query": bad_iri},
                                          headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 400 and "line 1, column" in resp.text     # the worker's error, in the client's words
    for job in (_job(gen, lookup, settings=st.settings, default_graph=(ID + "g",)),
                _job(gen, lookup, settings=st.settings, named_graphs=(ID + "g",)),
                _job(gen, lookup, settings=st.settings, union=False)):
        assert inprocess.lookup_of(job) is None                 # graphs chosen in the request: a worker's


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


def test_the_engine_runs_the_built_text_not_the_clients(sparql, monkeypatch):
    st, gen, opened = sparql
    ran: list[str] = []
    real = inprocess.execute
    monkeypatch.setattr(inprocess, "execute", lambda opened, job: ran.append(job.query) or real(opened, job))
    client_text = f"# a comment the engine never sees\nselect $o ?p {{<{GOAL}>?p?o.}} offset 1 limit 2"
    job = _job(gen, client_text, settings=st.settings)
    assert _here(opened, job) is not None
    assert ran == [f"SELECT ?o ?p WHERE {{ <{GOAL}> ?p ?o }} LIMIT 2 OFFSET 1"]


def _engine(store: ox.Store, query: str, **kw):
    result = store.query(query, **kw)
    names = [v.value for v in result.variables]
    return names, [tuple(str(s[n]) for n in names) for s in result]


def _small_store() -> ox.Store:
    store = ox.Store()
    for s in ("https://x.example/a", "urn:x:a", "https://x.example/a#frag"):
        for i in range(4):
            store.add(ox.Quad(ox.NamedNode(s), ox.NamedNode(f"https://x.example/p{i}"), ox.Literal(f"{s} {i}"),
                              ox.DefaultGraph()))
    return store


@pytest.mark.parametrize("query", list(RECOGNIZED))
def test_a_recognized_text_means_what_its_built_text_means(query):
    store = _small_store()
    assert _engine(store, query, base_iri="http://127.0.0.1/sparql") == _engine(store, canonical(recognize(query)))


def test_recognized_spellings_mean_what_the_engine_reads():
    """Random spellings of lookups (case, ? and $, comments, whitespace, the optional dot, LIMIT/OFFSET,
    letters that fold to ASCII ones, characters outside SPARQL's WS): every text recognized must be one the
    engine reads, with the same answer as the text built from it."""
    import random
    rng = random.Random(15)
    store = _small_store()
    subjects = ["https://x.example/a", "urn:x:a", "https://x.example/a#frag"]
    spaces = [" ", "\t", "\n", "\r\n", "", "  "]
    odd_spaces = ["\r", "\x0b", "\x0c", "\xa0"]

    def ws() -> str:
        return rng.choice(spaces if rng.random() < 0.9 else spaces + odd_spaces)

    def word(w: str) -> str:
        w = "".join(c.lower() if rng.random() < 0.3 else c for c in w)
        if rng.random() < 0.05:
            w = w.replace("S", "\u017f").replace("s", "\u017f")
        if rng.random() < 0.05:
            w = w.replace("I", "\u0131").replace("i", "\u0130")
        return w

    recognized = 0
    for _ in range(4000):
        p, o = rng.choice([("p", "o"), ("o", "p"), ("p", "p"), ("a1", "_b")])
        q = "".join(ws() + "#" + rng.choice(["", " x", " \\u000A", " }"]) + rng.choice(["\n", "\r\n", "\r"])
                    for _ in range(rng.randrange(3)))
        names = rng.sample([p, o, "z"][:rng.choice([2, 2, 3])], rng.randint(1, 2))
        projection = "*" if rng.random() < 0.3 else ws().join(rng.choice("?$") + v for v in names)
        q += (ws() + word("SELECT") + rng.choice([" ", "\n", ""]) + projection + ws()
              + (word("WHERE") if rng.random() < 0.7 else "") + ws() + "{" + ws() + "<" + rng.choice(subjects)
              + ">" + ws() + rng.choice("?$") + p + rng.choice([" ", "", "\t"]) + rng.choice("?$") + o + ws()
              + rng.choice(["", ".", ". ."]) + ws() + "}")
        for _ in range(rng.randrange(3)):
            q += ws() + word(rng.choice(["LIMIT", "OFFSET"])) + rng.choice([" ", "", "\n"]) + str(rng.randrange(6))
        q += ws()
        lookup = recognize(q)
        if lookup is None:
            continue
        recognized += 1
        assert _engine(store, q, base_iri="http://127.0.0.1/sparql") == _engine(store, canonical(lookup)), ascii(q)
    assert recognized > 300          # the spellings reach the pattern, not only its refusals
