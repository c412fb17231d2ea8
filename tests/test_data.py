"""The hand-made chain data (data/ketens/): it parses, each chain has the structure of its model,
participations and wiki links have the right form, and the shipped catalogue has no violations."""
from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ketengraaf.sources import collect_sources, parse_file
from ketengraaf.namespaces import ID, KETEN, sparql_prefixes
from paths import ROOT
from conftest import SHARED, needs_shared

KETENS = ROOT / "data" / "ketens"
WIKI_BASE = {ID["wiki/gemma-online"]: "https://www.gemmaonline.nl/index.php/",
             ID["wiki/nora-online"]: "https://www.noraonline.nl/wiki/"}
GEMMA_MODEL = SHARED / "reference" / "gemma-archi" / "model"
ROL = str(ID) + "rol/"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture(scope="module")
def g() -> Graph:
    """Ontology, vocabularies and the chain data in one rdflib graph."""
    graph = Graph()
    for f in [*collect_sources([ROOT / "ontology"]), *collect_sources([KETENS])]:
        graph.parse(f, format="turtle")
    return graph


def ask(g: Graph, query: str, **bindings) -> bool:
    return bool(g.query(sparql_prefixes() + query, initBindings=bindings).askAnswer)


def select(g: Graph, query: str, **bindings) -> list:
    return list(g.query(sparql_prefixes() + query, initBindings=bindings))


def iri(path: str) -> URIRef:
    return ID[path]


# ---------------------------------------------------------------- parsing and form

def test_every_file_parses():
    files = collect_sources([KETENS])
    assert {f.name for f in files} >= {"gedeeld.ttl", "vergunning-met-extern-advies.ttl", "vth.ttl",
                                       "veiligheidsketen.ttl"}
    for f in files:
        assert parse_file(f).info.triples > 0


def test_readme_names_source_and_licence():
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert "EUPL" in text and "Procesarchitectuur_Impact_van_ketensamenwerking" in text
    for f in collect_sources([KETENS]):
        assert f"ketens/{f.name}" in text, f"data/README.md does not describe {f.name}"


def test_the_contracts_example_iris_exist(g):
    for path in ("keten/vth", "partner/gemeente", "deelname/vth-gemeente", "proces/vth-vergunningverlening",
                 "doel/vth-veilige-leefomgeving"):
        assert (iri(path), RDF.type, None) in g, path


def test_text_is_language_tagged_and_dates_are_dates(g):
    problems = []
    text_props = {SKOS.prefLabel, SKOS.altLabel, SKOS.definition, DCTERMS.description, DCTERMS.title,
                  KETEN.toelichting, KETEN.ontwikkelrichting, KETEN.redenHorizontaal}
    for s, p, o in g:
        if p in text_props and not (isinstance(o, Literal) and o.language):
            problems.append(f"{s} {p} {o!r}: no language tag")
        if p in (KETEN.begindatum, KETEN.einddatum, KETEN.laatstBewerkt) and \
                not (isinstance(o, Literal) and o.datatype in (XSD.date, XSD.dateTime) and o.value is not None):
            problems.append(f"{s} {p} {o!r}: not a valid xsd:date")
    assert not problems, "\n".join(problems)


def test_chains_partners_and_networks_are_labelled_and_described(g):
    rows = select(g, """SELECT DISTINCT ?x WHERE {
        ?x a ?c . VALUES ?c { keten:Orkestratieketen keten:Estafetteketen keten:Doelketen keten:Netwerk
                              keten:Ketenpartner keten:IndividueleDeelnemer keten:Dienstverleningsproces
                              keten:Deelproces keten:Beleidsdoel keten:Klantdoel } }""")
    assert len(rows) >= 40
    problems = []
    for (x,) in rows:
        langs = [lit.language for lit in g.objects(x, SKOS.prefLabel)]
        if sorted(langs) != ["en", "nl"]:
            problems.append(f"{x}: skos:prefLabel languages {langs} (want exactly one nl and one en)")
        if not any(g.objects(x, SKOS.definition)) and not any(g.objects(x, DCTERMS.description)):
            problems.append(f"{x}: no skos:definition or dcterms:description")
    assert not problems, "\n".join(problems)


def test_participations_have_their_parts_and_iri(g):
    rows = select(g, "SELECT ?d WHERE { ?d a keten:Deelname }")
    assert len(rows) >= 15
    for (d,) in rows:
        chain, partner = g.value(d, KETEN.keten), g.value(d, KETEN.partner)
        assert chain and partner and g.value(d, KETEN.rol), d
        assert (g.value(d, KETEN.rol), RDF.type, KETEN.Rol) in g, d
        start = g.value(d, KETEN.begindatum)     # only where recorded: no source gives the sourced chain's dates
        assert start is None or start.datatype == XSD.date, d
        expected = iri("deelname/" + str(chain).rsplit("/", 1)[1] + "-" + str(partner).rsplit("/", 1)[1])
        assert d == expected, f"participation {d} should be {expected}"


def test_references_to_our_own_resources_resolve(g):
    """Every id/... object (outside id/gemma/, which the GEMMA import provides) is described here."""
    dangling = sorted({f"{s} {p} {o}" for s, p, o in g
                       if isinstance(o, URIRef) and str(o).startswith(str(ID))
                       and not str(o).startswith(str(ID) + "gemma/") and (o, RDF.type, None) not in g})
    assert not dangling, "\n".join(dangling)


# ---------------------------------------------------------------- the orchestration model

def test_orchestration_has_one_lead_who_owns_the_main_process(g):
    chain = iri("keten/vergunning-met-extern-advies")
    assert (chain, RDF.type, KETEN.Orkestratieketen) in g
    leads = select(g, f"SELECT ?p WHERE {{ ?d keten:keten ?k ; keten:rol <{ROL}regisseur> ; keten:partner ?p }}",
                   k=chain)
    assert [r.p for r in leads] == [iri("partner/gemeente")]
    main = list(g.objects(chain, KETEN.hoofdproces))
    assert len(main) == 1 and (main[0], RDF.type, KETEN.Dienstverleningsproces) in g
    assert list(g.objects(main[0], KETEN.verantwoordelijke)) == [iri("partner/gemeente")]
    assert ask(g, "ASK { ?k keten:heeftDoel ?doel . ?doel a keten:GedeeldDoel }", k=chain)


def test_orchestration_sub_processes_run_on_behalf_of_the_lead(g):
    chain = iri("keten/vergunning-met-extern-advies")
    rows = select(g, """SELECT ?sub ?runner ?for WHERE {
        ?k keten:hoofdproces/keten:heeftDeelproces ?sub .
        ?sub a keten:Deelproces ; keten:uitvoerder ?runner ; keten:namens ?for }""", k=chain)
    runners = {r.runner for r in rows}
    # GEMMA's example: "waar advies van een externe partij gevraagd wordt" (one external party)
    assert runners == {iri("partner/adviseur-extern")}
    assert iri("partner/gemeente") not in runners
    assert {r["for"] for r in rows} == {iri("partner/gemeente")}
    # every sub-process runner takes part, and the lead directs exactly them
    directed = set(g.objects(iri("deelname/vergunning-met-extern-advies-gemeente"), KETEN.stuurt))
    assert directed == runners
    for runner in runners:
        assert ask(g, "ASK { ?d keten:keten ?k ; keten:partner ?p }", k=chain, p=runner)


# ---------------------------------------------------------------- the relay model

def test_vth_has_three_processes_each_with_one_participating_responsible(g):
    chain = iri("keten/vth")
    assert (chain, RDF.type, KETEN.Estafetteketen) in g
    processes = set(g.objects(chain, KETEN.heeftProces))
    assert {str(lit) for p in processes for lit in g.objects(p, SKOS.prefLabel) if lit.language == "nl"} == \
        {"Vergunningverlening", "Toezicht", "Handhaving"}
    for p in processes:
        assert (p, RDF.type, KETEN.Dienstverleningsproces) in g
        responsible = list(g.objects(p, KETEN.verantwoordelijke))
        assert len(responsible) == 1, p
        assert ask(g, "ASK { ?d keten:keten ?k ; keten:partner ?r }", k=chain, r=responsible[0]), p
    # a relay: supervision needs the permit, enforcement needs supervision's findings
    assert (iri("proces/vth-toezicht"), KETEN.afhankelijkVan, iri("proces/vth-vergunningverlening")) in g
    assert (iri("proces/vth-handhaving"), KETEN.afhankelijkVan, iri("proces/vth-toezicht")) in g
    assert ask(g, "ASK { ?k keten:heeftDoel ?doel . ?doel a keten:Beleidsdoel }", k=chain)


STEERS = """ASK { ?d keten:keten ?k .
    { ?d keten:stuurt ?x } UNION { ?d keten:rol/keten:rolsoort <https://w3id.org/ketengraaf/id/rolsoort/leidend> } }"""


@pytest.mark.parametrize("chain, steered", [("keten/vth", False), ("keten/veiligheidsketen", False),
                                            ("keten/nazorg-ex-gedetineerden", False),
                                            ("keten/vergunning-met-extern-advies", True)])
def test_nobody_steers_in_relay_and_goal_chains(g, chain, steered):
    assert ask(g, STEERS, k=iri(chain)) is steered


# ---------------------------------------------------------------- the goal chain

def test_safety_chain_partners_pursue_their_own_processes(g):
    chain = iri("keten/veiligheidsketen")
    assert (chain, RDF.type, KETEN.Doelketen) in g
    partners = {r.p for r in select(g, "SELECT ?p WHERE { ?d keten:keten ?k ; keten:partner ?p }", k=chain)}
    assert {iri(f"partner/{p}") for p in ("gemeente", "politie", "openbaar-ministerie", "veiligheidsregio",
                                          "reclassering")} <= partners
    owners = {r.p for r in select(g, "SELECT ?p WHERE { ?k keten:heeftProces/keten:verantwoordelijke ?p }",
                                  k=chain)}
    assert owners == partners, "each partner is responsible for its own process(es), and only partners are"
    assert ask(g, "ASK { ?k keten:heeftDoel ?doel . ?doel a keten:Beleidsdoel }", k=chain)
    assert not ask(g, "ASK { ?k keten:heeftDoel ?doel . ?doel a keten:Klantdoel }", k=chain)
    assert (chain, KETEN.sturingsbouwsteen, iri("sturingsbouwsteen/ketenbureau")) in g
    assert ask(g, f"ASK {{ ?d keten:keten ?k ; keten:rol <{ROL}ketenbureau> }}", k=chain)
    # the point of a goal chain is INDIRECT dependency: no process of it depends on another directly
    assert not ask(g, "ASK { ?k keten:heeftProces ?a , ?b . ?a keten:afhankelijkVan ?b }", k=chain)


def test_partners_have_a_government_layer(g):
    for (p,) in select(g, "SELECT ?p WHERE { ?p a keten:Ketenpartner }"):
        layers = list(g.objects(p, KETEN.bestuurslaag))   # none where no source says (the external party)
        assert len(layers) <= 1 and all((x, RDF.type, KETEN.Bestuurslaag) in g for x in layers), p
    assert g.value(iri("partner/politie"), KETEN.bestuurslaag) == iri("bestuurslaag/rijk")


# ---------------------------------------------------------------- horizontal collaboration and networks

def test_client_goal_without_orchestration_is_horizontal_with_a_reason_or_an_intended_warning(g):
    rows = select(g, """SELECT DISTINCT ?k WHERE { ?k keten:heeftDoel/a keten:Klantdoel .
                                                  FILTER NOT EXISTS { ?k a keten:Orkestratieketen } }""")
    horizontal = [k for (k,) in rows if (k, RDF.type, KETEN.HorizontaleSamenwerking) in g]
    intended = [k for (k,) in rows if (k, RDF.type, KETEN.HorizontaleSamenwerking) not in g]
    assert horizontal and intended, "the data should show both cases of a client goal outside orchestration"
    for k in horizontal:
        assert any(lit.language == "nl" for lit in g.objects(k, KETEN.redenHorizontaal)), k
    for (k,) in rows:
        notes = " ".join(str(n) for n in g.objects(k, KETEN.toelichting))
        assert notes, f"{k}: say why no warning (or which) is intended"
        if k in intended:
            assert "KlantdoelOrkestratie" in notes, f"{k}: the note must name the intended warning's shape"


def test_network_has_organisations_and_individuals_and_a_direction(g):
    net = iri("netwerk/wijknetwerk-zorg-en-welzijn")
    assert (net, RDF.type, KETEN.Netwerk) in g
    kinds = {c for m in g.objects(net, KETEN.heeftDeelnemer) for c in g.objects(m, RDF.type)}
    assert {KETEN.Ketenpartner, KETEN.IndividueleDeelnemer} <= kinds
    assert {lit.language for lit in g.objects(net, KETEN.ontwikkelrichting)} >= {"nl", "en"}


# ---------------------------------------------------------------- wiki links

def test_every_wiki_link_is_a_real_page_url(g):
    links = {(s, o) for s, o in g.subject_objects(KETEN.wikiPagina)}
    assert len(links) >= 8
    for s, page in links:
        assert (page, RDF.type, KETEN.WikiPagina) in g, page
        assert (s, RDFS.seeAlso, page) in g or (s, DCTERMS.source, page) in g, f"{s}: link {page} also as seeAlso"
    for (page,) in select(g, "SELECT ?p WHERE { ?p a keten:WikiPagina }"):
        wiki = g.value(page, KETEN.wiki)
        assert wiki in WIKI_BASE, page
        base = WIKI_BASE[wiki]
        assert str(page).startswith(base), f"{page} is not on {base}"
        title = str(g.value(page, DCTERMS.title))
        assert str(page) == base + title.replace(" ", "_"), f"{page}: URL is not the base + title {title!r}"
        assert not re.search(r"\s", str(page))


def test_gemma_page_status_and_date(g):
    page = URIRef("https://www.gemmaonline.nl/index.php/Procesarchitectuur_Impact_van_ketensamenwerking")
    assert g.value(page, KETEN.paginastatus) == iri("paginastatus/mogelijk-verouderd")
    assert g.value(page, KETEN.laatstBewerkt) == Literal("2023-10-06", datatype=XSD.date)
    nora = URIRef("https://www.noraonline.nl/wiki/Ketensturing/De_wereld_van_ketens")
    assert (page, SKOS.closeMatch, nora) in g and (nora, SKOS.closeMatch, page) in g


def test_gemma_element_links_use_object_ids(g):
    for s, _p, o in g:
        for term in (s, o):
            if isinstance(term, URIRef) and str(term).startswith(str(ID) + "gemma/"):
                assert re.fullmatch(UUID, str(term)[len(str(ID) + "gemma/"):]), term
            if isinstance(term, URIRef) and str(term).startswith("https://www.gemmaonline.nl/index.php/GEMMA/"):
                assert re.fullmatch(r"https://www\.gemmaonline\.nl/index\.php/GEMMA/id-" + UUID, str(term)), term


def test_gemma_references_have_the_class_the_property_expects(g):
    """Where the GEMMA import is present (data/gemma/), the GEMMA elements the chains point to
    have the class the property's range names (a GEMMA process for keten:landschapsproces, ...)."""
    gemma = collect_sources([ROOT / "data" / "gemma"]) if (ROOT / "data" / "gemma").is_dir() else []
    if not gemma:
        pytest.skip("no GEMMA import in data/gemma/ (ketengraaf import archimate writes it)")
    imported = Graph()
    for f in gemma:
        imported.parse(f, format="turtle")
    problems = []
    for prop in (KETEN.landschapsproces, KETEN.gebruiktBouwsteen, KETEN.gemmaRol):
        expected = g.value(prop, RDFS.range)
        for s, o in g.subject_objects(prop):
            if str(o).startswith(str(ID) + "gemma/") and (o, RDF.type, expected) not in imported:
                problems.append(f"{s} {prop} {o}: not a {expected} in data/gemma/")
    assert not problems, "\n".join(problems)


@needs_shared
def test_gemma_object_ids_exist_in_the_gemma_model(g):
    ids = {m for s, p, o in g for t in (s, o) if isinstance(t, URIRef)
           for m in re.findall(r"(?:id/gemma/|GEMMA/id-)(" + UUID + ")$", str(t))}
    assert len(ids) >= 10
    known = {m.group(0) for f in GEMMA_MODEL.rglob("*_id-*.xml") for m in [re.search(UUID, f.name)] if m}
    assert not ids - known, f"Object IDs not in the GEMMA model: {sorted(ids - known)}"


# ---------------------------------------------------------------- the shipped catalogue conforms

def test_shipped_catalogue_has_no_violations_and_explains_its_warnings(g):
    validation = pytest.importorskip("ketengraaf.validation")
    if not hasattr(validation, "validate_sources"):
        pytest.skip("ketengraaf.validation exposes no validate_sources yet")
    from ketengraaf.sources import parse_sources
    report = validation.validate_sources(parse_sources([ROOT / "ontology", ROOT / "shapes", ROOT / "data"]))
    assert report.violations == 0, validation.render(report, "text")
    for result in report.results:
        if str(result.severity).endswith("Warning"):
            assert any(g.objects(URIRef(str(result.focus)), KETEN.toelichting)), \
                f"warning on {result.focus} without keten:toelichting saying it is intended"
