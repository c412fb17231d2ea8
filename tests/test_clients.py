"""Clients nobody here wrote, against the live server (waitress on loopback, the shipped catalogue).

- rdflib: parses each document by URL (it negotiates and picks the parser from Content-Type);
  every format gives the same graph, N-Quads and TriG with every triple in the default graph;
  compact JSON-LD (inline context) gives the Turtle's graph; the page's embedded JSON-LD too.
- rdflib's SPARQLStore: SELECT, ASK, CONSTRUCT with each ``returnFormat``.
- Comunica (``@comunica/query-sparql``, pinned in ``tests/.node/package.json``, installed with
  ``cd tests/.node && npm ci``): a chain's IRI as a document source (link traversal reads the
  document's default graph), and ``/sparql`` as a SPARQL source.
SPARQLWrapper has its own file (test_sparql_wrapper.py).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request, urlopen

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from paths import ROOT

KETEN = "https://w3id.org/ketengraaf/def#"
ID = "https://w3id.org/ketengraaf/id/"
VTH = ID + "keten/vth"
EXTENSIONS = ("ttl", "nt", "jsonld", "rdf", "trig", "nq")
COMUNICA = ROOT / "tests" / ".node" / "node_modules" / "@comunica" / "query-sparql" / "bin" / "query.js"
# read by hand in data/ketens/vth.ttl: some of what the chain's description must hold
HAND_PICKED = {
    (URIRef(VTH), RDF.type, URIRef(KETEN + "Estafetteketen")),
    (URIRef(VTH), RDF.type, URIRef(KETEN + "Keten")),                         # from the inference graph
    (URIRef(VTH), URIRef(KETEN + "heeftProces"), URIRef(ID + "proces/vth-vergunningverlening")),
    (URIRef(VTH), URIRef(KETEN + "heeftProces"), URIRef(ID + "proces/vth-toezicht")),
    (URIRef(VTH), URIRef(KETEN + "heeftProces"), URIRef(ID + "proces/vth-handhaving")),
}


def _get(url: str, accept: str) -> tuple[str, bytes]:
    with urlopen(Request(url, headers={"Accept": accept}), timeout=30) as r:
        return r.headers["Content-Type"], r.read()


def _turtle(live_server) -> Graph:
    return Graph().parse(live_server.url + "/data/keten/vth.ttl")


# -- documents are graphs --------------------------------------------------------------------------

@pytest.mark.parametrize("ext", EXTENSIONS)
def test_rdflib_parses_every_format_by_url_to_the_same_graph(live_server, ext):
    ds = Dataset()
    ds.parse(live_server.url + f"/data/keten/vth.{ext}")          # rdflib picks the parser by Content-Type
    named = [g.identifier for g in ds.graphs() if len(g) and g.identifier != ds.default_context.identifier]
    assert named == []                                           # everything in the default graph
    assert isomorphic(ds.default_context, _turtle(live_server))
    assert HAND_PICKED <= set(ds.default_context)


def test_nquads_description_has_no_graph_names(live_server):
    _, body = _get(live_server.url + "/id/keten/vth", "application/n-quads")
    quads = list(ox.parse(body, format=ox.RdfFormat.N_QUADS))
    assert quads and all(q.graph_name == ox.DefaultGraph() for q in quads)
    # the source graphs are still there for SPARQL
    q = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{VTH}> a ?t }} }}"
    _, res = _get(live_server.url + "/sparql?query=" + _quote(q), "application/sparql-results+json")
    graphs = {b["g"]["value"] for b in json.loads(res)["results"]["bindings"]}
    assert graphs == {"https://w3id.org/ketengraaf/graph/data/ketens/vth.ttl",
                      "https://w3id.org/ketengraaf/graph/inferentie"}      # vth a keten:Keten, inferred


def _quote(q: str) -> str:
    return quote(q, safe="")


# -- compact JSON-LD -----------------------------------------------------------------------------

def test_jsonld_is_compact_with_the_published_context_and_parses_to_the_turtle(live_server):
    ctype, body = _get(live_server.url + "/id/keten/vth", "application/ld+json")
    assert ctype.startswith("application/ld+json")
    doc = json.loads(body)
    node = next(n for n in doc["@graph"] if n["@id"] == "id:keten/vth")
    assert "Estafetteketen" in node["@type"]
    assert {"@id": "id:doel/vth-veilige-leefomgeving"} in _list(node["heeftDoel"])
    _, ctx_body = _get(live_server.url + "/def/context.jsonld", "application/ld+json")
    published = json.loads(ctx_body)
    assert published["owl:versionInfo"] == "0.2.0"
    for key, value in doc["@context"].items():                   # the inline context is part of the published one
        assert published["@context"][key] == value
    assert published["@context"]["Estafetteketen"] == "keten:Estafetteketen"
    assert published["@context"]["keten"] == KETEN
    assert "keten" not in {k for k, v in published["@context"].items() if v == "keten:keten"}
    g = Graph().parse(data=body, format="json-ld")
    assert isomorphic(g, _turtle(live_server))


def test_the_published_context_read_by_url_gives_the_same_graph(live_server):
    """A client may replace an answer's inline context with the published one: rdflib fetches it."""
    _, body = _get(live_server.url + "/id/keten/vth", "application/ld+json")
    doc = json.loads(body)
    doc["@context"] = live_server.url + "/def/context.jsonld"
    g = Graph().parse(data=json.dumps(doc), format="json-ld")
    assert HAND_PICKED <= set(g) and isomorphic(g, _turtle(live_server))


def _list(v):
    return v if isinstance(v, list) else [v]


def test_expanded_jsonld_on_request(live_server):
    accept = 'application/ld+json;profile="http://www.w3.org/ns/json-ld#expanded"'
    _, body = _get(live_server.url + "/id/keten/vth", accept)
    doc = json.loads(body)
    assert isinstance(doc, list) and "@context" not in body.decode()
    assert isomorphic(Graph().parse(data=body, format="json-ld"), _turtle(live_server))


def test_page_embeds_its_description_as_jsonld(live_server):
    _, page = _get(live_server.url + "/id/keten/vth", "text/html")
    m = re.search(rb'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert m is not None
    embedded = Graph().parse(data=m.group(1).decode(), format="json-ld")
    assert HAND_PICKED <= set(embedded) and isomorphic(embedded, _turtle(live_server))


def test_construct_answers_compact_jsonld(live_server):
    q = f"CONSTRUCT {{ ?s a <{KETEN}Estafetteketen> }} WHERE {{ ?s a <{KETEN}Estafetteketen> }}"
    _, body = _get(live_server.url + "/sparql?query=" + _quote(q), "application/ld+json")
    doc = json.loads(body)
    assert doc["@context"] == {"Estafetteketen": "keten:Estafetteketen", "id": ID, "keten": KETEN}
    assert sorted(n["@id"] for n in doc["@graph"]) == [
        "id:keten/nazorg-ex-gedetineerden", "id:keten/schuldhulpverlening", "id:keten/vth"]
    g = Graph().parse(data=body, format="json-ld")
    assert set(g) == {(URIRef(ID + "keten/" + k), RDF.type, URIRef(KETEN + "Estafetteketen"))
                      for k in ("nazorg-ex-gedetineerden", "schuldhulpverlening", "vth")}


# -- forgiving where the spec allows -------------------------------------------------------------

@pytest.mark.parametrize("alias,media", [("turtle", "text/turtle"), ("ttl", "text/turtle"),
                                         ("ntriples", "application/n-triples"), ("json-ld", "application/ld+json"),
                                         ("jsonld", "application/ld+json"), ("xml", "application/rdf+xml"),
                                         ("rdfxml", "application/rdf+xml"), ("nquads", "application/n-quads")])
def test_format_aliases_on_resources_and_the_endpoint(live_server, alias, media):
    ctype, _ = _get(live_server.url + f"/id/keten/vth?format={alias}", "*/*")
    assert ctype.split(";")[0] == media
    q = f"DESCRIBE <{VTH}>"
    ctype, _ = _get(live_server.url + f"/sparql?format={alias}&query=" + _quote(q), "*/*")
    assert ctype.split(";")[0] == media


def test_construct_with_only_results_types_falls_back_to_turtle(live_server):
    q = f"CONSTRUCT {{ <{VTH}> a ?t }} WHERE {{ <{VTH}> a ?t FILTER(?t = <{KETEN}Estafetteketen>) }}"
    ctype, body = _get(live_server.url + "/sparql?query=" + _quote(q), "application/sparql-results+json")
    assert ctype.split(";")[0] == "text/turtle"
    assert set(Graph().parse(data=body, format="turtle")) == {(URIRef(VTH), RDF.type, URIRef(KETEN + "Estafetteketen"))}


def test_select_with_only_rdf_types_stays_406(live_server):
    with pytest.raises(HTTPError) as err:
        _get(live_server.url + "/sparql?query=" + _quote("SELECT * WHERE { ?s ?p ?o } LIMIT 1"), "text/turtle")
    assert err.value.code == 406


# -- rdflib's SPARQLStore ----------------------------------------------------------------------------

ESTAFETTE = [URIRef(ID + "keten/" + k) for k in ("nazorg-ex-gedetineerden", "schuldhulpverlening", "vth")]


@pytest.mark.parametrize("return_format", ["xml", "json", "csv", "tsv"])
def test_sparqlstore_select_ask_construct(live_server, return_format):
    g = Graph(store=SPARQLStore(live_server.url + "/sparql", returnFormat=return_format))
    rows = list(g.query(f"SELECT ?s WHERE {{ ?s a <{KETEN}Estafetteketen> }} ORDER BY ?s"))
    assert [r[0] for r in rows] == ESTAFETTE
    if return_format in ("xml", "json"):      # SPARQL 1.1 defines no ASK answer in CSV or TSV
        assert g.query(f"ASK {{ <{VTH}> a <{KETEN}Estafetteketen> }}").askAnswer is True
        assert g.query(f"ASK {{ <{VTH}> a <{KETEN}Orkestratieketen> }}").askAnswer is False
    res = g.query(f"CONSTRUCT {{ ?s a <{KETEN}Estafetteketen> }} WHERE {{ ?s a <{KETEN}Estafetteketen> }}")
    assert set(res) == {(s, RDF.type, URIRef(KETEN + "Estafetteketen")) for s in ESTAFETTE}


# -- Comunica ------------------------------------------------------------------------------------

needs_comunica = pytest.mark.skipif(
    shutil.which("node") is None or not COMUNICA.is_file(),
    reason="Comunica is not installed: cd tests/.node && npm ci (needs node and npm)")


def _comunica(source: str, query: str, media: str) -> bytes:
    out = subprocess.run(["node", str(COMUNICA), source, query, "-t", media], capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    return out.stdout


def _graph_of(triples) -> Graph:
    g = Graph()
    g.parse(data="".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples), format="nt")
    return g


def _description_by_sparql(live_server) -> set:
    """The description as the endpoint gives it: DESCRIBE (what vth says), plus what links to vth, the
    claims about it (reified statements with their source and quotation) and the labels (skos:prefLabel,
    rdfs:label) of every IRI on either side."""
    labels = f"<{SKOS.prefLabel}> <{RDFS.label}>"
    q = f"""CONSTRUCT {{ <{VTH}> ?p ?o . ?s ?q <{VTH}> . ?x ?l ?lab . ?c ?cp ?co }} WHERE {{
      {{ <{VTH}> ?p ?o }} UNION {{ ?s ?q <{VTH}> }} UNION {{ ?c <{RDF.subject}> <{VTH}> ; ?cp ?co }} UNION
      {{ {{ <{VTH}> ?p2 ?x }} UNION {{ ?x ?q2 <{VTH}> }} UNION {{ ?c2 <{RDF.subject}> <{VTH}> ; ?cp2 ?x }}
         FILTER(isIRI(?x) && ?x != <{VTH}>)
         VALUES ?l {{ {labels} }} ?x ?l ?lab }} }}"""
    _, body = _get(live_server.url + "/sparql?query=" + _quote(q), "application/n-triples")
    _, describe = _get(live_server.url + "/sparql?query=" + _quote(f"DESCRIBE <{VTH}>"), "application/n-triples")
    own = set(ox.parse(describe, format=ox.RdfFormat.N_TRIPLES))
    whole = set(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    assert own < whole and all(t.subject == ox.NamedNode(VTH) for t in own)
    return whole


@needs_comunica
def test_comunica_reads_a_chain_document_as_a_source(live_server):
    source = live_server.url + "/id/keten/vth"                   # Comunica asks for N-Quads first
    rows = json.loads(_comunica(source, "SELECT * WHERE { ?s ?p ?o }", "application/sparql-results+json"))
    assert len(rows["results"]["bindings"]) == len(_description_by_sparql(live_server))
    body = _comunica(source, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    got = set(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    # the claims' statements are blank nodes, labelled afresh by each answer: compare as graphs
    assert isomorphic(_graph_of(got), _graph_of(_description_by_sparql(live_server)))
    assert ox.Quad(ox.NamedNode(VTH), ox.NamedNode(str(RDF.type)), ox.NamedNode(KETEN + "Estafetteketen")) in got
    assert ox.Quad(ox.NamedNode(ID + "deelname/vth-gemeente"), ox.NamedNode(KETEN + "keten"), ox.NamedNode(VTH)) in got
    assert ox.Quad(ox.NamedNode(KETEN + "Estafetteketen"), ox.NamedNode(str(RDFS.label)),
                     ox.Literal("Relay chain", language="en")) in got


@needs_comunica
def test_comunica_queries_the_endpoint(live_server):
    q = f"SELECT ?s WHERE {{ ?s a <{KETEN}Estafetteketen> }} ORDER BY ?s"
    rows = json.loads(_comunica("sparql@" + live_server.url + "/sparql", q, "application/sparql-results+json"))
    assert [b["s"]["value"] for b in rows["results"]["bindings"]] == [str(s) for s in ESTAFETTE]

