"""Incremental validation of writes (validation/incremental.py): the report of a change, made from the
old report and the focus nodes the change can affect, is the report a full validation of the after-state
gives (compared by result keys), over many random edits of the shipped and of a generated catalogue."""
from __future__ import annotations

import importlib.util
import os
import random
import time
from datetime import date, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from ketengraaf.loading import infer_into
from ketengraaf.sources import parse_sources
from ketengraaf.store.oxigraph import materialise_union
from ketengraaf.validation import Report
from ketengraaf.validation.engine import shapes_graph
from ketengraaf.validation.incremental import (EVERYTHING, affected_focus_nodes, data_graphs, merge, read_model,
                                               validate_change, validate_focus, validate_store)
from paths import ROOT

KETEN = "https://w3id.org/ketengraaf/def#"
ID = "https://w3id.org/ketengraaf/id/"
SHAPES = "https://w3id.org/ketengraaf/def/shapes#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
# random edits (each write checked against a full validation of its after-state)
# (the generated catalogue gets EDITS, the shipped one EDITS // 5: 144 edits, about 70 writes, each checked
# against a full validation; KETENGRAAF_INCREMENTAL_EDITS=240 gives the 288 edits of bench/README.md)
EDITS = int(os.environ.get("KETENGRAAF_INCREMENTAL_EDITS", "120"))


def k(name: str) -> ox.NamedNode:
    return ox.NamedNode(KETEN + name)


def _load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def generation_store(paths: list[Path]) -> ox.Store:
    """An in-memory store organised like a generation (loading.py): a named graph per source file, the RDFS
    entailments in graph/inferentie, the union in the default graph."""
    store = ox.Store()
    for src in parse_sources([ROOT / "ontology", ROOT / "shapes", *paths], ROOT):
        src.load_into(store)
    infer_into(store)
    materialise_union(store)
    return store


def apply(store: ox.Store, removed: list[ox.Quad], added: list[ox.Quad]) -> list[ox.Quad]:
    """Apply a write to a store like a generation (named graphs and their union); the quads changed."""
    changed = []
    for q in removed:
        if q in store:
            store.remove(q)
            changed.append(q)
            if not any(not isinstance(x.graph_name, ox.DefaultGraph)
                       for x in store.quads_for_pattern(q.subject, q.predicate, q.object, None)):
                store.remove(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()))
    for q in added:
        if q not in store:
            store.add(q)
            store.add(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()))
            changed.append(q)
    return changed


def keys(report: Report) -> list:
    return sorted((r.key, r.component, tuple(sorted(r.messages.items()))) for r in report.results)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return shapes_graph(ROOT / "shapes")


@pytest.fixture(scope="module")
def shipped() -> ox.Store:
    return generation_store([ROOT / "data"])


# ---------------------------------------------------------------- the read model

def test_read_model_knows_every_shipped_shape(shapes):
    """Every shipped shape is analysed (none widens to 'validate everything'), no query pattern reads the
    whole graph, and the closed-vocabulary target's two sub-selects are existence tests per term."""
    model = read_model(shapes)
    assert model.unreadable == [] and not model.reads_everything
    assert model.global_predicates == set()
    existences = [ex for exs in model.existences.values() for ex in exs]
    assert len(existences) == 2
    assert sorted(ex.keys for ex in existences) == [(1,), (2,)]


# ---------------------------------------------------------------- small cases, expected values by hand

def _chain_with_nl_label(store: ox.Store) -> ox.NamedNode:
    """A chain of the shipped catalogue without any result in its full report, and with a Dutch label."""
    for q in store.quads_for_pattern(None, RDF_TYPE, k("Orkestratieketen"), ox.DefaultGraph()):
        labels = [t for t in store.quads_for_pattern(q.subject, PREF, None, None)
                  if not isinstance(t.graph_name, ox.DefaultGraph) and t.object.language == "nl"]
        if len(labels) == 1:
            return q.subject
    raise AssertionError("no orchestration chain with one Dutch label")


def test_removing_a_dutch_label_gives_exactly_that_violation(shapes):
    store = generation_store([ROOT / "data"])
    before = validate_store(store, shapes)
    chain = _chain_with_nl_label(store)
    assert [r for r in before.results if str(r.focus) == chain.value] == []
    (label,) = [q for q in store.quads_for_pattern(chain, PREF, None, None)
                if not isinstance(q.graph_name, ox.DefaultGraph) and q.object.language == "nl"]
    changed = apply(store, [label], [])
    affected = affected_focus_nodes(store, shapes, changed)
    assert affected is not None and URIRef(chain.value) in affected
    assert URIRef(chain.value) in affected and len(affected) <= 3     # the chain, its label, (nothing else)
    fresh = validate_focus(store, shapes, affected)
    (result,) = fresh.results
    assert (str(result.focus), result.shape_id, result.severity, result.path, result.component) == (
        chain.value, "LabelNederlands", "Violation", "http://www.w3.org/2004/02/skos/core#prefLabel",
        "QualifiedMinCountConstraintComponent")
    assert result.message("en") == "There is no Dutch preferred label (skos:prefLabel with language nl)."
    after = merge(before, affected, fresh)
    assert keys(after) == keys(validate_store(store, shapes))
    assert after.violations == before.violations + 1


def test_a_bare_new_chain_gets_the_results_named_by_hand(shapes):
    """``id:keten/nieuw a keten:Orkestratieketen`` and nothing else: no Dutch label, no goal, fewer than two
    partners, no lead, no main process (violations), no source (warning); one model, known terms."""
    store = generation_store([ROOT / "data"])
    graph = next(g for g in data_graphs(store) or [] if "data/" in g.value)
    new = ox.NamedNode(ID + "keten/nieuw")
    changed = apply(store, [], [ox.Quad(new, RDF_TYPE, k("Orkestratieketen"), graph)])
    affected = affected_focus_nodes(store, shapes, changed)
    assert affected == {URIRef(new.value), URIRef(KETEN + "Orkestratieketen")}
    fresh = validate_focus(store, shapes, affected)
    assert sorted((r.shape_id, r.severity) for r in fresh.results) == [
        ("KetenHeeftDoel", "Violation"), ("KetenTweePartners", "Violation"), ("KetenZonderBron", "Warning"),
        ("LabelNederlands", "Violation"), ("OrkestratieEenHoofdproces", "Violation"),
        ("OrkestratieEenRegisseur", "Violation")]
    assert {str(r.focus) for r in fresh.results} == {new.value}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated catalogue of about 3,000 triples (bench/generate.py)."""
    out = tmp_path_factory.mktemp("generated") / "cat.ttl"
    _load_generator().generate(3000, out, seed=5)
    return out


def test_a_second_lead_affects_the_chain_through_the_participation(shapes, generated):
    """A participation gets the role regisseur: the chain it belongs to is affected (^keten:keten), found
    by walking the shape's path backwards; not the role's other participations (a hub)."""
    store = generation_store([generated])
    regisseur = ox.NamedNode(ID + "rol/regisseur")
    lead = next(q for q in store.quads_for_pattern(None, k("rol"), regisseur, None)
                if not isinstance(q.graph_name, ox.DefaultGraph))
    chain = next(store.quads_for_pattern(lead.subject, k("keten"), None, ox.DefaultGraph())).object
    other = next(q.subject for q in store.quads_for_pattern(None, k("keten"), chain, ox.DefaultGraph())
                 if q.subject != lead.subject)
    changed = apply(store, [], [ox.Quad(other, k("rol"), regisseur, lead.graph_name)])
    affected = affected_focus_nodes(store, shapes, changed)
    assert affected is not None and URIRef(chain.value) in affected and URIRef(other.value) in affected
    leads = {q.subject for q in store.quads_for_pattern(None, k("rol"), regisseur, ox.DefaultGraph())}
    assert len(leads - {other, lead.subject}) > 3
    assert not {URIRef(n.value) for n in leads - {other, lead.subject}} & affected
    fresh = validate_focus(store, shapes, affected)
    assert ("OrkestratieEenRegisseur", chain.value) in {(r.shape_id, str(r.focus)) for r in fresh.results}


def test_ontology_and_shape_edits_mean_everything(shapes, shipped):
    ontology = next(g for g in shipped.named_graphs() if g.value.endswith("ontology/keten.ttl"))
    shape_graph = next(g for g in shipped.named_graphs() if g.value.endswith("shapes/keten-shapes.ttl"))
    sub = ox.Quad(k("Orkestratieketen"), SUBCLASS, k("Keten"), ontology)
    assert affected_focus_nodes(shipped, shapes, [sub]) is EVERYTHING
    declare = ox.Quad(k("nieuweEigenschap"), RDF_TYPE, ox.NamedNode("http://www.w3.org/2002/07/owl#ObjectProperty"),
                      ontology)
    assert affected_focus_nodes(shipped, shapes, [declare]) is EVERYTHING
    shape = ox.Quad(ox.NamedNode(SHAPES + "KetenHeeftDoel"), ox.NamedNode("http://www.w3.org/ns/shacl#minCount"),
                    ox.Literal("2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), shape_graph)
    assert affected_focus_nodes(shipped, shapes, [shape]) is EVERYTHING
    assert affected_focus_nodes(shipped, shapes, []) == set()


def test_merge_keeps_the_results_of_nodes_not_affected(shapes, shipped):
    full = validate_store(shipped, shapes)
    assert len(full.results) >= 1
    focus = {full.results[0].focus}
    assert keys(merge(full, focus, validate_focus(shipped, shapes, focus))) == keys(full)
    dropped = merge(full, focus, validate_focus(shipped, shapes, set()))
    assert len(dropped.results) == len(full.results) - len(full.results_for(full.results[0].focus))


# ---------------------------------------------------------------- random edits

DEFECT_KINDS = ("te-weinig-partners", "geen-doel", "twee-modellen", "twee-regisseurs",
                "proces-zonder-verantwoordelijke", "sturing-in-doelketen", "deelname-zonder-rol",
                "periode-omgekeerd", "geen-nl-label", "ongeldige-wikilink")
LINKS = ("keten", "partner", "rol", "heeftProces", "hoofdproces", "heeftDeelproces", "afhankelijkVan",
         "verantwoordelijke", "uitvoerder", "namens", "heeftDoel", "stuurt", "wikiPagina")
CLASSES = ("Keten", "Orkestratieketen", "Estafetteketen", "Doelketen", "Deelname", "Ketenpartner",
           "Dienstverleningsproces", "Deelproces", "Klantdoel", "Beleidsdoel", "HorizontaleSamenwerking",
           "WikiPagina", "Illustratie", "Netwerk")


class Editor:
    """Random edits of the data graphs of a store (each a list of quads removed and added)."""

    def __init__(self, store: ox.Store, rng: random.Random):
        self.store, self.rng = store, rng
        self.data = [g for g in data_graphs(store) or [] if "/ontology/" not in g.value]
        self.ontology = [g for g in store.named_graphs() if "/ontology/" in g.value]

    def quads(self, s=None, p=None, o=None) -> list[ox.Quad]:
        return [q for q in self.store.quads_for_pattern(s, p, o, None) if q.graph_name in self.data]

    def instances(self, cls: str) -> list:
        return sorted({q.subject for q in self.store.quads_for_pattern(None, RDF_TYPE, k(cls), ox.DefaultGraph())},
                      key=str)

    def pick(self, items):
        items = list(items)
        return self.rng.choice(items) if items else None

    def graph_of(self, node) -> ox.NamedNode:
        found = self.quads(node)
        return found[0].graph_name if found else self.rng.choice(self.data)

    def chain(self, cls: str = "Keten"):
        return self.pick(self.instances(cls))

    def edit(self, kind: str) -> tuple[list, list]:
        r, q = self.rng, ox.Quad
        if kind == "add-type":
            node = self.pick(s.subject for s in self.quads(None, RDF_TYPE, None))
            return [], [q(node, RDF_TYPE, k(r.choice(CLASSES)), self.graph_of(node))]
        if kind == "remove-type":
            return [self.pick(self.quads(None, RDF_TYPE, None))], []
        if kind == "add-link":
            s = self.pick(x.subject for x in self.quads(None, RDF_TYPE, None))
            o = self.pick(x.subject for x in self.quads(None, RDF_TYPE, None)) if r.random() < 0.85 \
                else ox.Literal("tekst")
            return [], [q(s, k(r.choice(LINKS)), o, self.graph_of(s))]
        if kind == "remove-link":
            return [self.pick(self.quads(None, k(r.choice(LINKS)), None)) or self.pick(self.quads())], []
        if kind == "change-literal":
            old = self.pick(x for x in self.quads() if isinstance(x.object, ox.Literal))
            if old.object.datatype == XSD_DATE:
                value = ox.Literal((date(2010, 1, 1) + timedelta(days=r.randrange(5000))).isoformat(),
                                   datatype=XSD_DATE)
            else:
                value = ox.Literal(old.object.value + " (gewijzigd)", language=r.choice(["nl", "en", "nl"]))
            return [old], [q(old.subject, old.predicate, value, old.graph_name)]
        if kind == "remove-label":
            return [self.pick(self.quads(None, PREF, None))], []
        if kind == "delete-resource":
            node = self.pick(x.subject for x in self.quads(None, RDF_TYPE, None))
            return self.quads(node) + self.quads(None, None, node), []
        if kind == "add-chain":
            new = ox.NamedNode(ID + f"keten/nieuw-{r.randrange(10**6)}")
            g = r.choice(self.data)
            added = [q(new, RDF_TYPE, k(r.choice(["Orkestratieketen", "Estafetteketen", "Doelketen"])), g)]
            if r.random() < 0.5:
                added.append(q(new, PREF, ox.Literal("Nieuwe keten", language="nl"), g))
            goal = self.pick(self.instances("GedeeldDoel") + self.instances("Klantdoel"))
            if goal is not None and r.random() < 0.5:
                added.append(q(new, k("heeftDoel"), goal, g))
            return [], added
        if kind == "ontology":
            sub = self.pick(x for x in self.store.quads_for_pattern(None, SUBCLASS, None, None)
                            if x.graph_name in self.ontology)
            return [sub], []
        return self.defect(kind)

    def defect(self, kind: str) -> tuple[list, list]:
        """The defects bench/generate.py injects, made in existing data."""
        r, q = self.rng, ox.Quad
        if kind == "te-weinig-partners":
            chain = self.chain()
            links = self.quads(None, k("keten"), chain)
            return links[1:], []
        if kind == "geen-doel":
            return self.quads(self.chain(), k("heeftDoel"), None), []
        if kind == "twee-modellen":
            chain = self.chain("Orkestratieketen") or self.chain()
            return [], [q(chain, RDF_TYPE, k("Estafetteketen"), self.graph_of(chain))]
        if kind == "twee-regisseurs":
            chain = self.chain("Orkestratieketen") or self.chain()
            part = self.pick(x.subject for x in self.quads(None, k("keten"), chain))
            if part is None:
                return [], []
            return [], [q(part, k("rol"), ox.NamedNode(ID + "rol/regisseur"), self.graph_of(part))]
        if kind == "proces-zonder-verantwoordelijke":
            chain = self.chain("Estafetteketen") or self.chain()
            process = self.pick(x.object for x in self.quads(chain, k("heeftProces"), None))
            return (self.quads(process, k("verantwoordelijke"), None) if process is not None else []), []
        if kind == "sturing-in-doelketen":
            chain = self.chain("Doelketen") or self.chain()
            part = self.pick(x.subject for x in self.quads(None, k("keten"), chain))
            partner = self.pick(self.instances("Ketenpartner"))
            if part is None or partner is None:
                return [], []
            return [], [q(part, k("stuurt"), partner, self.graph_of(part))]
        if kind == "deelname-zonder-rol":
            return self.quads(self.pick(self.instances("Deelname")), k("rol"), None), []
        if kind == "periode-omgekeerd":
            part = self.pick(self.instances("Deelname"))
            g = self.graph_of(part)
            old = self.quads(part, k("einddatum"), None) + self.quads(part, k("begindatum"), None)
            return old, [q(part, k("begindatum"), ox.Literal("2020-06-01", datatype=XSD_DATE), g),
                         q(part, k("einddatum"), ox.Literal("2019-01-01", datatype=XSD_DATE), g)]
        if kind == "geen-nl-label":
            chain = self.chain()
            return [x for x in self.quads(chain, PREF, None) if x.object.language == "nl"], []
        if kind == "ongeldige-wikilink":
            node = self.pick(x.subject for x in self.quads(None, RDF_TYPE, None))
            bad = ox.NamedNode("https://www.gemmaonline.nl/wiki/Fout") if r.random() < 0.7 \
                else ox.Literal("https://example.org/pagina")
            return [], [q(node, k("wikiPagina"), bad, self.graph_of(node))]
        raise AssertionError(kind)


KINDS = ("add-type", "remove-type", "add-link", "remove-link", "change-literal", "remove-label",
         "delete-resource", "add-chain", "ontology", *DEFECT_KINDS)


def _random_edits(store: ox.Store, shapes: Graph, seed: int, edits: int, per_write: int = 3) -> dict:
    """``edits`` random edits, one to ``per_write`` of them in one write (one delta, as a SPARQL Update with
    several operations makes); after each write the incremental report must equal a full validation of the
    after-state. The incremental report is carried from write to write, so a wrong one stays wrong."""
    rng = random.Random(seed)
    editor = Editor(store, rng)
    report = validate_store(store, shapes)
    kinds = [KINDS[i % len(KINDS)] for i in range(edits)]
    rng.shuffle(kinds)
    stats = {"edits": 0, "writes": 0, "everything": 0, "affected": 0, "results_changed": 0}
    while kinds:
        size = rng.randint(1, per_write)
        batch, kinds = kinds[:size], kinds[size:]
        changed, done_kinds = [], []
        for kind in batch:
            if kind == "ontology" and rng.random() < 0.7:        # keep most of the run incremental
                kind = "add-link"
            removed, added = editor.edit(kind)
            changed += apply(store, [x for x in removed if x is not None], added)
            done_kinds.append(kind)
        done = validate_change(store, shapes, report, changed)
        full = validate_store(store, shapes)
        assert keys(done.report) == keys(full), f"write {stats['writes']} ({done_kinds}): {changed}; " \
                                                f"affected {done.affected}"
        if "ontology" in done_kinds and any(q.graph_name in editor.ontology for q in changed):
            assert done.affected is EVERYTHING
        stats["edits"] += len(batch)
        stats["writes"] += 1
        stats["everything"] += done.affected is EVERYTHING
        stats["affected"] += len(done.affected or ())
        stats["results_changed"] += keys(full) != keys(report)
        report = done.report
    return stats


def test_random_edits_of_the_shipped_catalogue(shapes):
    store = generation_store([ROOT / "data"])
    stats = _random_edits(store, shapes, seed=14, edits=max(EDITS // 5, len(KINDS)))
    assert stats["results_changed"] > stats["writes"] // 4      # the edits did change the report
    assert stats["everything"] < stats["writes"] // 4           # and most were validated incrementally


def test_random_edits_of_a_generated_catalogue(shapes, tmp_path):
    gen = _load_generator()
    out = tmp_path / "cat.ttl"
    manifest = gen.generate(1500, out, seed=7, defect_rate=0.5, warning_rate=0.2)
    assert manifest["defects"]                               # it starts with the defects it names
    store = generation_store([out])
    started = validate_store(store, shapes)
    named = {(d["shape"], f) for d in manifest["defects"].values() for f in d["focus"]}
    assert named <= {(r.shape_id, str(r.focus)) for r in started.results}
    stats = _random_edits(store, shapes, seed=15, edits=EDITS)
    assert stats["edits"] == EDITS
    assert stats["results_changed"] > stats["writes"] // 4
    assert stats["everything"] < stats["writes"] // 4


@pytest.mark.alone
def test_one_edit_is_validated_quickly_on_a_generated_catalogue(shapes, tmp_path):
    """Not a benchmark (bench/bench_validate.py): the incremental path is much faster than a full run."""
    gen = _load_generator()
    out = tmp_path / "cat.ttl"
    gen.generate(5000, out, seed=8)
    store = generation_store([out])
    t0 = time.perf_counter()
    report = validate_store(store, shapes)
    full = time.perf_counter() - t0
    part = Editor(store, random.Random(3)).pick(Editor(store, random.Random(3)).instances("Deelname"))
    changed = apply(store, [], [ox.Quad(part, k("stuurt"), part, data_graphs(store)[0])])
    validate_change(store, shapes, report, changed)     # the first edit of a process builds the shapes' read
    t0 = time.perf_counter()                            # model (about 0.5 s), which the writer then keeps
    done = validate_change(store, shapes, report, changed)
    assert time.perf_counter() - t0 < full / 3          # full: on Oxigraph since validation/native.py
    assert done.affected is not None
