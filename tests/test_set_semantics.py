"""The default graph is the RDF merge of the source files: a set, whatever the engine does.

Oxigraph 0.5.13 returns a triple once per named graph that holds it in union mode and with several
default graphs (oxigraph#1919). ketengraaf materialises the merge into the store's default graph and
merges chosen default graphs per query; these tests put the same triples in two files and count.
"""
from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from conftest import make_app_client
from ketengraaf.loading import load
from ketengraaf.sparql.workers import Job, QueryPool, execute
from ketengraaf.store.oxigraph import OxigraphStore, open_for_reading

ID = "https://w3id.org/ketengraaf/id/"
THING = ID + "partner/dubbel"
SAME = f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix keten: <https://w3id.org/ketengraaf/def#> .
<{THING}> a keten:Ketenpartner ; skos:prefLabel "Dubbel"@nl , "Double"@en ;
    keten:bestuurslaag <{ID}bestuurslaag/overig> ;
    <urn:test:aantal> 5 .
"""
COUNT_SUM = ("SELECT ?n ?som WHERE { { SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } } "
             "{ SELECT (SUM(?a) AS ?som) WHERE { ?s <urn:test:aantal> ?a } } }")
LABELS = f"SELECT ?l WHERE {{ <{THING}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}"


@pytest.fixture(scope="module")
def twice(tmp_path_factory) -> tuple[Path, Path]:
    """A store whose two source files hold the same five triples, plus one triple of their own each."""
    src = tmp_path_factory.mktemp("src")
    (src / "a.ttl").write_text(SAME + f"<{THING}> <urn:test:alleen> \"a\" .\n", encoding="utf-8")
    (src / "b.ttl").write_text(SAME + f"<{THING}> <urn:test:alleen> \"b\" .\n", encoding="utf-8")
    store_dir = tmp_path_factory.mktemp("store")
    load(store_dir, [src])
    return store_dir, src


def _graphs(store_dir: Path) -> list[str]:
    """The source files' graphs (not the graphs the load derives: inference, report)."""
    return sorted(s.graph for s in OxigraphStore(store_dir).generation().files)


def _count_sum(rows) -> tuple[int, int]:
    row = rows[0]
    return int(row["n"].value), int(row["som"].value)


def test_store_queries_count_each_triple_once(twice):
    store = OxigraphStore(twice[0])
    assert _count_sum(store.select(COUNT_SUM)) == (7, 5)        # 5 shared + 2 own, the 5 summed once
    assert sorted(r["l"].value for r in store.select(LABELS)) == ["Double", "Dubbel"]
    # GRAPH still sees each file with its own triples
    per_graph = store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert sorted(int(r["n"].value) for r in per_graph) == [6, 6]
    # several chosen default graphs are merged too; one chosen graph is that graph
    g1, g2 = _graphs(twice[0])
    assert _count_sum(store.select(COUNT_SUM, default_graph=[g1, g2], named_graphs=[])) == (7, 5)
    assert _count_sum(store.select(COUNT_SUM, default_graph=[g1])) == (6, 5)
    # union off: the empty default graph
    assert int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union=False)[0]["n"].value) == 0
    # quads() without a graph (what pages read) gives each triple once
    assert len(list(store.quads(THING, None, None, None))) == 7


def _job(gen_path: str, query: str, kind="results", fmt="JSON", default=None, named=None, union=True) -> Job:
    return Job(gen_path, query, default, named, union, kind, fmt, 10_000, 10_000_000)


@pytest.mark.parametrize("memory_max_triples", [0, 1_000], ids=["on-disk", "default-graph-in-memory"])
def test_user_queries_in_workers_count_each_triple_once(twice, memory_max_triples):
    gen = OxigraphStore(twice[0]).generation()
    store = open_for_reading(gen.path, memory_max_triples=memory_max_triples)
    assert (store.memory is not None) == bool(memory_max_triples)
    body = json.loads(execute(store, _job(gen.path, COUNT_SUM)))
    row = body["results"]["bindings"][0]
    assert (int(row["n"]["value"]), int(row["som"]["value"])) == (7, 5)
    g1, g2 = _graphs(twice[0])
    body = json.loads(execute(store, _job(gen.path, COUNT_SUM, default=(g1, g2), named=())))
    assert int(body["results"]["bindings"][0]["n"]["value"]) == 7
    # FROM g1 FROM g2 reaches the worker as the same default-graph list (protocol.QueryRequest.dataset)
    body = json.loads(execute(store, _job(gen.path, LABELS, default=(g1, g2), named=())))
    assert sorted(b["l"]["value"] for b in body["results"]["bindings"]) == ["Double", "Dubbel"]
    # DESCRIBE: a set of triples
    nt = execute(store, _job(gen.path, f"DESCRIBE <{THING}>", kind="graph", fmt="N_TRIPLES")).decode()
    lines = [line for line in nt.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)) == 7


def test_worker_pool_and_endpoint_count_each_triple_once(twice):
    gen = OxigraphStore(twice[0]).generation()
    pool = QueryPool(1).start()
    try:
        body = json.loads(pool.run(_job(gen.path, COUNT_SUM), 60))
    finally:
        pool.close()
    assert int(body["results"]["bindings"][0]["n"]["value"]) == 7
    client = make_app_client(twice[0], sources=str(twice[1]), load_on_start=False)
    g1, g2 = _graphs(twice[0])
    r = client.get("/sparql", query_string=[("query", COUNT_SUM), ("default-graph-uri", g1),
                                            ("default-graph-uri", g2)],
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.data[:300]
    assert int(r.get_json()["results"]["bindings"][0]["n"]["value"]) == 7


def test_resource_page_and_rdf_show_each_triple_once(twice):
    client = make_app_client(twice[0], sources=str(twice[1]), load_on_start=False)
    r = client.get("/data/partner/dubbel.nt")
    assert r.status_code == 200
    lines = [line for line in r.data.decode().splitlines() if line.startswith(f"<{THING}>")]
    assert len(lines) == len(set(lines)) == 7
    g = Graph().parse(data=r.data, format="nt")
    assert set(g.objects(URIRef(THING), SKOS.prefLabel)) == {Literal("Dubbel", lang="nl"),
                                                            Literal("Double", lang="en")}
    # a dereferenced document is one graph, also in TriG: the label once, in the default graph
    trig = client.get("/data/partner/dubbel.trig")
    ds = Dataset()
    ds.parse(data=trig.data, format="trig")
    holders = [g.identifier for g in ds.graphs() if (URIRef(THING), SKOS.prefLabel, Literal("Dubbel", lang="nl")) in g]
    assert holders == [ds.default_context.identifier]
    # the HTML page lists each value once: as often as a page built from one file does
    single_src = twice[1].parent / (twice[1].name + "-single")
    single_src.mkdir(exist_ok=True)
    (single_src / "a.ttl").write_text(SAME, encoding="utf-8")
    single_store = twice[1].parent / (twice[1].name + "-single-store")
    load(single_store, [single_src])                  # unvalidated, like the doubled store
    single = make_app_client(single_store, sources=str(single_src), load_on_start=False)
    html = client.get("/id/partner/dubbel", headers={"Accept": "text/html"}).data.decode()
    once = single.get("/id/partner/dubbel", headers={"Accept": "text/html"}).data.decode()
    for text in ("Double", "urn:test:aantal", ">5<"):
        assert html.count(text) == once.count(text) >= 1, text


def test_engine_union_mode_still_repeats_triples():
    """Tells when the workaround can go: Oxigraph's own union mode still counts a triple per graph."""
    store = ox.Store()
    s, p, o = ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o")
    store.extend([ox.Quad(s, p, o, ox.NamedNode("urn:g1")), ox.Quad(s, p, o, ox.NamedNode("urn:g2"))])
    n = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                  use_default_graph_as_union=True)))["n"].value)
    if n == 1:
        pytest.fail(f"oxigraph fixed #1919: the workaround can go (pyoxigraph {ox.__version__}): query in "
                    "union mode again instead of materialising the default graph in store/oxigraph.py")
    assert n == 2


def test_a_blank_node_is_one_node_in_its_graph_and_in_the_default_graph(tmp_path):
    """The loader writes the generation in one bulk load (which renames blank nodes per document): the
    default graph's copy of a source's blank node must stay the node that source's graph holds."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "c.ttl").write_text(
        "@prefix e: <urn:test:> .\n"
        "e:a e:p [ e:q 1 ] .\ne:b e:p _:x .\n_:x e:q 2 .\n", encoding="utf-8")
    load(tmp_path / "store", [src])
    store = OxigraphStore(tmp_path / "store")
    for value in ("1", "2"):
        in_default = [q.subject for q in store.quads(None, "urn:test:q", None, None) if q.object.value == value]
        assert len(in_default) == 1 and isinstance(in_default[0], ox.BlankNode)
        claims = list(store.source_quads(in_default[0], None, None))     # the same node, found in its graph
        assert [q.object.value for q in claims] == [value]
        assert claims[0].graph_name.value.endswith("c.ttl")
    rows = store.select("SELECT ?o WHERE { GRAPH ?g { ?s <urn:test:p> ?b } ?b <urn:test:q> ?o } ORDER BY ?o")
    assert [r["o"].value for r in rows] == ["1", "2"]
