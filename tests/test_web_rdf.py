"""Dereferencing: content negotiation, stable data URLs, RDF that parses and keeps the public IRIs."""
from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from conftest import make_app_client
from web_helpers import DEF, FIXTURES, ID

VTH = URIRef(ID + "keten/vth")
FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
           "application/n-triples": "nt"}


@pytest.fixture(scope="module")
def web(tmp_path_factory, backend):
    client = make_app_client(tmp_path_factory.mktemp("rdf") / "store", backend, sources=str(FIXTURES),
                             allow_violations=True)
    return client.application.test_client(use_cookies=False)


def _graph(resp, fmt) -> Graph:
    g = Graph()
    g.parse(data=resp.data, format=fmt)
    return g


@pytest.mark.parametrize("mime,fmt", sorted(FORMATS.items()))
def test_instance_iri_negotiates_rdf_with_public_iris(web, mime, fmt):
    r = web.get("/id/keten/vth", headers={"Accept": mime})
    assert r.status_code == 200 and r.mimetype == mime
    assert "Accept" in r.headers["Vary"]
    assert r.headers["Content-Location"].startswith("/data/keten/vth.")
    g = _graph(r, fmt)
    assert (VTH, RDF.type, URIRef(DEF + "Estafetteketen")) in g
    assert (VTH, SKOS.prefLabel, Literal("VTH-keten", lang="nl")) in g
    # inbound triples and labels of linked resources are part of the description
    assert (URIRef(ID + "deelname/vth-gemeente"), URIRef(DEF + "keten"), VTH) in g
    assert (URIRef(ID + "partner/gemeente"), SKOS.prefLabel, Literal("Gemeente", lang="nl")) in g
    # blank nodes come along
    assert any(True for _ in g.triples((VTH, URIRef("http://www.w3.org/ns/prov#qualifiedAttribution"), None)))
    assert b"localhost" not in r.data and b"/data/" not in r.data      # never the local rewrite


def test_browser_gets_html_and_link_headers(web):
    r = web.get("/id/keten/vth", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.mimetype == "text/html"
    link = r.headers["Link"]
    for mime in ("text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"):
        assert f'type="{mime}"' in link
    assert '</data/keten/vth.ttl>; rel="alternate"' in link


def test_stable_data_urls_and_format_parameter(web):
    for ext, fmt in (("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml"), ("nt", "nt")):
        r = web.get(f"/data/keten/vth.{ext}")
        assert r.status_code == 200
        assert (VTH, RDF.type, URIRef(DEF + "Estafetteketen")) in _graph(r, fmt)
        q = web.get(f"/id/keten/vth?format={ext}")
        assert q.data == r.data
    trig = web.get("/data/keten/vth.trig")
    ds = Dataset()
    ds.parse(data=trig.data, format="trig")
    # a document is a graph: its triples are in the default graph (the source graphs stay in /sparql)
    assert (VTH, RDF.type, URIRef(DEF + "Estafetteketen")) in ds.default_graph
    assert not any(len(g) for g in ds.graphs() if str(g.identifier).startswith("https://w3id.org/ketengraaf/graph/"))
    assert web.get("/data/keten/vth", headers={"Accept": "application/ld+json"}).mimetype == "application/ld+json"
    assert web.get("/id/keten/vth?format=xls").status_code == 400
    assert web.get("/id/keten/vth", headers={"Accept": "image/png"}).status_code == 406
    assert web.get("/data/keten/nope.ttl").status_code == 404


def test_ontology_and_terms_dereference(web):
    g = _graph(web.get("/def", headers={"Accept": "text/turtle"}), "turtle")
    assert (URIRef(DEF + "Keten"), RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in g
    assert (URIRef("https://w3id.org/ketengraaf/def"), RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in g
    t = _graph(web.get("/def/Keten", headers={"Accept": "application/ld+json"}), "json-ld")
    assert (URIRef(DEF + "Orkestratieketen"), URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
            URIRef(DEF + "Keten")) in t
    assert web.get("/def/Keten.ttl").status_code == 301


def test_external_iri_with_data_gets_a_page_and_data(web):
    iri = "https://www.gemmaonline.nl/index.php/VTH-keten"
    page = web.get("/resource", query_string={"iri": iri}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "VTH-keten (GEMMA online)" in page.data.decode()
    g = _graph(web.get("/resource", query_string={"iri": iri, "format": "ttl"}), "turtle")
    assert (URIRef(iri), URIRef(DEF + "laatstBewerkt"), None) in g
    assert web.get("/resource", query_string={"iri": "https://example.org/none"}).status_code == 404
    assert web.get("/resource").status_code == 400


def test_local_url_maps_public_iris(web):
    from ketengraaf.web.urls import data_url, local_url
    with web.application.test_request_context("/"):
        assert local_url(ID + "keten/vth") == "/id/keten/vth"
        assert local_url(DEF + "Keten") == "/def/Keten"
        assert local_url("https://w3id.org/ketengraaf/def") == "/def"
        assert local_url("https://www.gemmaonline.nl/index.php/VTH-keten").startswith("/resource?iri=https%3A")
        assert local_url("https://example.org/unknown") == "https://example.org/unknown"
        assert data_url(ID + "keten/vth", "ttl") == "/data/keten/vth.ttl"


def test_other_public_base_maps_the_same_data(tmp_path):
    """The base is a setting: with another base the w3id IRIs are no longer ours to serve."""
    web = make_app_client(tmp_path / "store", sources=str(FIXTURES), allow_violations=True, public_base="https://example.org/kg/")
    assert web.get("/id/keten/vth", headers={"Accept": "text/html"}).status_code == 404
