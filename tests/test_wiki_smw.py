"""Reading Semantic MediaWiki's RDF export (ketengraaf.wiki.smw): a real export, the hand-made
fixtures for GEMMA online and NORA online, and the file it writes into data/wiki/."""
from __future__ import annotations

from datetime import date

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from ketengraaf.errors import InputError
from ketengraaf.namespaces import ID, KETEN
from ketengraaf.sources import parse_sources
from ketengraaf.validation import validate_sources
from ketengraaf.wiki import service
from ketengraaf.wiki.smw import SWIVT, is_stale, read_export, resolver_prefix, to_turtle
from ketengraaf.wiki.titles import parse_wikis, wiki_by_name
from conftest import needs_shared
from paths import ROOT
from wiki_helpers import G, GEMMA_EXPORT, LOVE2D, N, NORA_EXPORT, PROCESARCHITECTUUR, settings_for, wiki_catalogue

WIKIS = parse_wikis("gemma=https://www.gemmaonline.nl/index.php/ nora=https://www.noraonline.nl/wiki/ "
                    "love2d=http://love2d.org/wiki/")


@needs_shared
def test_a_real_export_love2d():
    export = read_export(LOVE2D, wiki_by_name(WIKIS, "love2d"))
    assert export.created == "2024-04-11T17:36:07+00:00"
    page = export.page("love.graphics.isCreated")
    assert page is not None and list(export.pages) == ["Love.graphics.isCreated"]  # $wgCapitalLinks
    assert page.namespace == 0 and page.categories == ["Functions"]
    assert page.modified.startswith("2016-09-09T15:17:52")
    assert page.properties["Description"] == ["Checks if the window has been created."]
    # property names are titles too: first letter upper case
    assert page.properties["Sub-Category"] == ["Window"] and page.properties["Parent"] == ["Love.graphics"]
    assert "Modification date#aux" not in page.properties and page.redirect_to is None


def test_resolver_prefix_localised_and_plain():
    assert resolver_prefix(["https://x.nl/wiki/Speciaal:URIResolver/A"]) == "https://x.nl/wiki/Speciaal:URIResolver/"
    assert resolver_prefix(["http://example.org/id/Rdf-2D1", "http://example.org/id/Example/R0008/1"]) == \
        "http://example.org/id/"


def test_gemma_fixture_rdfxml():
    export = read_export(GEMMA_EXPORT, wiki_by_name(WIKIS, "gemma"))
    assert len(export.pages) >= 160 and export.created
    pa = export.page("Procesarchitectuur Impact van ketensamenwerking")
    assert pa.iri == PROCESARCHITECTUUR and pa.categories == ["Procesarchitectuur"]
    assert pa.status == str(ID) + "paginastatus/mogelijk-verouderd" and pa.modified.startswith("2023-10-06")
    redirect = export.page("Ketensamenwerking")
    assert redirect.redirect_to == "Procesarchitectuur Impact van ketensamenwerking"
    assert export.page("GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be").iri == \
        G + "GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be"
    assert export.page("Toezicht").status == str(ID) + "paginastatus/actueel"


def test_nora_fixture_turtle_with_diacritics_and_a_redirect():
    export = read_export(NORA_EXPORT, wiki_by_name(WIKIS, "nora"))
    page = export.page("Bewaak de continuïteit en stel een calamiteitenplan op")
    assert page.iri == N + "Bewaak_de_continu%C3%AFteit_en_stel_een_calamiteitenplan_op"
    assert page.properties == {"ID": ["IMP078"]} and page.categories == ["Implicatie"]
    assert export.page("Ketensturing/Wereld van ketens").redirect_to == "Ketensturing/De wereld van ketens"
    assert export.page("Ketensturing/De wereld van ketens").modified is None   # not known: not invented


def test_not_an_export_is_an_input_error(tmp_path):
    bad = tmp_path / "x.ttl"
    bad.write_text("<a:b> <a:c> <a:d> .")
    with pytest.raises(InputError, match="swivt:Subject"):
        read_export(bad, wiki_by_name(WIKIS, "gemma"))
    bad.write_text("this is not RDF")
    with pytest.raises(InputError, match="not an RDF/XML or Turtle export"):
        read_export(bad, wiki_by_name(WIKIS, "gemma"))


def test_stale_after_the_configured_days():
    assert is_stale("2023-10-06", 1095, date(2026, 11, 30))
    assert not is_stale("2023-10-06", 1200, date(2026, 11, 30))
    assert not is_stale("2023-10-06", 0, date(2026, 11, 30))
    assert not is_stale(None, 10) and is_stale("2019-03-01T09:30:00Z", 1095, date(2026, 11, 30))


def test_the_catalogue_file_per_wiki(tmp_path):
    settings = wiki_catalogue(tmp_path)
    path = tmp_path / "data" / "wiki" / "nora.ttl"
    g = Graph().parse(path, format="turtle")
    graph = URIRef("https://w3id.org/ketengraaf/graph/data/wiki/nora.ttl")
    assert (graph, DCTERMS.subject, ID["wiki/nora-online"]) in g
    assert g.value(graph, URIRef("http://www.w3.org/ns/prov#generatedAtTime")) is not None
    assert str(g.value(graph, DCTERMS.source)) == "nora-export.ttl"             # no local paths
    redirect = URIRef(N + "Ketensturing/Wereld_van_ketens")
    assert (redirect, SWIVT.redirectsTo, URIRef(N + "Ketensturing/De_wereld_van_ketens")) in g
    assert (redirect, RDF.type, KETEN.WikiPagina) in g
    gemma = Graph().parse(tmp_path / "data" / "wiki" / "gemma.ttl", format="turtle")
    pa = URIRef(PROCESARCHITECTUUR)
    assert (pa, KETEN.paginastatus, ID["paginastatus/mogelijk-verouderd"]) in gemma
    assert (pa, KETEN.laatstBewerkt, Literal("2023-10-06T00:00:00+00:00", datatype=XSD.dateTime)) in gemma
    # a second import of the same export writes the same bytes
    before = path.read_bytes()
    service.import_export(settings, str(NORA_EXPORT), "nora")
    assert path.read_bytes() == before


def test_the_catalogue_files_conform_to_the_shapes(tmp_path):
    wiki_catalogue(tmp_path)
    report = validate_sources(parse_sources([ROOT / "ontology", ROOT / "shapes", tmp_path / "data" / "wiki"]),
                              shapes_dir=ROOT / "shapes", ontology_dir=ROOT / "ontology")
    assert report.violations == 0


def test_turtle_is_deterministic():
    wiki = wiki_by_name(WIKIS, "gemma")
    assert to_turtle(read_export(GEMMA_EXPORT, wiki)) == to_turtle(read_export(GEMMA_EXPORT, wiki))
    assert settings_for(ROOT).wiki_stale_days == 1095
