"""Page titles <-> page IRIs as MediaWiki makes them, and SMW's export names (ketengraaf.wiki.titles)."""
from __future__ import annotations

import json
import re

import pytest

from ketengraaf.errors import ConfigError
from ketengraaf.settings import Settings
from ketengraaf.wiki import service
from ketengraaf.wiki.titles import (GEMMA, NORA, normalize_title, page_iri, parse_page_iri, parse_wikis, smw_decode,
                                    smw_encode, wf_urlencode, wiki_by_name)
from conftest import needs_shared
from wiki_helpers import G, N, SMW_TESTS

WIKIS = parse_wikis("")
GW, NW = wiki_by_name(WIKIS, GEMMA), wiki_by_name(WIKIS, NORA)

# title -> path MediaWiki writes (wfUrlencode keeps ; @ $ ! * ( ) , / ~ : and encodes the rest)
CASES = {
    "Ketensturing/De wereld van ketens": "Ketensturing/De_wereld_van_ketens",
    "GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be": "GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be",
    "Bied één contactpunt (Single point of contact)": "Bied_%C3%A9%C3%A9n_contactpunt_(Single_point_of_contact)",
    "Bewaak de continuïteit en stel een calamiteitenplan op":
        "Bewaak_de_continu%C3%AFteit_en_stel_een_calamiteitenplan_op",
    "Gegevens eenmalig uitgevraagd, uniek opgeslagen, meervoudig gebruikt":
        "Gegevens_eenmalig_uitgevraagd,_uniek_opgeslagen,_meervoudig_gebruikt",
    "Wissel gegevens tussen (web)applicaties uit met API's": "Wissel_gegevens_tussen_(web)applicaties_uit_met_API%27s",
    "Q&A: wat is een keten?": "Q%26A:_wat_is_een_keten%3F",
    "Categorie:Mogelijk verouderd": "Categorie:Mogelijk_verouderd",
    "Café ~ 50% + 1=2": "Caf%C3%A9_~_50%25_%2B_1%3D2",
    "Ketens; samen @ $werk!*": "Ketens;_samen_@_$werk!*",
}


@pytest.mark.parametrize("title,path", CASES.items(), ids=list(CASES))
def test_title_to_iri_and_back(title, path):
    for wiki in (GW, NW):
        iri = page_iri(wiki, title)
        assert iri == wiki.base + path
        ref = parse_page_iri(iri, WIKIS)
        assert ref.wiki == wiki and ref.title == title and ref.iri == iri


def test_unencoded_characters_are_those_of_wfurlencode():
    assert wf_urlencode(";@$!*(),/~:") == ";@$!*(),/~:"
    assert wf_urlencode("&'+?=#%\"<>[]{}|") == "%26%27%2B%3F%3D%23%25%22%3C%3E%5B%5D%7B%7D%7C"
    assert wf_urlencode("ë") == "%C3%AB"


def test_normalisation_underscores_spaces_and_first_letter():
    assert normalize_title("  ketensturing/de_wereld   van__ketens ") == "Ketensturing/de wereld van ketens"
    assert normalize_title("categorie:mogelijk verouderd") == "Categorie:Mogelijk verouderd"
    assert normalize_title("ëlement") == "Ëlement"
    assert normalize_title("Ketensturing/De%20wereld") == "Ketensturing/De wereld"
    assert page_iri(NW, "ketensturing/De wereld van ketens") == N + "Ketensturing/De_wereld_van_ketens"


@pytest.mark.parametrize("variant", [
    "https://gemmaonline.nl/index.php/GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be",      # as in the model
    "http://gemmaonline.nl/index.php/GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be",
    "http://www.gemmaonline.nl/index.php/GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be",
    "https://www.gemmaonline.nl/wiki/GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be",
    "https://www.gemmaonline.nl/index.php?title=GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be&action=view",
    "https://www.gemmaonline.nl/index.php/GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be#Relaties",
])
def test_variants_found_in_the_wild_are_the_same_page(variant):
    ref = parse_page_iri(variant, WIKIS)
    assert ref.wiki.name == "gemma"
    assert ref.iri == G + "GEMMA/id-0b074927-d206-4f8c-b3d2-d21bb6fb37be"


def test_raw_diacritics_as_in_the_models_nora_urls():
    raw = "https://www.noraonline.nl/wiki/Maak_één_organisatie_verantwoordelijk_voor_de_dienst"
    ref = parse_page_iri(raw, WIKIS)
    assert ref.title == "Maak één organisatie verantwoordelijk voor de dienst"
    assert ref.iri == N + "Maak_%C3%A9%C3%A9n_organisatie_verantwoordelijk_voor_de_dienst"


def test_other_sites_are_not_wiki_pages():
    assert parse_page_iri("https://www.example.org/wiki/Ketensturing", WIKIS) is None
    assert parse_page_iri("https://w3id.org/ketengraaf/id/keten/vth", WIKIS) is None


def test_smw_escaping_matches_smws_own_test_fixtures():
    # SMW test r-0001: "Rdf-3#Caractères spéciaux" -> Rdf-2D3-23Caract-C3-A8res_sp-C3-A9ciaux
    assert smw_encode("Rdf-1") == "Rdf-2D1"
    assert smw_encode("I--11--O") == "I-2D-2D11-2D-2DO"
    assert smw_decode("Rdf-2D3-23Caract-C3-A8res_sp-C3-A9ciaux") == "Rdf-3#Caractères spéciaux"
    assert smw_decode("Property-3AHas_page_property_for_rdf") == "Property:Has page property for rdf"
    # r-0008 (Turtle): a slash stays a slash
    assert smw_encode("Example/R0008/1") == "Example/R0008/1"
    assert smw_decode("Example/R0008/1") == "Example/R0008/1"
    for title in CASES:
        assert smw_decode(smw_encode(title)) == title


@needs_shared
def test_every_subject_name_in_smws_test_fixtures_decodes_and_encodes_back():
    names = []
    for f in sorted(SMW_TESTS.glob("SMW-tests-*.json")):
        for test in json.loads(f.read_text(encoding="utf-8"))["tests"]:
            for text in test["assert-output"].get("to-contain", []):
                names += re.findall(r"http://example\.org/id/([^\"<>\s]+)", text)
    assert len(names) >= 15
    for name in names:
        if "-23" in name:                # sub-objects: Page#name
            continue
        assert smw_encode(smw_decode(name)) == name, name


def test_the_wikis_setting():
    assert [w.name for w in WIKIS] == ["gemma", "nora"]
    assert GW.base == G and NW.base == N and GW.display == "GEMMA online"
    assert "https://www.gemmaonline.nl" in GW.origins and "https://gemmaonline.nl" in GW.origins
    more = parse_wikis("gemma=https://www.gemmaonline.nl/index.php/ nora=https://www.noraonline.nl/wiki/ "
                       "test=https://wiki.example.org/w/")
    assert wiki_by_name(more, "test").page_iri("A/B c") == "https://wiki.example.org/w/A/B_c"
    js = parse_wikis('{"gemma": "https://www.gemmaonline.nl/index.php/", "x": {"base": "https://x.org/wiki/", '
                     '"label": "X wiki"}}')
    assert wiki_by_name(js, "x").display == "X wiki"
    for bad in ("gemma", "gemma=ftp://x/", "Gemma=https://x.org/wiki/", "{nope"):
        with pytest.raises(ValueError):
            parse_wikis(bad)
    with pytest.raises(ConfigError, match="setting wikis"):
        service.wikis(Settings.from_env({"wikis": "nonsense"}, environ={}))
    with pytest.raises(ConfigError, match="unknown wiki"):
        wiki_by_name(WIKIS, "wikipedia")
