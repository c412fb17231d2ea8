"""Queries on the in-memory copy of the default graph answer what the generation on disk answers.

A small generation is queried from an in-memory copy of its default graph only (``Opened``), and
whatever may read a named graph (``GRAPH``, ``FROM``, ``FROM NAMED``, chosen graphs) goes to the
store on disk. These tests run the same queries both ways, on the shipped catalogue, and compare
the answers row for row; spellings the engine reads as GRAPH or FROM must reach the disk.
"""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from ketengraaf.sparql.workers import Job, execute
from ketengraaf.store.oxigraph import OxigraphStore, open_for_reading, reads_named_graphs

KETEN = "https://w3id.org/ketengraaf/def#"
P = ("PREFIX keten: <https://w3id.org/ketengraaf/def#>\n"
     "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")

QUERIES = {
    "count": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "chains": P + "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                  "SELECT ?k ?l WHERE { ?k a/rdfs:subClassOf* keten:Keten ; skos:prefLabel ?l } ORDER BY ?k ?l",
    "per-graph": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "graph-lowercase": "select ?g (count(*) as ?n) where { graph ?g { ?s ?p ?o } } group by ?g order by ?g",
    "graph-mixed-case": "SELECT ?g (COUNT(*) AS ?n) WHERE { GrApH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "graph-in-subselect": "SELECT ?n WHERE { { SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } } }",
    "graph-glued": "SELECT ?g WHERE { FILTER(true) GRAPH ?g {} } ORDER BY ?g",
    "from": "SELECT (COUNT(*) AS ?n) FROM <{g}> WHERE { ?s ?p ?o }",
    "from-named": "SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{g}> WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "ask-graph": "ASK { GRAPH <{g}> { ?s ?p ?o } }",
    "describe": "DESCRIBE <https://w3id.org/ketengraaf/id/keten/vth>",
    "construct": P + "CONSTRUCT { ?k skos:prefLabel ?l } WHERE { ?k a keten:Estafetteketen ; skos:prefLabel ?l }",
}


@pytest.fixture(scope="module")
def generation(catalogue_dir):
    gen = OxigraphStore(catalogue_dir).generation()
    return (gen, open_for_reading(gen.path), open_for_reading(gen.path, memory_max_triples=10_000_000),
            open_for_reading(gen.path, memory_max_triples=10_000_000, copy_named=True))


def _answer(opened, gen, query: str, default=None, named=None) -> list[str]:
    kind = "graph" if "DESCRIBE" in query or "CONSTRUCT" in query else "results"
    fmt = "N_TRIPLES" if kind == "graph" else "CSV"
    body = execute(opened, Job(gen.path, query, default, named, True, kind, fmt, 100_000, 50_000_000)).decode()
    return sorted(line for line in body.splitlines() if line.strip())


def test_only_the_default_graph_is_copied(generation):
    gen, disk, copied, _ = generation
    assert disk.memory is None and copied.memory is not None
    in_memory = sum(1 for _ in copied.memory.quads_for_pattern(None, None, None, None))
    default = sum(1 for _ in disk.disk.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert in_memory == default > 1_000
    assert list(copied.memory.named_graphs()) == []
    assert copied.named is None                                  # a query worker's copy


def test_the_web_process_copy_reads_every_quad_as_the_disk_does(generation):
    gen, disk, _, web = generation
    assert web.named is not None
    nodes = [ox.NamedNode("https://w3id.org/ketengraaf/id/keten/vth"), ox.NamedNode(KETEN + "Keten")]
    for node in nodes:
        for pattern in ((node, None, None), (None, None, node)):
            for g in [None] + list(disk.disk.named_graphs()):
                want = sorted(map(str, disk.quads(*pattern, g)))
                assert sorted(map(str, web.quads(*pattern, g))) == want
            want = sorted(str(q) for q in disk.source_store().quads_for_pattern(*pattern, None)
                          if not isinstance(q.graph_name, ox.DefaultGraph))
            assert sorted(map(str, web.source_store().quads_for_pattern(*pattern, None))) == want != []


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_copy_answers_what_the_disk_answers(generation, name):
    gen, disk, copied, _ = generation
    graph = gen.sources[0].graph
    query = QUERIES[name].replace("{g}", graph)
    want = _answer(disk, gen, query)
    assert len(want) > (0 if name.startswith(("describe", "construct")) else 1) or name == "ask-graph"
    assert _answer(copied, gen, query) == want
    if name.startswith(("per-graph", "graph-", "from", "ask-graph")):
        assert reads_named_graphs(query)
        assert copied.for_query(query)[0] is copied.disk      # it went to the disk
    elif name in ("count", "chains", "describe", "construct"):
        assert copied.for_query(query)[0] is copied.memory


def test_chosen_graphs_go_to_the_disk(generation):
    gen, disk, copied, _ = generation
    graphs = [g.value for g in disk.disk.named_graphs()][:2]
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    for default, named in ((tuple(graphs[:1]), None), (tuple(graphs), ()), (None, tuple(graphs))):
        assert copied.for_query(query, default_graph=default, named_graphs=named)[0] is not copied.memory
        assert _answer(copied, gen, query, default, named) == _answer(disk, gen, query, default, named)


@pytest.mark.parametrize("text,reads", [
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", True),
    ("select * where { graph ?g { ?s ?p ?o } }", True),
    ("SELECT * FROM <urn:x> WHERE { ?s ?p ?o }", True),
    ("SELECT * WHERE { FILTER(true)GRAPH ?g {} }", True),
    ("SELECT * WHERE { ?s <urn:graphs> ?o }", True),          # conservative: only slower
])
def test_what_counts_as_reading_named_graphs(text, reads):
    assert reads_named_graphs(text) is reads


def test_an_escaped_keyword_is_not_a_keyword_to_the_engine(generation):
    """The check reads the letters as written; it is sound only while the engine does not decode
    escapes in keywords. If a new pyoxigraph did (SPARQL 1.1 section 19.2), this fails first."""
    gen, disk, _, _ = generation
    with pytest.raises(SyntaxError):
        disk.disk.query(r"SELECT * WHERE { \u0047RAPH ?g { ?s ?p ?o } }")
    with pytest.raises(SyntaxError):
        disk.disk.query(r"SELECT * \u0046ROM <urn:x> WHERE { ?s ?p ?o }")
