"""ArchiMate import: both formats on real extracts, the mapping, robustness, the store, the pages."""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from ketengraaf.cli import main
from ketengraaf.errors import ImporterError, ParseError
from ketengraaf.importers import IMPORTERS, same_content, write_files
from ketengraaf.importers.archimate import run
from ketengraaf.importers.progress import Progress

from conftest import SHARED, make_settings, needs_shared

FIXTURES = Path(__file__).parent / "fixtures" / "gemma"
COARCHI = FIXTURES / "coarchi" / "model"
AMEFF = FIXTURES / "over-gemma-extract.xml"
MODEL = SHARED / "reference" / "gemma-archi" / "model"

AM = "https://w3id.org/ketengraaf/archimate#"
KETEN = "https://w3id.org/ketengraaf/def#"
GEMMA = "https://w3id.org/ketengraaf/id/gemma/"
SKOS_PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SAMENWERKEN = GEMMA + "e206dc9f-722e-40b1-b0d2-7d5bc1b5a81f"
REGIEVOEREN = GEMMA + "6948da74-5f84-4ead-850e-b25d9ddcfcc1"
KETENPARTNER = GEMMA + "e03a0402-1890-4a21-8143-c44a8ba53ea4"
ADVISEUR_KP = GEMMA + "f5c74c7d-ca39-4be0-8739-30fc1141e8b5"


def scan(folder: Path) -> dict[str, int]:
    """Count elements, relations and views with a plain scan of the root tags (no importer code)."""
    counts = {"element": 0, "relation": 0, "view": 0}
    for f in folder.rglob("*.xml"):
        if f.name == "folder.xml":
            continue
        tag = re.search(rb"<archimate:(\w+)", f.read_bytes()).group(1).decode()
        kind = "relation" if tag.endswith("Relationship") else "view" if tag.endswith("Model") else "element"
        counts[kind] += 1
    return counts


def store_of(data: bytes) -> ox.Store:
    s = ox.Store()
    s.load(data, format=ox.RdfFormat.TURTLE)
    return s


def ask(store: ox.Store, query: str) -> bool:
    return bool(store.query("PREFIX am: <%s> PREFIX keten: <%s> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                            "PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX prov: <http://www.w3.org/ns/prov#> "
                            % (AM, KETEN) + query))


@pytest.fixture(scope="module")
def fixture_import(tmp_path_factory):
    return run(COARCHI, out_dir=tmp_path_factory.mktemp("out"), scope="procesarchitectuur", commit="13846a5")


@pytest.fixture()
def broken(tmp_path) -> Path:
    """A writable copy of the coArchi extract, to break."""
    dst = tmp_path / "model"
    shutil.copytree(COARCHI, dst)
    return dst


# -- reading and RDF ---------------------------------------------------------------
def test_registry_names_both_importers():
    assert {"archimate", "upl"} <= set(IMPORTERS)
    assert IMPORTERS["archimate"].load().run is run


def test_coarchi_counts_equal_the_files(fixture_import):
    expected = scan(COARCHI)
    model = fixture_import.model
    assert (model.count("element"), model.count("relation"), model.count("view")) == (
        expected["element"], expected["relation"], expected["view"])
    assert fixture_import.problems == []


def test_raw_graph_types_properties_folders_relations_views(fixture_import):
    s = store_of(fixture_import.files["archimate-procesarchitectuur.ttl"])
    assert ask(s, f"""ASK {{ <{REGIEVOEREN}> a am:BusinessProcess ;
        skos:prefLabel "Regievoeren diensten door derden"@nl ;
        am:prop-object-id "6948da74-5f84-4ead-850e-b25d9ddcfcc1" ; am:prop-gemma-type "Bedrijfsproces" ;
        am:documentation ?doc ; am:folderPath ?path .
        FILTER(STRENDS(?path, "Procesarchitectuur/Processenlandschap")) }}""")
    # the extract's only view (Ketensamenwerking, Publiceren "GEMMA Online en redactie") is published,
    # and so is what it shows; Regievoeren is on no view of the extract: no GEMMA online link
    assert ask(s, """ASK { ?v a am:View ; skos:prefLabel "Ketensamenwerking"@nl ; keten:wikiPagina ?vp .
        ?i a am:BusinessInteraction ; keten:wikiPagina ?ip }""")
    assert not ask(s, f"ASK {{ <{REGIEVOEREN}> keten:wikiPagina ?page }}")
    assert ask(s, f"""ASK {{ <{SAMENWERKEN}> am:aggregation <{REGIEVOEREN}> .
        ?r a am:AggregationRelationship ; am:source <{SAMENWERKEN}> ; am:target <{REGIEVOEREN}> ;
           am:prop-object-id ?oid }}""")
    assert ask(s, """ASK { ?v a am:View ; skos:prefLabel "Ketensamenwerking"@nl ; am:showsElement ?e ;
        am:showsRelation ?r . ?e a am:BusinessInteraction }""")


def test_raw_graph_provenance(fixture_import):
    s = store_of(fixture_import.files["archimate-procesarchitectuur.ttl"])
    assert ask(s, """ASK { ?g a prov:Entity ; dcterms:license <https://spdx.org/licenses/EUPL-1.2> ;
        prov:wasAttributedTo <https://www.vngrealisatie.nl/> ; prov:generatedAtTime ?t ; am:commit "13846a5" ;
        dcterms:source ?src }""")


def test_mapping_onto_keten(fixture_import):
    s = store_of(fixture_import.files["procesarchitectuur.ttl"])
    assert ask(s, f"""ASK {{ <{REGIEVOEREN}> a keten:GemmaProces ; keten:onderdeelVan <{SAMENWERKEN}> ;
        keten:ketenproces <https://w3id.org/ketengraaf/id/ketenproces/uitvoeren-en-aansturen> .
        <{SAMENWERKEN}> a keten:GemmaProces }}""")
    for slug in ("vinden-en-verkennen", "vormgeven", "uitvoeren-en-aansturen", "beoordelen-en-bijsturen"):
        assert ask(s, f"ASK {{ ?p keten:ketenproces <https://w3id.org/ketengraaf/id/ketenproces/{slug}> }}"), slug
    assert ask(s, f"""ASK {{ <{ADVISEUR_KP}> a keten:GemmaRol ; dcterms:isPartOf <{KETENPARTNER}> .
        ?actor a keten:GemmaRol ; skos:prefLabel "Samenwerkingsverband"@nl }}""")
    assert ask(s, """ASK { ?b a keten:Procesbouwsteen ; skos:prefLabel "Registratie aanvraag"@nl }""")
    # the collaboration pattern's placeholder processes stay raw
    assert not ask(s, 'ASK { ?p a keten:GemmaProces ; skos:prefLabel "Bedrijfsproces 1"@nl }')
    # every mapped resource: exactly one Dutch preferred label
    rows = s.query(f"""SELECT ?r (COUNT(?l) AS ?n) WHERE {{
        VALUES ?c {{ <{KETEN}GemmaProces> <{KETEN}GemmaRol> <{KETEN}Procesbouwsteen> }} ?r a ?c .
        OPTIONAL {{ ?r <{SKOS_PREF.value}> ?l FILTER(LANG(?l) = "nl") }} }} GROUP BY ?r""")
    counts = [int(r["n"].value) for r in rows]
    assert counts and set(counts) == {1}


def test_ameff_has_the_same_shape():
    result = run(AMEFF, out_dir="/tmp/unused", scope="all")
    assert result.problems == []
    text = AMEFF.read_text(encoding="utf-8")
    assert result.model.count("element") == text.count("<element ")
    assert result.model.count("relation") == text.count("<relationship ")
    assert result.model.count("view") == 1
    s = store_of(next(data for name, data in result.files.items() if name.startswith("archimate-")))
    assert ask(s, """ASK { ?r a am:Relationship ; am:source ?a ; am:target ?b . ?a ?direct ?b .
        ?e am:prop-object-id ?oid ; am:folder ?f ; keten:wikiPagina ?page . ?f a am:Folder ; skos:prefLabel ?fl .
        ?v a am:View ; am:showsElement ?e }""")


# -- robustness ----------------------------------------------------------------------
def _one_element(model: Path) -> Path:
    return next(model.rglob("BusinessProcess_*.xml"))


def test_malformed_xml_is_reported_with_file_and_line(broken):
    bad = _one_element(broken)
    bad.write_text('<archimate:BusinessProcess xmlns:archimate="http://www.archimatetool.com/archimate"\n'
                   '  name="kapot" id="id-x">\n  <properties key="a" value="b">\n</archimate:BusinessProcess>\n')
    result = run(broken, out_dir=broken.parent / "out")
    problem = result.problems[0]      # the relations to the left-out element follow it
    assert problem.file.endswith(bad.name) and problem.line == 4 and "malformed XML" in problem.message
    assert str(problem).endswith(f"{bad.name}:4:3: malformed XML: mismatched tag")
    assert result.model.count("element") == scan(COARCHI)["element"] - 1


def test_non_utf8_file_is_reported(broken):
    bad = _one_element(broken)
    bad.write_bytes(bad.read_bytes().replace(b'name="', 'name="Caf\xe9 '.encode("latin-1"), 1))
    problem = run(broken, out_dir=broken.parent / "out").problems[0]
    assert problem.file.endswith(bad.name) and "not UTF-8 (byte 0xe9)" in problem.message and problem.line == 3


def test_unknown_element_type_is_reported(broken):
    (broken / "business" / "BusinessWidget_id-zz.xml").write_text(
        '<archimate:BusinessWidget xmlns:archimate="http://www.archimatetool.com/archimate" name="w" id="id-zz"/>')
    [problem] = run(broken, out_dir=broken.parent / "out").problems
    assert "unknown ArchiMate type 'BusinessWidget'" in problem.message and problem.file.endswith("id-zz.xml")


def test_relation_to_missing_element_is_reported(broken):
    target = _one_element(broken)
    victim = target.read_text(encoding="utf-8")
    element_id = re.search(r'\bid="([^"]+)"', victim).group(1)
    relations = [f for f in broken.rglob("*Relationship_*.xml") if element_id in f.read_text(encoding="utf-8")]
    target.unlink()
    result = run(broken, out_dir=broken.parent / "out")
    assert relations, "the chosen element should have a relation"
    assert len(result.problems) >= len(relations)
    assert all("is not in the model; relation left out" in p.message or "view" in p.message
               for p in result.problems)
    assert result.model.count("relation") == scan(COARCHI)["relation"] - len(relations)


def test_duplicate_ids_are_reported(broken):
    original = _one_element(broken)
    shutil.copy(original, original.with_name("BusinessProcess_copy.xml"))
    problems = run(broken, out_dir=broken.parent / "out").problems
    assert any("duplicate id" in p.message for p in problems)


def test_strict_fails_without_touching_the_store(broken, tmp_path):
    _one_element(broken).write_text("<not-closed")
    store = tmp_path / "store"
    env = {"KETENGRAAF_IMPORT_DIR": str(tmp_path / "imports")}
    res = CliRunner().invoke(main, ["import", "archimate", str(broken), "--strict", "--store", str(store)], env=env)
    assert res.exit_code == 2, res.output
    assert "malformed XML" in res.output and "--strict" in res.output
    assert not (store / "CURRENT").exists() and not (tmp_path / "imports").exists()
    with pytest.raises(ImporterError):
        run(broken, out_dir=tmp_path, strict=True)


def test_malformed_ameff_fails_with_line(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(AMEFF.read_bytes().replace(b"</elements>", b"</element>", 1))
    with pytest.raises(ParseError) as err:
        run(bad, out_dir=tmp_path)
    assert err.value.path == str(bad) and err.value.line and err.value.exit_code == 2


def test_not_a_model_is_an_input_error(tmp_path):
    res = CliRunner().invoke(main, ["import", "archimate", str(tmp_path)])
    assert res.exit_code == 2 and "neither an Archi collaboration folder" in res.output


# -- writing, store, progress --------------------------------------------------------------
def test_reimport_changes_nothing(tmp_path):
    first = run(COARCHI, out_dir=tmp_path, scope="procesarchitectuur")
    assert set(write_files(tmp_path, first.files).values()) == {"written"}
    again = run(COARCHI, out_dir=tmp_path, scope="procesarchitectuur")
    assert set(write_files(tmp_path, again.files).values()) == {"unchanged"}
    assert all(same_content(first.files[n], again.files[n]) for n in first.files)


def test_import_into_the_store(tmp_path):
    settings = make_settings(tmp_path / "store")
    env = {"KETENGRAAF_STORE_DIR": str(settings.store_dir), "KETENGRAAF_IMPORT_DIR": str(settings.import_dir)}
    res = CliRunner().invoke(main, ["import", "archimate", str(AMEFF)], env=env)
    assert res.exit_code == 0, res.output
    assert "store: generation" in res.output
    from ketengraaf.store.oxigraph import OxigraphStore
    store = OxigraphStore(settings.store_dir)
    assert any("archimate-over-gemma.ttl" in g for g in store.generation().graphs)
    assert store.query("ASK { ?v a <%sView> }" % AM)


def test_progress_only_on_a_terminal():
    quiet = Progress(io.StringIO())
    quiet.update(files=3)
    quiet.done()
    assert quiet.stream.getvalue() == ""
    loud = Progress(io.StringIO(), enabled=True, interval=0)
    loud.update(files=3, elements=2)
    loud.done()
    assert "3 files, 2 elements" in loud.stream.getvalue()


# -- pages ---------------------------------------------------------------------------------
def test_process_landscape_tree(client):
    html = client.get("/gemma/processen?lang=nl").get_data(as_text=True)
    assert html.count("<ul class=\"gemma-tree\">") >= 2      # a tree of nested lists (no links inside <summary>)
    i = html.index("Samenwerken in de keten")
    assert "Regievoeren diensten door derden" in html[i:i + 3000]
    assert 'href="/id/gemma/6948da74-5f84-4ead-850e-b25d9ddcfcc1"' in html
    assert "https://www.gemmaonline.nl/index.php/GEMMA/id-6948da74-5f84-4ead-850e-b25d9ddcfcc1" in html


def test_building_blocks_page(client):
    res = client.get("/gemma/bouwstenen?lang=nl")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and "Registratie aanvraag" in html
    assert html.count('class="gemma-online" href="https://www.gemmaonline.nl/index.php/GEMMA/id-') >= 20
    assert client.get("/gemma").status_code == 200 and client.get("/gemma/rollen").status_code == 200


# -- the whole model -------------------------------------------------------------------------
@needs_shared
def test_full_model(tmp_path):
    expected = scan(MODEL)
    result = run(MODEL, out_dir=tmp_path, scope="all", commit="13846a5")
    model = result.model
    assert result.problems == []
    assert (model.count("element"), model.count("relation"), model.count("view")) == (
        expected["element"], expected["relation"], expected["view"])
    oids = [i.object_id for i in model.items.values()]
    assert None not in oids and len(set(oids)) == len(oids)
    s = store_of(result.files["archimate-gemma.ttl"])
    unresolved = s.query(f"""SELECT (COUNT(*) AS ?n) WHERE {{ ?r <{AM}source>|<{AM}target> ?end
        FILTER NOT EXISTS {{ ?end <{AM}archimateId> ?id }} }}""")
    assert int(next(iter(unresolved))["n"].value) == 0
    again = run(MODEL, out_dir=tmp_path, scope="all", commit="13846a5")
    assert all(same_content(result.files[n], again.files[n]) for n in result.files)


def test_links_from_the_chains_resolve():
    """data/gemma/koppelingen.ttl: subjects exist in data/ketens/, objects have the class the link expects."""
    from paths import ROOT
    s = ox.Store()
    for f in [*(ROOT / "data" / "ketens").glob("*.ttl"), *(ROOT / "data" / "gemma").glob("*.ttl")]:
        s.load(path=str(f), format=ox.RdfFormat.TURTLE)
    links = ox.Store()
    links.load(path=str(ROOT / "data" / "gemma" / "koppelingen.ttl"), format=ox.RdfFormat.TURTLE)
    expected = {"landschapsproces": "GemmaProces", "gebruiktBouwsteen": "Procesbouwsteen", "gemmaRol": "GemmaRol"}
    quads = list(links.quads_for_pattern(None, None, None))
    assert len(quads) >= 10
    for q in quads:
        prop = q.predicate.value.rsplit("#", 1)[-1]
        assert any(True for _ in s.quads_for_pattern(q.subject, RDF_TYPE, None)), q.subject
        cls = ox.NamedNode(KETEN + expected[prop])
        assert any(True for _ in s.quads_for_pattern(q.object, RDF_TYPE, cls)), (q.object, cls)


# -- the mapping's decisions, hand-checked on the shipped import (data/gemma/) ----------------
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "gemma"
UITVOEREND = GEMMA + "4ab5a164-0dc3-4d19-a81f-a01ff5c88a65"        # Uitvoerende (primaire) processen
AANVRAAG_ADVIES = GEMMA + "9e070ab4-1d02-4e8f-b42e-d4cd7f49f4e9"
REGISTRATIE_AANVRAAG = GEMMA + "ff33aa8b-fa1e-4d1d-a87e-45a457d0dda6"
VERANTWOORDELIJKE_1 = GEMMA + "9b9ee42b-2232-4823-a2b2-1f2970a655ea"  # template role in Ketensamenwerking
REVIEW_VIEW = GEMMA + "757967e4-893e-4ada-b42f-0612ca18744c"      # "Actoren en rollen review", Publiceren = Niet
UITVOEREN = "https://w3id.org/ketengraaf/id/ketenproces/uitvoeren-en-aansturen"


def count(store: ox.Store, query: str) -> int:
    rows = store.query("PREFIX am: <%s> PREFIX keten: <%s> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                       % (AM, KETEN) + query)
    return int(next(iter(rows))["n"].value)


@pytest.fixture(scope="module")
def shipped() -> ox.Store:
    s = ox.Store()
    for name in ("archimate-procesarchitectuur.ttl", "procesarchitectuur.ttl"):
        s.load(path=str(SHIPPED / name), format=ox.RdfFormat.TURTLE)
    return s


def test_building_blocks_are_classified(shipped):
    # every building block sits in the cluster whose Toelichting names the catalogue's worked example
    assert ask(shipped, f"""ASK {{ <{REGISTRATIE_AANVRAAG}> keten:landschapsproces <{UITVOEREND}> .
        <{UITVOEREND}> skos:prefLabel "Uitvoerende (primaire) processen"@nl }}""")
    assert count(shipped, f"""SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE {{ ?b a keten:Procesbouwsteen ;
        keten:landschapsproces <{UITVOEREND}> }}""") == 23
    # only the two advice blocks (the source page's orchestration example) are chain collaboration
    assert ask(shipped, f"ASK {{ <{AANVRAAG_ADVIES}> keten:ketenproces <{UITVOEREN}> }}")
    assert not ask(shipped, f"ASK {{ <{REGISTRATIE_AANVRAAG}> keten:ketenproces ?kp }}")
    rows = shipped.query(f"""SELECT ?l WHERE {{ ?b a <{KETEN}Procesbouwsteen> ; <{KETEN}ketenproces> ?kp ;
        <{SKOS_PREF.value}> ?l }}""")
    assert sorted(r["l"].value for r in rows) == ["Aanvraag advies", "Verzoek advies met instemming"]


def test_template_roles_are_not_gemma_roles(shipped):
    assert ask(shipped, f"""ASK {{ <{VERANTWOORDELIJKE_1}> a am:BusinessRole ;
        skos:prefLabel "Verantwoordelijke organisatie 1"@nl }}""")
    assert not ask(shipped, f"ASK {{ <{VERANTWOORDELIJKE_1}> a keten:GemmaRol }}")
    assert not ask(shipped, """ASK { ?r a keten:GemmaRol ; skos:prefLabel ?l
        FILTER(CONTAINS(?l, "organisatie 1") || CONTAINS(?l, "organisatie 2")) }""")
    # the 36 of "Actoren en rollen"
    assert count(shipped, "SELECT (COUNT(?r) AS ?n) WHERE { ?r a keten:GemmaRol }") == 36


def test_only_published_views_link_to_gemma_online(shipped):
    assert ask(shipped, f"""ASK {{ <{REVIEW_VIEW}> skos:prefLabel "Actoren en rollen review"@nl ;
        am:prop-publiceren "Niet" }}""")
    assert not ask(shipped, f"""ASK {{ <{REVIEW_VIEW}>
        keten:wikiPagina|<http://www.w3.org/2000/01/rdf-schema#seeAlso> ?p }}""")
    assert count(shipped, """SELECT (COUNT(DISTINCT ?v) AS ?n) WHERE { ?v a am:View ; keten:wikiPagina ?p ;
        am:prop-publiceren "GEMMA Online en redactie" }""") == 12


def test_gemma_type_and_toelichting_are_kept(shipped):
    assert ask(shipped, f"""ASK {{ <{SAMENWERKEN}> a keten:GemmaProcescluster , keten:GemmaProces .
        <{REGIEVOEREN}> a keten:GemmaProces }}""")
    assert not ask(shipped, f"ASK {{ <{REGIEVOEREN}> a keten:GemmaProcescluster }}")
    assert count(shipped, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a keten:GemmaProcescluster }") == 35
    assert ask(shipped, f"""ASK {{ <{UITVOEREND}> skos:scopeNote 'Het proces "Behandelen vergunningaanvraag".'@nl }}""")
    assert ask(shipped, """ASK { ?p skos:prefLabel "Handhaven"@nl ; a keten:GemmaProcescluster ;
        skos:scopeNote "Dit is een procescluster"@nl }""")


def test_unpublished_view_loses_its_links(broken):
    view = next(broken.rglob("ArchimateDiagramModel_*.xml"))
    view.write_text(view.read_text(encoding="utf-8").replace('value="GEMMA Online en redactie"', 'value="Niet"'),
                    encoding="utf-8")
    s = store_of(run(broken, out_dir=broken.parent / "out", scope="procesarchitectuur")
                 .files["archimate-procesarchitectuur.ttl"])
    assert not ask(s, "ASK { ?x keten:wikiPagina ?p . ?p keten:wiki ?w FILTER(CONTAINS(STR(?p), 'gemmaonline')) }")
