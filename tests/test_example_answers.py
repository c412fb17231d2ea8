"""Every example query gives the answer a reader of the data files finds by hand.

The expected rows below were written by reading the Turtle in ``data/ketens/`` (the chains),
``data/gemma/koppelingen.ttl`` (their links to GEMMA), ``ontology/begrippen.ttl`` (role and
steering labels) and ``data/upl/upl.ttl``, not by running the queries. One entry per query, so a
change to the chain data means updating one place. Labels are the Dutch ``skos:prefLabel``s; None
is an unbound variable.
"""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from ketengraaf.sparql.examples import examples

EXAMPLES = {e.slug: e for e in examples()}

VTH = "Vergunningverlening, toezicht en handhaving (VTH)"
VERGUNNING = "Vergunning met extern advies"
SCHULD = "Schuldhulpverlening"
NAZORG = "Nazorg (ex-)gedetineerden"
VEILIG = "Veiligheidsketen"
WIJK = "Wijknetwerk zorg en welzijn"
GEMMA_PAGE = "https://www.gemmaonline.nl/index.php/Procesarchitectuur_Impact_van_ketensamenwerking"
ID = "https://w3id.org/ketengraaf/id/"
DEF = "https://w3id.org/ketengraaf/def#"

# slug -> (columns compared, rows in the query's ORDER BY, whether that order is total)
EXPECTED: dict[str, tuple[tuple[str, ...], list[tuple], bool]] = {
    # the municipality (or a partner in its government layer) in every chain, with its role
    "01-gemeente-ketens-en-rollen": (("ketenNaam", "partnerNaam", "rolNaam"), [
        (NAZORG, "Gemeente", "Uitvoerder"),
        (SCHULD, "Gemeente", "Uitvoerder"),
        (VEILIG, "Gemeente", "Leverende partij"),
        (VEILIG, "Zorg- en Veiligheidshuis", "Ketenbureau"),     # bestuurslaag gemeente (gedeeld.ttl)
        (VERGUNNING, "Gemeente", "Regisseur"),
        (VTH, "Gemeente", "Beslisser"),
        (WIJK, "Gemeente", None),                               # a network member, no role
    ], True),
    # relay chains (vth, schuldhulpverlening, nazorg): every process has its responsible party (the old
    # 'Controle ter plaatse' gap was engineered, no source has it), so the true answer is none
    "02-estafette-zonder-verantwoordelijke": (("ketenNaam", "procesNaam"), [], True),
    # processes and (nested) sub-processes -> gebruiktBouwsteen / landschapsproces
    "03-bouwstenen-per-keten": (("ketenNaam", "soort", "gebruiktNaam"), [
        (NAZORG, "GEMMA-proces", "Ondersteunen cliënten"),
        (VEILIG, "GEMMA-proces", "Handhaven"),                  # openbare orde (koppelingen.ttl)
        (VEILIG, "GEMMA-proces", "Opsporen"),                   # opsporing (koppelingen.ttl)
        (VERGUNNING, "GEMMA-proces", "Behandelen aanvraag vergunning of ontheffing"),
        (VERGUNNING, "GEMMA-proces", "Leveren dienst aan derden"),   # the three advice sub-processes
        (VERGUNNING, "procesbouwsteen", "Aanvraag advies"),
        (VERGUNNING, "procesbouwsteen", "Bevestiging ontvangst"),
        (VERGUNNING, "procesbouwsteen", "Registratie aanvraag"),
        (VTH, "GEMMA-proces", "Behandelen aanvraag vergunning of ontheffing"),
        (VTH, "GEMMA-proces", "Handhaven"),
        (VTH, "GEMMA-proces", "Toezichthouden"),
        (VTH, "procesbouwsteen", "Bevestiging ontvangst"),
        (VTH, "procesbouwsteen", "Registratie aanvraag"),
    ], True),
    "04-partners-per-keten": (("ketenNaam", "rolNaam", "partnerNaam", "begin", "eind"), [
        (NAZORG, "Leverende partij", "Dienst Justitiële Inrichtingen", "2021-07-01", None),
        (NAZORG, "Uitvoerder", "Gemeente", "2021-07-01", None),
        (NAZORG, "Uitvoerder", "Reclassering", "2021-07-01", None),
        (SCHULD, "Leverende partij", "Woningcorporatie", "2021-01-01", None),
        (SCHULD, "Uitvoerder", "Gemeente", "2021-01-01", None),
        (SCHULD, "Uitvoerder", "Welzijnsorganisatie", "2021-01-01", None),
        (VEILIG, "Ketenbureau", "Zorg- en Veiligheidshuis", "2013-01-01", None),
        (VEILIG, "Leverende partij", "Gemeente", "2013-01-01", None),
        (VEILIG, "Leverende partij", "Openbaar Ministerie", "2013-01-01", None),
        (VEILIG, "Leverende partij", "Politie", "2013-01-01", None),
        (VEILIG, "Leverende partij", "Reclassering", "2013-01-01", None),
        (VEILIG, "Leverende partij", "Veiligheidsregio", "2010-10-01", None),
        (VEILIG, "Leverende partij", "Zorgaanbieder", "2013-01-01", None),
        (VERGUNNING, "Adviseur", "Externe adviseur", None, None),   # the sourced chain: one adviser, no dates
        (VERGUNNING, "Regisseur", "Gemeente", None, None),
        (VTH, "Beslisser", "Gemeente", "2024-01-01", None),
        (VTH, "Uitvoerder", "Omgevingsdienst", "2024-01-01", None),
    ], True),
    # only the GEMMA page has a status (and the only last-edited date): one row per thing linking it
    "05-verouderde-wikipaginas": (("pagina", "onderwerp", "status", "laatstBewerkt"), [
        (GEMMA_PAGE, ID + subject, ID + "paginastatus/mogelijk-verouderd", "2023-10-06")
        for subject in ("ketenprocessen", "keten/vth", "keten/schuldhulpverlening", "keten/nazorg-ex-gedetineerden",
                        "keten/veiligheidsketen", "keten/vergunning-met-extern-advies",
                        "netwerk/wijknetwerk-zorg-en-welzijn")
    ], False),
    # direct rdf:type (nazorg is both a relay and horizontal collaboration)
    "06-ketens-per-soort": (("soort", "soortNaam", "aantal"), [
        (DEF + "Estafetteketen", "Estafetteketen", "3"),
        (DEF + "Doelketen", "Doelketen", "1"),
        (DEF + "HorizontaleSamenwerking", "Horizontale samenwerking", "1"),
        (DEF + "Netwerk", "Netwerk", "1"),
        (DEF + "Orkestratieketen", "Orkestratieketen", "1"),
    ], False),
    "07-sturingsbouwstenen": (("ketenNaam", "bouwsteenNaam"), [
        (VEILIG, "Ketenbureau"),
        (VEILIG, "Ketenoverlegstructuur"),
        (VTH, "Ketenoverlegstructuur"),                         # the sourced permit chain names none
    ], True),
    # keten:afhankelijkVan inside the three relay chains (the veiligheidsketen is a goal chain)
    "08-afhankelijkheden-estafette": (("ketenNaam", "procesNaam", "partnerNaam", "nodigVanNaam", "leverancierNaam"), [
        (NAZORG, "Nazorg bij terugkeer in de gemeente", "Gemeente",
         "Voorbereiden terugkeer tijdens detentie", "Dienst Justitiële Inrichtingen"),
        (NAZORG, "Reclasseringstoezicht na detentie", "Reclassering",
         "Voorbereiden terugkeer tijdens detentie", "Dienst Justitiële Inrichtingen"),
        (SCHULD, "Budgetbegeleiding", "Welzijnsorganisatie", "Schuldhulp verlenen", "Gemeente"),
        (SCHULD, "Schuldhulp verlenen", "Gemeente", "Vroegsignalering betalingsachterstanden", "Woningcorporatie"),
        (VTH, "Handhaving", "Gemeente", "Toezicht", "Omgevingsdienst"),
        (VTH, "Toezicht", "Omgevingsdienst", "Vergunningverlening", "Gemeente"),
    ], True),
    # gemeente as leverende partij (veiligheidsketen) or uitvoerder, narrower (nazorg, schuldhulp:
    # whose processes link to nothing in GEMMA); VTH (beslisser) and vergunning (regisseur) are out
    "09-bouwstenen-gemeente-levert": (("ketenNaam", "rolNaam", "procesNaam", "soort", "gebruiktNaam"), [
        (NAZORG, "Uitvoerder", "Nazorg bij terugkeer in de gemeente", "GEMMA-proces", "Ondersteunen cliënten"),
        (VEILIG, "Leverende partij", "Handhaven openbare orde en lokaal veiligheidsbeleid", "GEMMA-proces",
         "Handhaven"),
        (VEILIG, "Leverende partij", "Opsporing", "GEMMA-proces", "Opsporen"),
    ], True),
    # Klantdoel in a chain that is not an Orkestratieketen
    "10-klantdoel-zonder-orkestratie": (("ketenNaam", "model", "doelNaam", "horizontaal", "reden"), [
        (NAZORG, DEF + "Estafetteketen", "Basisvoorwaarden op orde bij terugkeer", "true",
         "De Dienst Justitiële Inrichtingen (Rijk), de gemeente en de reclassering hebben elk een eigen "
         "wettelijke taak en geen van hen heeft gezag over de andere, dus geen partij kan de regie over het "
         "hele traject voeren."),
        (SCHULD, DEF + "Estafetteketen", "Inwoner weer financieel zelfredzaam", "false", None),
    ], True),
}

# data/upl/upl.ttl: 178 products typed keten:Ketenkandidaat, ranked by evidence of joint work (keten:rang);
# rank 1 is calamiteitenbestrijding alone, rank 2 gemeenschappelijke regelingen. The list leaves out what a
# chain realises: upl:omgevingsvergunning (data/ketens/vth.ttl), a candidate; upl:schuldhulpverlening
# (data/ketens/schuldhulpverlening.ttl) is no candidate. So 177 rows.
UPL_FIRST = ["calamiteitenbestrijding", "gemeenschappelijke regelingen"]


def _rows(client, slug: str) -> list[dict]:
    ex = EXAMPLES[slug]
    r = client.get("/sparql?query=" + quote(ex.query), headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.data
    return json.loads(r.data)["results"]["bindings"]


def test_every_example_has_an_expected_answer():
    assert set(EXAMPLES) == set(EXPECTED) | {"upl-ketenkandidaten"}


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_example_gives_the_answer_found_by_hand(client, slug):
    columns, expected, ordered = EXPECTED[slug]
    got = [tuple(row[c]["value"] if c in row else None for c in columns) for row in _rows(client, slug)]
    if ordered:
        assert got == expected
    else:
        assert sorted(got, key=repr) == sorted(expected, key=repr)
        assert len(got) == len(expected)


def test_upl_candidates_ranked_as_in_the_file(client):
    rows = _rows(client, "upl-ketenkandidaten")
    assert len(rows) == 177
    names = [r["naam"]["value"] for r in rows]
    assert names[:2] == UPL_FIRST and [r["rang"]["value"] for r in rows[:2]] == ["1", "2"]
    assert "omgevingsvergunning" not in names                    # realised by the VTH chain
    ranks = [int(r["rang"]["value"]) for r in rows]
    assert ranks == sorted(ranks)
