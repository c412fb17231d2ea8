"""The validation module: engine on rdflib graphs, report model, renderers, stored reports."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH

from ketengraaf.errors import ConfigError, InputError
from ketengraaf.loading import load
from ketengraaf.sources import parse_file, parse_sources
from paths import ROOT
from ketengraaf.validation import (RENDERERS, Report, Result, build_graphs, read_report, render, validate_graph,
                            validate_sources)

FIX = Path(__file__).parent / "fixtures" / "shapes"
ID = "https://w3id.org/ketengraaf/id/"
VTH = ID + "keten/vth"
KLANTDOEL = FIX / "KlantdoelOrkestratie" / "invalid-estafette-met-klantdoel.ttl"      # 1 warning
PERIODE = FIX / "DeelnamePeriode" / "invalid-einde-voor-begin.ttl"                     # 1 violation
TWO_ROLES = FIX / "DeelnameEenRol" / "invalid-twee-rollen.ttl"                         # 1 violation


@pytest.fixture(scope="module")
def mixed() -> Report:
    """A warning (SPARQL-based shape) and a violation (core shape), from two files."""
    return validate_sources([parse_file(KLANTDOEL, ROOT), parse_file(PERIODE, ROOT)])


def test_summary_counts_severities(mixed):
    assert mixed.summary() == {"conforms": False, "violations": 1, "warnings": 1, "infos": 0}
    assert {r.shape_id for r in mixed.results} == {"KlantdoelOrkestratie", "DeelnamePeriode"}


def test_warnings_alone_do_not_conform_but_are_acceptable():
    """SHACL §3.6.1: sh:conforms is true iff there are no results, a warning too."""
    report = validate_sources([parse_file(KLANTDOEL)])
    assert not report.conforms and report.warnings == 1 and report.violations == 0
    assert report.acceptable() and not report.acceptable(strict=True)
    assert (None, SH.conforms, Literal(False)) in report.graph
    clean = validate_sources([parse_file(FIX / "KetenHeeftDoel" / "valid-orkestratie.ttl")])
    assert clean.conforms and (None, SH.conforms, Literal(True)) in clean.graph


def test_result_carries_focus_label_path_value_and_source(mixed):
    (warning,) = mixed.results_for(VTH)
    assert warning.severity == "Warning"
    assert warning.label("nl") == "VTH-keten"
    assert warning.label("en") == "Permits, supervision and enforcement chain"
    assert warning.path == "https://w3id.org/ketengraaf/def#heeftDoel"
    assert warning.value == URIRef(ID + "doel/veilige-leefomgeving")
    assert warning.source == "tests/fixtures/shapes/KlantdoelOrkestratie/invalid-estafette-met-klantdoel.ttl"
    (violation,) = mixed.results_for(ID + "deelname/omgevingsvergunning-veiligheidsregio")
    assert violation.source.endswith("invalid-einde-voor-begin.ttl")
    assert violation.component == "LessThanOrEqualsConstraintComponent"


def test_messages_in_both_languages_also_for_sparql_shapes(mixed):
    """pySHACL drops the language of sh:message on SPARQL-based results; the engine restores it."""
    for r in mixed.results:
        assert set(r.messages) == {"nl", "en"}, r.messages
    (warning,) = mixed.results_for(VTH)
    assert warning.message("nl").startswith("De keten heeft een klantdoel")
    assert warning.message("en").startswith("The chain has a client goal")
    tagged = {m.language for m in mixed.graph.objects(None, SH.resultMessage)}
    assert tagged == {"nl", "en"}


def test_message_and_label_fall_back_to_the_other_language():
    r = Result(focus=URIRef(VTH), shape=URIRef("https://w3id.org/ketengraaf/def/shapes#X"), severity="Violation",
               messages={"en": "only English"}, labels={"nl": "alleen Nederlands"})
    assert r.message("nl") == "only English"
    assert r.label("en") == "alleen Nederlands"
    assert r.shape_id == "X"
    bare = Result(focus=URIRef(VTH), shape=URIRef("https://example.org/s#Y"), severity="Info", component="Z")
    assert "Y" in bare.message("nl") and bare.label("nl") is None


def test_ontology_is_mixed_in_so_subclasses_are_targeted():
    """The fixture types its chain keten:Orkestratieketen only; keten:Keten shapes reach it via the ontology."""
    data, shapes, _sources = build_graphs([parse_file(FIX / "KetenHeeftDoel" / "invalid-geen-doel.ttl")])
    assert (URIRef("https://w3id.org/ketengraaf/def#Orkestratieketen"),
            URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
            URIRef("https://w3id.org/ketengraaf/def#Keten")) in data
    report = validate_graph(data, shapes)
    assert [r.shape_id for r in report.results] == ["KetenHeeftDoel"]


def test_shape_files_among_the_sources_become_the_shapes_graph(tmp_path):
    """Given sources with shapes, those shapes are used (not the shipped ones) and are not data."""
    only = tmp_path / "only-periode.ttl"
    shipped = Graph().parse(ROOT / "shapes" / "deelname-shapes.ttl")
    keep = URIRef("https://w3id.org/ketengraaf/def/shapes#DeelnamePeriode")
    g = Graph()
    for p, o in shipped.predicate_objects(keep):
        g.add((keep, p, o))
    g.serialize(only, format="turtle")
    parsed = [parse_file(only), parse_file(TWO_ROLES), parse_file(PERIODE)]
    data, shapes, _ = build_graphs(parsed)
    assert (keep, None, None) not in data and len(shapes) == len(g)
    report = validate_graph(data, shapes)
    assert [r.shape_id for r in report.results] == ["DeelnamePeriode"]


def test_unusable_shapes_are_a_config_error():
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <https://example.org/s> a sh:NodeShape ; sh:targetNode <https://example.org/x> ;
            sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?x { 1 } }" ] .
        """, format="turtle")
    with pytest.raises(ConfigError, match="SHACL shapes cannot be used"):
        validate_graph(Graph(), shapes)


def test_renderer_registry_has_the_three_formats(mixed):
    assert {"text", "turtle", "json-ld"} <= set(RENDERERS)
    with pytest.raises(InputError, match="unknown report format 'xml'"):
        render(mixed, "xml")


def test_text_groups_results_by_focus_node(tmp_path):
    report = validate_sources([parse_file(FIX / "KetenEenModel" / "invalid-twee-modellen.ttl"),
                               parse_file(KLANTDOEL)])
    text = render(report, "text", "nl")
    focus_lines = [line for line in text.splitlines() if line.startswith("<https://w3id.org/ketengraaf/id/keten/vth>")]
    # both files describe <keten/vth>: all its results sit under one heading
    assert len(focus_lines) == 1 and '"VTH-keten"' in focus_lines[0]
    assert "[overtreding] KetenEenModel" in text and "[waarschuwing] KlantdoelOrkestratie" in text
    assert "1 overtreding, 1 waarschuwing, 0 meldingen; duur" in text
    english = render(report, "text", "en")
    assert "1 violation, 1 warning, 0 infos; took" in english and "does NOT conform" in english


def test_turtle_and_jsonld_are_the_same_report_graph(mixed):
    turtle = Graph().parse(data=render(mixed, "turtle"), format="turtle")
    doc = render(mixed, "json-ld")
    json.loads(doc)
    jsonld = Graph().parse(data=doc, format="json-ld")
    for g in (turtle, jsonld):
        assert len(list(g.subjects(None, SH.ValidationResult))) == 2
        assert (None, SH.conforms, Literal(False)) in g


def test_stored_report_and_read_report_round_trip(tmp_path):
    parsed = parse_sources([KLANTDOEL, PERIODE])
    report = validate_sources(parsed)
    turtle, summary = render(report, "turtle").encode("utf-8"), report.summary()
    assert summary == {"conforms": False, "violations": 1, "warnings": 1, "infos": 0}
    stored = tmp_path / "validation.ttl"
    stored.write_bytes(turtle)
    back = read_report(stored)
    assert back.summary() == summary
    original = validate_sources(parsed)
    key = lambda r: (r.shape_id, str(r.focus), r.severity, r.path, r.value, r.source,
                     tuple(sorted(r.messages.items())), tuple(sorted(r.labels.items())))
    assert sorted(map(key, back.results)) == sorted(map(key, original.results))
    assert back.results_for(VTH)[0].label("en") == "Permits, supervision and enforcement chain"
    assert back.results_for(ID + "nothing/here") == []


def test_read_report_errors(tmp_path):
    with pytest.raises(InputError, match="no such validation report"):
        read_report(tmp_path / "missing.ttl")
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle .")
    with pytest.raises(InputError, match="not a readable Turtle report"):
        read_report(bad)


def test_load_stores_the_report_in_the_generation(tmp_path):
    gen, changed = load(tmp_path / "store", [KLANTDOEL], validator=validate_sources)
    assert changed and gen.extra["validation"] == {"conforms": False, "violations": 0, "warnings": 1, "infos": 0}
    report = read_report(Path(gen.path) / "validation.ttl")
    assert [r.shape_id for r in report.results_for(VTH)] == ["KlantdoelOrkestratie"]


def test_prepared_query_graph_gives_the_same_results_as_a_plain_graph():
    from ketengraaf.validation.engine import DataGraph
    data, shapes, _ = build_graphs([
        parse_file(FIX / "OrkestratieDeelprocesNamensRegisseur" / "invalid-zonder-namens.ttl"),
        parse_file(KLANTDOEL)])
    assert isinstance(data, DataGraph)
    plain = Graph()
    for t in data:
        plain.add(t)
    key = lambda rep: sorted((r.shape_id, str(r.focus), str(r.value)) for r in rep.results)
    fast, slow = validate_graph(data, shapes), validate_graph(plain, shapes)
    assert key(fast) == key(slow) and len(fast.results) == 2


# ---------------------------------------------------------------- SPARQL constraints on Oxigraph (issue 15)

def _both_ways(parsed) -> tuple[Report, Report]:
    """The report of ``parsed`` with every constraint on pySHACL, and with the SPARQL ones batched."""
    data, shapes, sources = build_graphs(parsed, shapes_dir=ROOT / "shapes", ontology_dir=ROOT / "ontology")
    slow = validate_graph(data, shapes, sources=sources, batched=False)
    data, shapes, sources = build_graphs(parsed, shapes_dir=ROOT / "shapes", ontology_dir=ROOT / "ontology")
    return slow, validate_graph(data, shapes, sources=sources, batched=True)


def _keys(report: Report) -> list:
    return sorted((r.key, r.component, r.source, tuple(sorted(r.messages.items())), tuple(sorted(r.labels.items())))
                  for r in report.results)


def test_batched_sparql_constraints_cover_the_shipped_shapes():
    from ketengraaf.validation import batch     # deferred: only this test looks inside
    from ketengraaf.validation.engine import resolve_sparql_targets, shapes_graph   # deferred: idem
    shapes = shapes_graph(ROOT / "shapes")
    _rest, batches = batch.split(resolve_sparql_targets(Graph(), shapes))
    assert sorted(str(b.shape).rsplit("#", 1)[1] for b in batches) == [
        "EstafetteAfhankelijkheid", "EstafetteEenVerantwoordelijke", "EstafetteVerantwoordelijkeNeemtDeel",
        "KetenTweePartners", "KetenZonderBron", "KetenZonderSturing", "KlantdoelOrkestratie",
        "OrkestratieDeelprocesNamensRegisseur", "OrkestratieHoofdprocesVanRegisseur"]


@pytest.mark.parametrize("example", sorted(p.relative_to(FIX).as_posix() for p in FIX.rglob("*.ttl")))
def test_batched_sparql_constraints_report_what_pyshacl_reports(example):
    """Every valid and invalid shape example: the same results, messages, labels and sources."""
    slow, fast = _both_ways([parse_file(FIX / example, ROOT)])
    assert _keys(fast) == _keys(slow)


def test_batched_sparql_constraints_on_the_catalogue_and_a_generated_one(tmp_path):
    import importlib.util                       # deferred: the generator is a script, not a module
    slow, fast = _both_ways(parse_sources([ROOT / "data"], ROOT))
    assert _keys(fast) == _keys(slow)
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    manifest = gen.generate(8000, tmp_path / "cat.ttl", seed=11, defect_rate=0.3, warning_rate=0.2)
    slow, fast = _both_ways(parse_sources([tmp_path / "cat.ttl"], ROOT))
    assert _keys(fast) == _keys(slow)
    named = {(d["shape"], f) for kind in ("defects", "warnings") for d in manifest[kind].values() for f in d["focus"]}
    assert named and named <= {(r.shape_id, str(r.focus)) for r in fast.results}


# ---------------------------------------------------------------- full validation on Oxigraph (issue 15 item 5)

def _native_and_pyshacl(parsed) -> tuple[Report, Report]:
    """The report of ``parsed`` by :mod:`ketengraaf.validation.native` (what ``validate_sources`` runs for the
    shipped shapes), and by plain pySHACL on an rdflib graph of the very same triples (one parse, so blank
    nodes agree), with the source of each subject worked out here from the same files."""
    import time

    from ketengraaf.validation import native     # deferred: only these tests look inside
    from ketengraaf.validation.engine import (DataGraph, split_sources, to_rdflib,  # deferred: idem
                                              validate_data)
    data, ontology, shape_sources = split_sources(parsed, shapes_dir=ROOT / "shapes", ontology_dir=ROOT / "ontology")
    shapes = Graph()
    for src in shape_sources:
        for t in src.triples:
            shapes.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    plan = native.plan(shapes)                   # raises if the shipped shapes fell back to pySHACL
    store, graphs = native.store_of_sources(data + ontology)
    names = [src.info.path for src in data]
    fast = validate_data(native.Data(store, union=True), plan, started=time.perf_counter(),
                         sources=lambda nodes: native.source_index(store, graphs[:len(data)], names, nodes))
    graph = DataGraph()
    typed: dict = {}
    named: dict = {}
    for q in store.quads_for_pattern(None, None, None, None):
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    for g, name in zip(graphs, names):
        for q in store.quads_for_pattern(None, None, None, g):
            named.setdefault(to_rdflib(q.subject), name)
            if q.predicate.value == str(RDF_TYPE):
                typed.setdefault(to_rdflib(q.subject), name)
    plain = Graph()                              # plain pySHACL: no batching, no SPARQL-target shortcut
    for t in graph:
        plain.add(t)
    slow = validate_graph(plain, shapes, sources={**named, **typed})
    return fast, slow


RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.mark.parametrize("example", sorted(p.relative_to(FIX).as_posix() for p in FIX.rglob("*.ttl")))
def test_native_validation_reports_what_pyshacl_reports_on_every_example(example):
    """Every valid and invalid shape example: the same results (focus node, shape, severity, path, value,
    component), messages, labels and sources; an invalid example is reported by its own shape."""
    fast, slow = _native_and_pyshacl([parse_file(FIX / example, ROOT)])
    assert _keys(fast) == _keys(slow)
    shape = example.split("/")[0]
    if example.split("/")[1].startswith("invalid"):
        assert shape in {r.shape_id for r in fast.results}


def test_native_validation_on_the_catalogue_and_generated_ones(tmp_path):
    """The shipped catalogue, and generated catalogues with every kind of injected defect and warning:
    exactly pySHACL's results, and at least each injected one."""
    import importlib.util                       # deferred: the generator is a script, not a module
    fast, slow = _native_and_pyshacl(parse_sources([ROOT / "data"], ROOT))
    assert _keys(fast) == _keys(slow)
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for seed, out in ((11, tmp_path / "cat.ttl"), (12, tmp_path / "cat.nt")):
        manifest = gen.generate(8000, out, seed=seed, defect_rate=0.4, warning_rate=0.3)
        fast, slow = _native_and_pyshacl(parse_sources([out], ROOT))
        assert _keys(fast) == _keys(slow)
        named = {(d["shape"], f) for kind in ("defects", "warnings") for d in manifest[kind].values()
                 for f in d["focus"]}
        shapes = {shape for shape, _ in named}
        assert len(shapes) == 11 and named <= {(r.shape_id, str(r.focus)) for r in fast.results}


def test_validate_sources_runs_natively_and_reports_the_same(tmp_path):
    """``validate_sources`` (the load, ``ketengraaf validate``) takes the Oxigraph path for the shipped shapes
    and gives what pySHACL gives on the graphs ``build_graphs`` makes."""
    from ketengraaf.validation import engine     # deferred: only this test looks inside
    parsed = [parse_file(KLANTDOEL, ROOT), parse_file(PERIODE, ROOT), parse_file(TWO_ROLES, ROOT)]
    data, shapes, sources = build_graphs(parsed, shapes_dir=ROOT / "shapes", ontology_dir=ROOT / "ontology")
    slow = validate_graph(data, shapes, sources=sources)
    calls = []
    real = engine.validate_data
    engine.validate_data = lambda *a, **kw: calls.append(1) or real(*a, **kw)
    try:
        fast = validate_sources(parsed, shapes_dir=ROOT / "shapes", ontology_dir=ROOT / "ontology")
    finally:
        engine.validate_data = real
    assert calls == [1]
    assert _keys(fast) == _keys(slow) and len(fast.results) == 4
    assert {r.source for r in fast.results} == {"tests/fixtures/shapes/KlantdoelOrkestratie/"
                                                 "invalid-estafette-met-klantdoel.ttl",
                                                 "tests/fixtures/shapes/DeelnamePeriode/invalid-einde-voor-begin.ttl",
                                                 "tests/fixtures/shapes/DeelnameEenRol/invalid-twee-rollen.ttl"}


def test_shapes_the_native_path_does_not_implement_go_to_pyshacl():
    """A shape with a parameter :mod:`.native` does not implement (``sh:in``) is validated by pySHACL."""
    from ketengraaf.validation import native     # deferred: only this test looks inside
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:in ( ex:a ) ; sh:message "niet a"@nl .""", format="turtle")
    with pytest.raises(native.Unsupported):
        native.plan(shapes)
    data = Graph().parse(data="""@prefix ex: <http://example.org/> . ex:b a ex:C .""", format="turtle")
    report = validate_graph(data, shapes)
    assert [(str(r.focus), r.component) for r in report.results] == [("http://example.org/b", "InConstraintComponent")]
