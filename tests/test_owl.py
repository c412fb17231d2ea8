"""The ontology is OWL 2 DL: owlready2 loads it, and HermiT (bundled with owlready2, run with Java)
finds the ontology with the shipped data consistent, and a chain of two disjoint models inconsistent.

One translation, for HermiT only: ``xsd:date`` is not in the OWL 2 datatype map, and HermiT refuses
any datatype outside it, so dates are read as ``xsd:dateTime`` at midnight (ranges and values alike;
see docs/terms.md). Everything else goes in as it is in the repository.
"""
from __future__ import annotations

import io
import shutil

import pyoxigraph as ox
import pytest

from paths import ROOT

owlready2 = pytest.importorskip("owlready2", reason="owlready2 is in the test extra: pip install -e '.[test]'")
pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java (java is not on PATH)")

XSD = "http://www.w3.org/2001/XMLSchema#"
DATE, DATETIME = ox.NamedNode(XSD + "date"), ox.NamedNode(XSD + "dateTime")
KETEN = "https://w3id.org/ketengraaf/def#"
VTH = "https://w3id.org/ketengraaf/id/keten/vth"


def _for_hermit(t: ox.Triple) -> ox.Triple:
    o = t.object
    if o == DATE:
        o = DATETIME
    elif isinstance(o, ox.Literal) and o.datatype == DATE:
        o = ox.Literal(o.value + "T00:00:00", datatype=DATETIME)
    return ox.Triple(t.subject, t.predicate, o)


def _world(files, extra: list[ox.Triple] = ()):
    world = owlready2.World()
    for path in files:
        triples = [_for_hermit(t) for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
        nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        world.get_ontology(path.as_uri()).load(fileobj=io.BytesIO(nt), format="ntriples")
    if extra:
        nt = ox.serialize(list(extra), format=ox.RdfFormat.N_TRIPLES)
        world.get_ontology("urn:test:extra").load(fileobj=io.BytesIO(nt), format="ntriples")
    return world


def _ontology_files():
    return sorted((ROOT / "ontology").glob("*.ttl"))


def test_owlready2_loads_the_ontology_without_conflicts():
    world = _world(_ontology_files())       # owlready2 refused the old one: "metaclass conflict"
    onto = world.get_ontology("https://w3id.org/ketengraaf/def#")
    assert onto.Estafetteketen is not None and onto.Orkestratieketen is not None
    wiki = world[KETEN + "wikiPagina"]
    assert isinstance(wiki, owlready2.ObjectPropertyClass)
    # not under rdfs:seeAlso (an annotation property) any more: no punning
    assert all(isinstance(p, owlready2.ObjectPropertyClass) for p in wiki.is_a if p is not owlready2.ObjectProperty)


def test_hermit_finds_ontology_and_shipped_data_consistent():
    world = _world(_ontology_files() + sorted((ROOT / "data").rglob("*.ttl")))
    with world:
        owlready2.sync_reasoner(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []


def test_hermit_finds_a_relay_chain_that_is_also_orchestrated_inconsistent():
    both = [ox.Triple(ox.NamedNode(VTH), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode(KETEN + "Orkestratieketen"))]      # vth.ttl says Estafetteketen
    world = _world(_ontology_files() + [ROOT / "data" / "ketens" / "vth.ttl"], both)
    with world, pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        owlready2.sync_reasoner(world, infer_property_values=False, debug=0)
