"""Every shape has a valid and an invalid example, and the tests run both (OGC GeoSPARQL style).

Examples live in ``tests/fixtures/shapes/<ShapeId>/valid-*.ttl`` and ``invalid-*.ttl``. An invalid
example declares what must fire, one line per result focus:
``# expect: <ShapeId> <focus IRI>`` (a literal focus node is written in double quotes).
Each example is validated with the shipped ontology mixed in (for rdfs:subClassOf) against all
shipped shapes: a valid example yields no result at all; an invalid one yields results of exactly
the expected shapes on exactly the expected focus nodes.

Examples are minimal fixtures of one rule, not catalogue entries, so they name no sources: the
provenance warning ``KetenZonderBron`` is only checked in its own folder (``PROVENANCE_SHAPES``).

SHACL-SPARQL constraints run on two engines: pySHACL (rdflib) and Oxigraph with ``$this``
pre-bound (:mod:`ketengraaf.validation.portable`). On every example both must give the same
results (shape, focus node, value), so a constraint that only works on rdflib's lenient scoping
fails here.
"""
from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from ketengraaf.sources import parse_file
from paths import ROOT
from ketengraaf.validation import SHAPES_NS, shapes_graph, validate_graph
from ketengraaf.validation.engine import DataGraph, add_triples, ontology_graph
from ketengraaf.validation.portable import sparql_constraint_results

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
EXPECT = re.compile(r"^#\s*expect:\s*(\S+)\s+(.+?)\s*$", re.M)

SHAPES = shapes_graph(ROOT / "shapes")
SHAPE_IDS = sorted(str(s)[len(SHAPES_NS):] for t in (SH.NodeShape, SH.PropertyShape)
                   for s in SHAPES.subjects(RDF.type, t) if str(s).startswith(SHAPES_NS))
EXAMPLES = sorted(FIXTURES.glob("*/*.ttl"))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    g = ontology_graph(ROOT / "ontology")
    assert len(g), f"no ontology in {ROOT / 'ontology'}"
    return g


PROVENANCE_SHAPES = {"KetenZonderBron"}


def data_of(example: Path, ontology: Graph) -> DataGraph:
    data = DataGraph()
    for t in ontology:
        data.add(t)
    add_triples(data, parse_file(example).triples)
    return data


def run(example: Path, ontology: Graph):
    report = validate_graph(data_of(example, ontology), SHAPES)
    if example.parent.name not in PROVENANCE_SHAPES:
        report.results = [r for r in report.results if r.shape_id not in PROVENANCE_SHAPES]
    return report


def sparql_results_by_pyshacl(report) -> set[tuple[str, str, str]]:
    return {(r.shape_id, str(r.focus), str(r.value if r.value is not None else r.focus))
            for r in report.results if r.component == "SPARQLConstraintComponent"}


def sparql_results_by_oxigraph(data: Graph) -> set[tuple[str, str, str]]:
    return {(str(r.shape)[len(SHAPES_NS):], str(r.focus), str(r.value))
            for r in sparql_constraint_results(data, SHAPES)}


def expected(example: Path) -> set[tuple[str, str]]:
    out = set()
    for shape, focus in EXPECT.findall(example.read_text(encoding="utf-8")):
        out.add((shape, focus[1:-1] if focus.startswith('"') else focus))
    return out


def _id(p: Path) -> str:
    return f"{p.parent.name}/{p.stem}"


def test_shapes_found():
    assert len(SHAPE_IDS) >= 20, SHAPE_IDS


@pytest.mark.parametrize("shape", SHAPE_IDS)
def test_every_shape_has_valid_and_invalid_examples(shape):
    folder = FIXTURES / shape
    assert list(folder.glob("valid-*.ttl")), f"{shape}: no valid example in {folder}"
    assert list(folder.glob("invalid-*.ttl")), f"{shape}: no invalid example in {folder}"


def test_every_example_folder_names_a_shape():
    unknown = sorted({p.parent.name for p in EXAMPLES} - set(SHAPE_IDS))
    assert not unknown, f"example folders without a shape: {unknown}"
    names = [p.name for p in EXAMPLES if not p.name.startswith(("valid-", "invalid-"))]
    assert not names, f"examples must be named valid-*.ttl or invalid-*.ttl: {names}"


@pytest.mark.parametrize("example", [p for p in EXAMPLES if p.name.startswith("valid-")], ids=_id)
def test_valid_example_yields_no_result(example, ontology):
    assert not expected(example), f"{example.name}: a valid example declares no '# expect:'"
    report = run(example, ontology)
    fired = [(r.shape_id, str(r.focus), r.message("en")) for r in report.results]
    assert fired == [], f"{_id(example)} should be valid but: {fired}"


@pytest.mark.parametrize("example", [p for p in EXAMPLES if p.name.startswith("invalid-")], ids=_id)
def test_invalid_example_fires_exactly_the_expected_shape(example, ontology):
    want = expected(example)
    assert want, f"{example}: an invalid example declares '# expect: <ShapeId> <focus>'"
    # its own shape, and any other a defect necessarily triggers too (a literal wiki page is also a
    # literal where an object property wants an IRI)
    assert example.parent.name in {s for s, _ in want}, "an invalid example expects its own shape"
    report = run(example, ontology)
    got = {(r.shape_id, str(r.focus)) for r in report.results}
    assert got == want, f"{_id(example)}: expected {sorted(want)}, got {sorted(got)}"
    for r in report.results:
        assert r.messages.keys() >= {"nl", "en"}, r.messages


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_sparql_constraints_agree_on_pyshacl_and_oxigraph(example, ontology):
    data = data_of(example, ontology)
    by_pyshacl = sparql_results_by_pyshacl(validate_graph(data, SHAPES))
    by_oxigraph = sparql_results_by_oxigraph(data)
    assert by_oxigraph == by_pyshacl, (
        f"{_id(example)}: only pySHACL {sorted(by_pyshacl - by_oxigraph)}, "
        f"only Oxigraph {sorted(by_oxigraph - by_pyshacl)}")


def test_the_second_engine_catches_out_of_scope_variables():
    """The check above is not vacuous: a FILTER in a UNION branch that uses a variable bound outside
    it (rdflib lets it through) finds nothing on Oxigraph, as SPARQL 1.1 scoping says."""
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetNode <urn:c> ;
            sh:sparql [ sh:select \"\"\"SELECT $this ?value WHERE { $this <urn:p> ?value .
                { FILTER NOT EXISTS { ?value <urn:q> ?any } } UNION { ?value <urn:r> ?x } }\"\"\" ] .
        """, format="turtle")
    data = Graph().parse(data="<urn:c> <urn:p> <urn:v> . <urn:other> <urn:q> 1 .", format="turtle")
    assert {(str(r.focus), str(r.value)) for r in sparql_constraint_results(data, shapes)} == set()
    _c, report, _t = pyshacl.validate(data, shacl_graph=shapes)
    assert (None, SH.value, URIRef("urn:v")) in report          # rdflib's leniency, for the record


def _texts(shape: URIRef, prop) -> dict[str, str]:
    return {o.language: str(o) for o in SHAPES.objects(shape, prop) if isinstance(o, Literal) and o.language}


@pytest.mark.parametrize("shape", SHAPE_IDS)
def test_shape_is_documented_in_dutch_and_english(shape):
    node = URIRef(SHAPES_NS + shape)
    for prop in (SH.name, SH.description, SH.message):
        texts = _texts(node, prop)
        assert {"nl", "en"} <= texts.keys(), f"{shape}: {prop.n3()} needs nl and en, has {sorted(texts)}"
        assert all(t.strip() for t in texts.values())
    severities = set(SHAPES.objects(node, SH.severity))
    assert len(severities) == 1 and severities <= {SH.Violation, SH.Warning, SH.Info}, severities


def test_source_preferences_and_missing_provenance_are_warnings_and_the_rest_violations():
    warnings = {s for s in SHAPE_IDS if (URIRef(SHAPES_NS + s), SH.severity, SH.Warning) in SHAPES}
    assert warnings == {"KlantdoelOrkestratie", "KetenZonderBron"}


def test_shapes_pass_shacl_shacl():
    shacl_shacl = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"
    conforms, _graph, text = pyshacl.validate(SHAPES, shacl_graph=Graph().parse(shacl_shacl))
    assert conforms, text


def test_shapes_graph_passes_meta_validation_in_use(ontology):
    example = next(p for p in EXAMPLES if p.name.startswith("valid-"))
    data = Graph()
    add_triples(data, parse_file(example).triples)
    conforms, _g, text = pyshacl.validate(data, shacl_graph=SHAPES, ont_graph=ontology, meta_shacl=True,
                                          allow_warnings=True)  # examples name no sources (KetenZonderBron)
    assert conforms, text


def test_shapes_live_in_the_shipped_folder():
    assert (ROOT / "shapes" / "keten-shapes.ttl").is_file()
