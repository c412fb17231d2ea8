"""Links between the catalogue and the wikis on the export fixtures: every resource with a page
links to it, the report finds no broken link, matching precision and recall on a labelled set,
reviewing writes data/wiki/ and never a hand-made file, and the wikitext export reads back."""
from __future__ import annotations

import csv
import hashlib
import json
from datetime import date

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from ketengraaf.cli import main
from ketengraaf.namespaces import KETEN
from ketengraaf.sources import parse_sources
from ketengraaf.validation import validate_sources
from ketengraaf.wiki import review, service
from ketengraaf.wiki.catalog import WIKI_WORTHY, Link, PageFacts, SourceStore, read_facts
from ketengraaf.wiki.match import propose
from ketengraaf.wiki.report import build_report, render, resources_for_title
from ketengraaf.wiki.smw import read_export, to_turtle
from ketengraaf.wiki.titles import parse_wikis, wiki_by_name
from ketengraaf.wiki.wikitext import Row, page_wikitext, parse
from wiki_helpers import FIXTURES, G, I, N, NORA_EXPORT, PROCESARCHITECTUUR, WERELD, wiki_catalogue

TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    root = tmp_path_factory.mktemp("wikicat")
    return wiki_catalogue(root)


@pytest.fixture(scope="module")
def facts(cat):
    return service.facts(cat)


def test_every_resource_with_a_page_in_the_exports_links_to_it(facts):
    """A GEMMA/id-<Object ID> page in the export belongs to the resource with that Object ID; a
    model URL names its page. Every such pair is a link already: nothing strong is left to propose."""
    export_titles = {p.title: iri for iri, p in facts.pages.items() if p.in_export}
    expected = set()
    for r in facts.resources.values():
        for oid in r.object_ids:
            if f"GEMMA/id-{oid}" in export_titles:
                expected.add((r.iri, export_titles[f"GEMMA/id-{oid}"]))
    linked = {(lk.resource, lk.page) for lk in facts.links}
    assert len(expected) >= 140
    assert expected <= linked, sorted(expected - linked)[:5]
    strong = [p for p in propose(facts) if p.evidence in ("object-id", "model-url", "nora-id")]
    assert strong == []


def test_the_report_has_no_broken_links_and_flags_the_stale_page(facts):
    report = build_report(facts, 1095, TODAY)
    c = report["counts"]
    assert c["broken"] == 0 and c["links_gemma"] >= 170 and c["links_nora"] == 5
    assert [p["page"] for p in report["flagged"]["outdated"]] == [PROCESARCHITECTUUR]
    assert PROCESARCHITECTUUR in [p["page"] for p in report["flagged"]["stale"]]
    assert {(p["gemma"], p["nora"]) for p in report["pairs"]} == {(PROCESARCHITECTUUR, WERELD)}
    assert {"resource": I + "sturingsbouwsteen/ketenkaart", "label": "Ketenkaart"} in report["without_page"]
    text = render(report, "text")
    assert "broken: 0" in text and "stale: 1" in text and "NORA/GEMMA pairs: 1" in text
    rows = list(csv.DictReader(render(report, "csv").splitlines()))
    assert sum(r["section"] == "link" for r in rows) == c["links"]
    assert json.loads(render(report, "json"))["counts"] == c


def test_a_link_to_a_redirect_or_a_missing_page_is_flagged(cat, tmp_path):
    facts = service.facts(cat)
    facts.links.append(Link(I + "keten/vth", N + "Ketensturing/Wereld_van_ketens", "", "hand", ""))
    facts.links.append(Link(I + "keten/vth", G + "Bestaat_niet", "", "hand", ""))
    gemma = facts.pages[PROCESARCHITECTUUR].wiki
    facts.pages.setdefault(G + "Bestaat_niet", PageFacts(iri=G + "Bestaat_niet", wiki=gemma, title="Bestaat niet"))
    report = build_report(facts, 1095, TODAY)
    assert [p["title"] for p in report["flagged"]["broken"]] == ["Bestaat niet"]
    assert [p["title"] for p in report["flagged"]["redirect"]] == ["Ketensturing/Wereld van ketens"]
    # the API follows the redirect both ways
    page, resources = resources_for_title(facts, "nora", "Ketensturing/Wereld van ketens")
    assert I + "keten/vergunning-met-extern-advies" in resources


def test_matching_precision_and_recall_on_the_labelled_set(facts):
    """Blind: the catalogue's links are taken away and the matcher proposes from the exports alone."""
    with open(FIXTURES / "labelled.csv", encoding="utf-8") as fh:
        gold = {(r["resource"], r["page"]): r["about"] == "1" for r in csv.DictReader(fh)}
    blind = type(facts)(facts.wikis, [], facts.pages, facts.resources, facts.pairs, facts.exports)
    proposed = {(p.subject, p.page) for p in propose(blind, min_score=0.5) if p.kind == "link"}
    judged = {k for k in proposed if k in gold}
    tp = sum(gold[k] for k in judged)
    fp = len(judged) - tp
    positives = sum(gold.values())
    precision, recall = tp / len(judged), tp / positives
    unjudged = proposed - set(gold)
    print(f"\nwiki matching on {len(gold)} labelled pairs ({positives} positive): proposed {len(proposed)} "
          f"({len(unjudged)} not in the set), TP {tp}, FP {fp}, FN {positives - tp}: "
          f"precision {precision:.3f}, recall {recall:.3f}")
    assert not unjudged, sorted(unjudged)
    assert precision >= 0.95 and recall >= 0.9
    # at a higher threshold the ambiguous label matches drop out: precision up, recall down
    strict = {(p.subject, p.page) for p in propose(blind, min_score=0.8) if p.kind == "link"}
    tp8 = sum(gold.get(k, False) for k in strict)
    print(f"min_score 0.8: proposed {len(strict)}, precision {tp8 / len(strict):.3f}, recall {tp8 / positives:.3f}")
    assert I + "rol/ketenregisseur" not in {s for s, _ in strict}


def test_redirects_are_followed_when_matching(facts):
    blind = type(facts)(facts.wikis, [], facts.pages, facts.resources, facts.pairs, facts.exports)
    assert blind.final(N + "Ketensturing/Wereld_van_ketens") == WERELD
    # nothing links to a redirect page; a proposal onto it would name its target instead
    assert all(not facts.pages[p.page].redirect_to for p in propose(blind))


def _hashes(root):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for d in ("data/ketens", "ontology")
            for p in sorted((root / d).glob("*.ttl"))}


def test_match_accept_reject_write_the_links_file_and_leave_hand_made_files(cat):
    root = cat.catalogue.root
    before = _hashes(root)
    open_ = service.match(cat)
    by = {(p.subject, p.page): p for p in open_}
    kaart = by[(I + "sturingsbouwsteen/ketenkaart", N + "Ketensturing/Ketenkaart")]
    rol = by[(I + "rol/ketenregisseur", N + "Ketensturing/Ketenregisseur")]
    pair = next(p for p in open_ if p.kind == "pair")
    service.decide(cat, kaart.id, "accepted")
    service.decide(cat, rol.id[:6], "rejected")                  # a unique prefix is enough
    service.decide(cat, pair.id, "accepted")
    links = Graph().parse(root / "data" / "wiki" / "links.ttl", format="turtle")
    assert (URIRef(kaart.subject), KETEN.wikiPagina, URIRef(kaart.page)) in links
    assert (URIRef(pair.subject), SKOS[pair.relation], URIRef(pair.page)) in links
    assert (URIRef(pair.page), SKOS[pair.relation], URIRef(pair.subject)) in links
    assert not any(links.triples((URIRef(rol.subject), None, None)))
    notes = [str(o) for o in links.objects(URIRef(pair.subject), KETEN.toelichting)]   # the evidence, as data
    assert any(pair.reason in n and pair.id in n for n in notes)
    assert _hashes(root) == before, "a hand-made file changed"
    report = validate_sources(parse_sources([root / "ontology", root / "shapes", root / "data" / "wiki"]),
                              shapes_dir=root / "shapes", ontology_dir=root / "ontology")
    assert report.violations == 0
    # a new run keeps the decisions and does not propose them again
    again = service.match(cat)
    assert kaart.id not in {p.id for p in again} and rol.id not in {p.id for p in again}
    saved = {p.id: p.status for p in review.load_proposals(root)}
    assert saved[kaart.id] == "accepted" and saved[rol.id] == "rejected"
    # the accepted link is in the catalogue now, with its origin
    facts = service.facts(cat)
    assert [lk.origin for lk in facts.links_of(kaart.subject)] == ["accepted"]
    with pytest.raises(Exception, match="no proposal"):
        service.decide(cat, "ffffffff", "accepted")


def test_a_hand_made_link_is_never_proposed_again_or_replaced(facts):
    hand = {(lk.resource, lk.page) for lk in facts.links if lk.origin == "hand"}
    assert (I + "keten/vth", PROCESARCHITECTUUR) in hand
    assert not hand & {(p.subject, p.page) for p in propose(facts, min_score=0)}


def test_wikitext_export_reads_back(cat, facts):
    store = service.source_store(cat)
    pages = service.wikitext_pages(store, facts, "nora")
    assert set(pages) >= {"Ketensturing/De wereld van ketens", "Ketensturing/Bouwstenen voor ketensturing"}
    parsed = parse("\n".join(pages.values()))
    rows = parsed["Ketensturing/De wereld van ketens"]
    chains = {I + "keten/vth", I + "keten/veiligheidsketen", I + "keten/vergunning-met-extern-advies"}
    assert {r.iri for r in rows} == chains
    vth = Row(I + "keten/vth", "Vergunningverlening, toezicht en handhaving (VTH)", ("Illustratie", "Estafetteketen"))
    assert vth in rows
    # labels that would break a table survive the round trip
    tricky = [Row("https://w3id.org/ketengraaf/id/x", "A | B [c] {{d}} <e> & f", ("T, with comma", "U"))]
    assert parse(page_wikitext("Q&A: a|b", tricky)) == {"Q&A: a|b": tricky}


def test_the_cli(cat, tmp_path):
    runner = CliRunner()
    root = str(cat.catalogue.root)
    out = runner.invoke(main, ["wiki", "import", str(FIXTURES / "nora-export.ttl"), "--wiki", "nora",
                               "--catalogue", root, "--out", str(tmp_path / "nora.ttl")])
    assert out.exit_code == 0, out.output
    assert "8 pages (1 redirects" in out.output
    out = runner.invoke(main, ["wiki", "report", "--format", "json", "--catalogue", root])
    assert out.exit_code == 0 and json.loads(out.output)["counts"]["broken"] == 0
    out = runner.invoke(main, ["wiki", "match", "--dry-run", "--catalogue", root])
    assert out.exit_code == 0 and "open proposal(s)" in out.output
    out = runner.invoke(main, ["wiki", "export", "--wiki", "gemma", "--catalogue", root, "--out", str(tmp_path / "wt")])
    assert out.exit_code == 0 and (tmp_path / "wt" / "Procesarchitectuur_Impact_van_ketensamenwerking.wiki").is_file()
    out = runner.invoke(main, ["wiki", "accept", "zzzz", "--catalogue", root])
    assert out.exit_code == 2 and "no proposal" in out.output
    out = runner.invoke(main, ["wiki", "import", str(FIXTURES / "nora-export.ttl"), "--wiki", "nope",
                               "--catalogue", root])
    assert out.exit_code == 3


def test_worthy_classes_are_declared():
    onto = Graph().parse(FIXTURES.parents[2] / "ontology" / "keten.ttl", format="turtle")
    declared = {str(s) for s in onto.subjects()}
    assert set(WIKI_WORTHY) <= declared


MODEL_ELEMENT = """@prefix am: <https://w3id.org/ketengraaf/archimate#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
# Property values of the GEMMA model's element Requirement_id-aff490b134af4481954615f601471d74.xml
# (../shared/reference/gemma-archi/model/motivation/...): its NORA ID and its NORA URL, with a raw ï.
<https://w3id.org/ketengraaf/id/gemma/c58bed7c-c8d3-4b30-9738-e9a7e158a07e> a am:Requirement ;
    skos:prefLabel "Bewaak de continuïteit en stel een calamiteitenplan op"@nl ;
    am:prop-nora-id "IMP078" ;
    am:prop-nora-url "https://www.noraonline.nl/wiki/Bewaak_de_continuïteit_en_stel_een_calamiteitenplan_op" .
# the same NORA ID without the URL (made up, to see the NORA ID evidence on its own)
<https://w3id.org/ketengraaf/id/gemma/00000000-0000-4000-8000-000000000078> a am:Requirement ;
    skos:prefLabel "Alleen een NORA ID"@nl ; am:prop-nora-id "IMP078" .
"""


def test_nora_url_and_nora_id_of_the_model_find_the_nora_page(tmp_path):
    (tmp_path / "element.ttl").write_text(MODEL_ELEMENT, encoding="utf-8")
    wikis = parse_wikis("")
    (tmp_path / "nora.ttl").write_text(to_turtle(read_export(NORA_EXPORT, wiki_by_name(wikis, "nora"))),
                                       encoding="utf-8")
    facts = read_facts(SourceStore([tmp_path / "element.ttl", tmp_path / "nora.ttl"], tmp_path), wikis)
    page = N + "Bewaak_de_continu%C3%AFteit_en_stel_een_calamiteitenplan_op"
    got = {p.subject.rsplit("/", 1)[1]: p for p in propose(facts) if p.page == page}
    assert got["c58bed7c-c8d3-4b30-9738-e9a7e158a07e"].evidence == "model-url"
    assert got["c58bed7c-c8d3-4b30-9738-e9a7e158a07e"].score == 1.0
    assert got["00000000-0000-4000-8000-000000000078"].evidence == "nora-id"
