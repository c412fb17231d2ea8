"""The benchmark generator (bench/generate.py) makes valid, realistic, deterministic data."""
from __future__ import annotations

import importlib.util
import json
import re
from collections import defaultdict

import pyoxigraph as ox
import pytest

from paths import ROOT

KETEN = "https://w3id.org/ketengraaf/def#"
ID = "https://w3id.org/ketengraaf/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"


def _load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


gen = _load_generator()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "cat.ttl"
    manifest = gen.generate(3000, out, seed=7, defect_rate=0.3, warning_rate=0.3)
    return out, manifest, list(ox.parse(path=str(out)))


def _terms_in_contract() -> set[str]:
    """Every keten: class and property named in docs/terms.md."""
    text = (ROOT / "docs" / "terms.md").read_text(encoding="utf-8")
    names = set()
    for line in text.splitlines():
        m = re.match(r"\|\s*([A-Za-z, ]+?)\s*\|", line)
        if m and m.group(1) not in {"term", "---"}:
            names.update(n.strip() for n in m.group(1).split(","))
    return {KETEN + n for n in names if n}


def test_size_counts_and_manifest(small):
    out, manifest, triples = small
    assert len(triples) == manifest["triples"]
    assert 3000 <= manifest["triples"] < 3000 + 200          # whole chains: overshoot by at most one
    assert len(set(triples)) == len(triples)                 # no duplicate triples
    assert json.loads((out.parent / "cat.ttl.manifest.json").read_text())["triples"] == len(triples)
    for model in ("Orkestratieketen", "Estafetteketen", "Doelketen"):
        assert manifest["instances"][model] > 0
        assert any(t.predicate.value == RDF_TYPE and t.object.value == KETEN + model for t in triples)


def test_uses_only_contract_terms(small):
    _, _, triples = small
    contract = _terms_in_contract()
    assert KETEN + "Deelname" in contract and KETEN + "einddatum" in contract
    used = {t.predicate.value for t in triples if t.predicate.value.startswith(KETEN)}
    used |= {t.object.value for t in triples if t.predicate.value == RDF_TYPE}
    assert used - contract == set()
    assert len(used) >= 30                                   # realistic: most of the vocabulary is used


def test_instances_have_dutch_and_english_labels(small):
    _, manifest, triples = small
    labels = defaultdict(list)
    for t in triples:
        if t.predicate.value == PREF:
            labels[t.subject.value].append(t.object.language)
    unlabelled_nl = set(manifest["defects"].get("geen-nl-label", {}).get("focus", []))
    for t in triples:
        s = t.subject.value
        if t.predicate.value == RDF_TYPE and s.startswith(ID + "keten/") and s not in unlabelled_nl:
            assert sorted(labels[s]) == ["en", "nl"], s
    for s in unlabelled_nl:
        assert labels[s] == ["en"]


def test_defects_are_recorded_where_they_are(small):
    _, manifest, triples = small
    assert set(manifest["defects"]) <= set(gen.DEFECTS)
    assert sum(len(d["focus"]) for d in manifest["defects"].values()) >= 5
    subjects = {t.subject.value for t in triples}
    by_s = defaultdict(list)
    for t in triples:
        by_s[t.subject.value].append((t.predicate.value, t.object))
    for kind, d in manifest["defects"].items():
        for focus in d["focus"]:
            assert focus in subjects, (kind, focus)
            preds = [p for p, _ in by_s[focus]]
            if kind == "deelname-zonder-rol":
                assert KETEN + "rol" not in preds
            if kind == "proces-zonder-verantwoordelijke":
                procs = [o.value for p, o in by_s[focus] if p == KETEN + "heeftProces"]
                assert any(KETEN + "verantwoordelijke" not in [p for p, _ in by_s[pr]] for pr in procs)
            if kind == "ongeldige-wikilink":
                assert not focus.startswith(("https://www.gemmaonline.nl/index.php/", "https://www.noraonline.nl/wiki/"))
            if kind == "geen-doel":
                assert KETEN + "heeftDoel" not in preds
            if kind == "twee-modellen":
                models = [o.value for p, o in by_s[focus] if p == RDF_TYPE and o.value != KETEN + "Illustratie"]
                assert len(models) == 2
            if kind == "periode-omgekeerd":
                values = {p: o.value for p, o in by_s[focus]}
                assert values[KETEN + "einddatum"] < values[KETEN + "begindatum"]
    # a well-formed orchestration: one lead, a main process that is the lead's responsibility
    orch = manifest["samples"]["Orkestratieketen"]
    assert (KETEN + "hoofdproces") in {p for p, _ in by_s[orch]}


def test_deterministic_by_seed_and_ntriples_equal(tmp_path):
    a, b, c, nt = (tmp_path / n for n in ("a.ttl", "b.ttl", "c.ttl", "a.nt"))
    gen.generate(1500, a, seed=3)
    gen.generate(1500, b, seed=3)
    gen.generate(1500, c, seed=4)
    gen.generate(1500, nt, seed=3)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert set(ox.parse(path=str(a))) == set(ox.parse(path=str(nt)))


def test_cli_rejects_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        gen.main(["--triples", "0", "--out", str(tmp_path / "x.ttl")])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        gen.main(["--triples", "10", "--out", str(tmp_path / "x.xml")])
    assert "unknown extension" in str(exc.value.code)


@pytest.mark.skipif(not any((ROOT / "shapes").glob("*.ttl")), reason="shapes/ holds no shapes")
def test_each_defect_fires_its_shape_and_nothing_else(tmp_path):
    """Valid where meant to be valid: the shipped shapes report exactly the injected defects and warnings."""
    from ketengraaf.sources import parse_sources
    from ketengraaf.validation import validate_sources
    out = tmp_path / "cat.ttl"
    manifest = gen.generate(1500, out, seed=3, defect_rate=0.6, warning_rate=0.5)
    expected = {(f, d["shape"]) for group in ("defects", "warnings") for d in manifest[group].values()
                for f in d["focus"]}
    assert {shape for _, shape in expected} >= {shape for _, shape in gen.DEFECTS.values()}
    report = validate_sources(parse_sources([out]), shapes_dir=ROOT / "shapes", ontology_dir=ROOT / "ontology")
    got = {(str(r.focus), r.shape_id) for r in report.results}
    assert got == expected
