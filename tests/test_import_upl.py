"""UPL importer: the fixture extract, the ranking, bad input, the CLI, the page and the query.

The fixture is a real 34-row extract of the UPL (see tests/fixtures/upl/README.md);
the full-file tests run when ../shared/reference/upl/ is present.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from ketengraaf.cli import main
from ketengraaf.errors import InputError, ParseError
from ketengraaf.importers import upl as U
from paths import ROOT

from conftest import SHARED, make_app_client, needs_shared

FIXTURE = ROOT / "tests" / "fixtures" / "upl" / "UPL-extract.csv"
FULL = SHARED / "reference" / "upl" / "UPL-actueel.csv"
SHIPPED = ROOT / "data" / "upl" / "upl.ttl"
QUERY = ROOT / "app" / "ketengraaf" / "queries" / "upl-ketenkandidaten.rq"
T = "http://standaarden.overheid.nl/owms/terms/"
LAAG = "https://w3id.org/ketengraaf/id/bestuurslaag/"
PS = "http://purl.org/vocab/cpsv#PublicService"
KANDIDAAT = "https://w3id.org/ketengraaf/def#Ketenkandidaat"
PREFLABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"

# Expected ranks of the fixture's candidates, worked out by hand from the CSV's columns and legal
# bases with the rules in data/upl/README.md (score = sum of the reasons' weights; then the weight of
# the evidence for, the number of sector laws, the number of layers; ties share a rank).
FIXTURE_RANKS = {
    "calamiteitenbestrijding": 1,          # medebewind +1, Wet veiligheidsregio's +3, sector +2, no audience +2
    "gemeenschappelijke_regelingen": 2,    # Wet gemeenschappelijke regelingen +3, +2, no audience +2, autonomy -1 = 6
    "omgevingsvergunning": 3,              # medebewind with the Rijk +3, Omgevingswet +2 = 5; 4 layers
    "AangifteVertrekBuitenland": 4,        # +3 (Wet BRP) +2 = 5; 2 layers
    "verklaring_omtrent_gedrag_(vog)": 4,  # +3 (Wjsg) +2 = 5; 2 layers: the same evidence, the same rank
    "stemrecht": 6,                        # Kieswet +2
    "evenementenvergunning": 7,            # +3, the model APV is the municipality's own bye-law -2 = 1
    "burgerinitiatief": 8,                 # +3, a bye-law per layer -3 = 0 (Grondwet alone would be general)
    "bezwaar": 9,                          # +3, Awb only -4 = -1; evidence for 3
    "financi\u00eble_hulp": 10,            # no legal basis -1; evidence for 0
    "aanschrijving": 11,                   # medebewind without the Rijk +1, each layer's own law -3 = -2
    "bekendmaking": 12,                    # Awb only -4
}
LABELS = ROOT / "tests" / "fixtures" / "upl" / "ketenkandidaten-labels.csv"


@pytest.fixture(scope="module")
def data():
    return U.read_upl(FIXTURE)


@pytest.fixture(scope="module")
def turtle(tmp_path_factory, data):
    out = tmp_path_factory.mktemp("upl") / "upl.ttl"
    U.import_upl(FIXTURE, out)
    return out


def triples(path: Path) -> list:
    return list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


def write_csv(tmp_path: Path, text: str | bytes, name: str = "upl.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return p


def fixture_lines() -> list[str]:
    return FIXTURE.read_text(encoding="utf-8").splitlines()


# -- reading the fixture ---------------------------------------------------------
def test_fixture_counts_and_iris(data):
    assert data.rows == 34
    assert len(data.products) == 18
    iris = [p.iri for p in data.products]
    assert len(set(iris)) == len(iris)
    assert all(i.startswith(T) for i in iris)                      # the official UPL IRIs are kept
    assert T + "financi\u00eble_hulp" in iris
    by = {p.iri[len(T):]: p for p in data.products}
    assert by["aanschrijving"].layers == ("provincie", "waterschap", "gemeente")
    assert by["aanschrijving"].lines == [5, 6, 7]                   # three rows, one per legal basis
    assert len(by["aanschrijving"].grondslagen) == 3
    assert by["digid"].layers == ()
    assert by["bezwaar"].layers == ("rijk", "provincie", "waterschap", "gemeente")
    assert by["paardachtIdentRegistr"].audiences == ("bedrijf",)
    assert "medebewind" in by["bezwaar"].kenmerken
    # the same legal basis with two labels in the file: first is the label, second an alternative
    web = data.grondslagen[T + "WEB_art_4_2_4"]
    assert len(web.labels) == 2 and web.links


def test_candidates_are_the_multi_layer_products(data):
    multi = {p.iri for p in data.products if len(p.layers) > 1}
    assert set(data.ranks) == multi - {T + "UPL-naam_nog_niet_beschikbaar"}   # the placeholder row is no product
    assert {iri[len(T):]: r for iri, r in data.ranks.items()} == FIXTURE_RANKS
    listed = [p.iri for p in data.candidates]
    assert [data.ranks[i] for i in listed] == sorted(data.ranks[i] for i in listed)


def test_ranking_shares_ranks_on_equal_keys():
    def prod(name, reasons, sector=0, layers=("rijk", "gemeente")):
        p = U.Product(T + name, name, layers, ("burger",), (), [], [1])
        p.reasons, p.sector_bases = reasons, sector
        return p
    ps = [prod("a", ("medebewind-met-rijk", "gedeelde-grondslag"), 1),          # 5, for 5
          prod("b", ("samenwerkingswet", "gedeelde-grondslag", "autonomie"), 1),  # 4, for 5
          prod("c", ("medebewind-met-rijk", "gedeelde-grondslag"), 1),          # same as a
          prod("d", ("medebewind-met-rijk", "gedeelde-grondslag"), 2),          # 5, two sector laws
          prod("e", ("medebewind-met-rijk", "gedeelde-grondslag"), 1, ("gemeente",)),   # one layer: none
          prod("f", ("medebewind-met-rijk", "gedeelde-grondslag"), 1, ("rijk", "provincie", "gemeente")),
          prod("g", ("algemene-wet",))]
    ranks = {i[len(T):]: r for i, r in U.rank_candidates(ps).items()}
    assert ranks == {"d": 1, "f": 2, "a": 3, "c": 3, "b": 5, "g": 6}
    assert ps[0].score == 5 and ps[-1].score == -4


def test_reasons_read_from_the_columns_and_legal_bases(data):
    by = {p.iri[len(T):]: p for p in data.products}
    assert by["calamiteitenbestrijding"].reasons == (
        "medebewind", "samenwerkingswet", "gedeelde-grondslag", "tussen-overheden")
    assert by["bezwaar"].reasons == ("medebewind-met-rijk", "algemene-wet")
    assert by["aanschrijving"].reasons == ("medebewind", "eigen-grondslag-per-laag")
    assert U.law_kind("Artikel 2:25 Model Algemene plaatselijke verordening") == "own:gemeente"
    assert U.law_kind("Artikel 3.2 modelkeur 2013") == "own:waterschap"
    assert U.law_kind("Artikel 162 Burgerlijk Wetboek Boek 6") == "general"
    assert U.law_kind("Artikel 7 Burgerlijk Wetboek Boek 1") == "sector"     # names and civil status
    assert U.law_kind("Artikel 2 Wet veiligheidsregio’s") == "sector"


def test_minted_iri_when_the_uri_column_is_empty(tmp_path):
    lines = fixture_lines()
    row = next(l for l in lines if l.startswith("aanleunwoning,"))
    p = write_csv(tmp_path, "\n".join([lines[0], row.replace(T + "aanleunwoning", "")]) + "\n")
    got = U.read_upl(p)
    assert [x.iri for x in got.products] == ["https://w3id.org/ketengraaf/id/upl/aanleunwoning"]


# -- the RDF ---------------------------------------------------------------------
def test_rdf_of_the_fixture(turtle, data):
    ts = triples(turtle)
    services = {t.subject.value for t in ts if t.predicate.value.endswith("#type") and t.object.value == PS}
    assert services == {p.iri for p in data.products}
    kand = {t.subject.value for t in ts if t.object == ox.NamedNode(KANDIDAAT)}
    assert kand == set(data.ranks)
    # every subject with a prefLabel has exactly one in nl
    nl: dict[str, int] = {}
    for t in ts:
        if t.predicate.value == PREFLABEL and t.object.language == "nl":
            nl[t.subject.value] = nl.get(t.subject.value, 0) + 1
    assert services <= set(nl) and set(nl.values()) == {1}
    layers = {t.object.value for t in ts if t.subject.value == T + "aanschrijving"
              and t.predicate.value.endswith("def#bestuurslaag")}
    assert layers == {LAAG + "provincie", LAAG + "waterschap", LAAG + "gemeente"}
    rang = [t.object for t in ts if t.subject.value == T + "bezwaar" and t.predicate.value.endswith("#rang")]
    assert [int(r.value) for r in rang] == [9]
    score = [t.object for t in ts if t.subject.value == T + "bezwaar" and t.predicate.value.endswith("#score")]
    assert [int(r.value) for r in score] == [-1]
    reden = {t.object.value.rsplit("/", 1)[-1] for t in ts
             if t.subject.value == T + "bezwaar" and t.predicate.value.endswith("#reden")}
    assert reden == {"medebewind-met-rijk", "algemene-wet"}
    gewicht = {t.subject.value.rsplit("/", 1)[-1]: int(t.object.value) for t in ts
               if t.predicate.value.endswith("#gewicht")}
    assert gewicht == {k: v[0] for k, v in U.REASONS.items()}
    legal = {t.object.value for t in ts if t.subject.value == T + "stemrecht"
             and t.predicate.value == "http://data.europa.eu/m8g/hasLegalResource"}
    assert len(legal) == 5


def test_output_has_header_and_is_deterministic(tmp_path, turtle):
    again = tmp_path / "again.ttl"
    U.import_upl(FIXTURE, again)
    assert again.read_bytes() == turtle.read_bytes()
    head = turtle.read_text(encoding="utf-8").split("\n\n", 1)[0]
    for needed in ("Source:", U.SOURCE_COMMIT, "Licence:", "Regenerate: ketengraaf import upl"):
        assert needed in head


# -- bad input -------------------------------------------------------------------
def _bad(tmp_path, content, *expected):
    p = write_csv(tmp_path, content)
    out = tmp_path / "out.ttl"
    out.write_text("# previous content\n")
    res = CliRunner().invoke(main, ["import", "upl", str(p), "--out", str(out)])
    assert res.exit_code == 2, res.output
    for e in expected:
        assert e in res.output, res.output
    assert out.read_text() == "# previous content\n"                # nothing half-written
    assert sorted(f.name for f in tmp_path.iterdir()) == ["out.ttl", p.name]   # no temp file left
    return res.output


def test_missing_columns(tmp_path):
    lines = fixture_lines()
    header = lines[0].replace("Waterschap,", "").replace(",Grondslaglink", "")
    _bad(tmp_path, header + "\n", "upl.csv:1:", "missing column(s) Waterschap, Grondslaglink")


def test_not_utf8(tmp_path):
    lines = fixture_lines()
    body = "\n".join(lines[:4]).encode("utf-8") + b"\nfinanci\xeble hulp,x,,,,,,,,,,,,,,,,,\n"
    _bad(tmp_path, body, "upl.csv:5:8:", "not UTF-8 (byte 0xeb)")


@pytest.mark.parametrize("mutate, expected", [
    (lambda row: row + ",extra", "20 fields, the header has 19"),
    (lambda row: row.replace(",X,", ",ja,", 1), "expected 'X' or empty, found 'ja'"),
    (lambda row: row.replace("http://standaarden", "standaarden", 1), "column URI: not an absolute IRI"),
    (lambda row: "," + row.split(",", 1)[1], "column UniformeProductnaam is empty"),
    (lambda row: row.replace("aanleunwoning,", '"aanleunwoning,', 1), "malformed CSV"),
])
def test_malformed_row(tmp_path, mutate, expected):
    lines = fixture_lines()
    i = next(n for n, l in enumerate(lines) if l.startswith("aanleunwoning,"))
    lines[i] = mutate(lines[i])
    _bad(tmp_path, "\n".join(lines) + "\n", f"upl.csv:{i + 1}:", expected)


def test_conflicting_rows_of_one_product(tmp_path):
    lines = fixture_lines()
    i = next(n for n, l in enumerate(lines) if l.startswith("aanschrijving,"))
    lines[i + 1] = lines[i + 1].replace(",,X,X,X,", ",X,X,X,X,", 1)
    out = _bad(tmp_path, "\n".join(lines) + "\n", f"upl.csv:{i + 2}:", f"line {i + 1}", "layers")
    assert "aanschrijving" in out


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        U.read_upl(tmp_path / "nope.csv")
    with pytest.raises(ParseError, match="empty file"):
        U.read_upl(write_csv(tmp_path, ""))
    with pytest.raises(ParseError, match="no product rows"):
        U.read_upl(write_csv(tmp_path, fixture_lines()[0] + "\n"))


# -- CLI -------------------------------------------------------------------------
def test_cli_import(tmp_path):
    out = tmp_path / "sub" / "upl.ttl"
    res = CliRunner().invoke(main, ["import", "upl", str(FIXTURE), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "18 products" in res.output and "12 candidate chains" in res.output
    assert len(triples(out)) > 100
    again = CliRunner().invoke(main, ["import", "upl", str(FIXTURE), "--out", str(out)])
    assert again.exit_code == 0 and f"unchanged: {out}" in again.output


def test_cli_import_into_the_store(tmp_path):
    from ketengraaf.store.oxigraph import OxigraphStore
    env = {"KETENGRAAF_STORE_DIR": str(tmp_path / "store"), "KETENGRAAF_IMPORT_DIR": str(tmp_path / "imports"),
           "KETENGRAAF_SOURCES": str(ROOT / "ontology")}
    res = CliRunner().invoke(main, ["import", "upl", str(FIXTURE)], env=env)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "imports" / "upl" / "upl.ttl").is_file() and "store: generation" in res.output
    rows = OxigraphStore(tmp_path / "store").select(
        "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/ketengraaf/def#Ketenkandidaat> }")
    assert int(rows[0]["n"].value) == 12


# -- query and page --------------------------------------------------------------
def test_query_returns_the_candidates_in_rank_order(turtle, data):
    st = ox.Store()
    st.load(path=str(turtle), format=ox.RdfFormat.TURTLE)
    from ketengraaf.sparql.examples import parse_example
    example = parse_example(QUERY)
    assert example.title["nl"] and example.title["en"]
    rows = list(st.query(example.query))
    assert [r["product"].value for r in rows] == [p.iri for p in data.candidates]
    assert [int(r["rang"].value) for r in rows] == [data.ranks[p.iri] for p in data.candidates]
    first = rows[0]
    assert first["naam"].value == "calamiteitenbestrijding" and int(first["score"].value) == 8
    assert int(first["aantalLagen"].value) == 2 and first["medebewind"].value == "true"
    assert sorted(first["redenen"].value.split()) == sorted(
        f"https://w3id.org/ketengraaf/id/kandidaatreden/{r}={U.REASONS[r][0]}"
        for r in ("medebewind", "samenwerkingswet", "gedeelde-grondslag", "tussen-overheden"))


def test_query_leaves_out_realised_products(turtle):
    st = ox.Store()
    st.load(path=str(turtle), format=ox.RdfFormat.TURTLE)
    st.add(ox.Quad(ox.NamedNode("https://w3id.org/ketengraaf/id/proces/x"),
                   ox.NamedNode("https://w3id.org/ketengraaf/def#realiseert"), ox.NamedNode(T + "omgevingsvergunning")))
    from ketengraaf.sparql.examples import parse_example
    names = [r["naam"].value for r in st.query(parse_example(QUERY).query)]
    assert "omgevingsvergunning" not in names and len(names) == 11


@pytest.fixture(scope="module")
def upl_client(tmp_path_factory, turtle):
    sources = [str(turtle)]
    begrippen = ROOT / "ontology" / "begrippen.ttl"
    if begrippen.exists():
        sources.append(str(begrippen))
    return make_app_client(tmp_path_factory.mktemp("uplstore"), sources=sources)


def test_page_lists_ranked_candidates(upl_client, data):
    r = upl_client.get("/upl/ketenkandidaten?lang=nl", headers={"Accept": "text/html"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Zo is gerangschikt" in html and "medebewind" in html.lower()
    assert "werk tussen overheden" in html and "alleen algemene wetgeving" in html      # reasons shown
    assert 'data-label="Redenen (score)"' in html and "= 8</span>" in html
    names = [p.name for p in data.candidates]
    positions = [html.index(f">{n}</a>") for n in names]
    assert positions == sorted(positions)
    assert 'href="/resource?iri=' + quote(T + "bezwaar", safe="") + '"' in html   # the product's page
    en = upl_client.get("/upl/ketenkandidaten?lang=en").get_data(as_text=True)
    assert "How the list is ranked" in en
    home = upl_client.get("/?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<a href="/upl/ketenkandidaten">Candidate chains</a>' in home      # reachable from the home page


def test_json_variants_agree(upl_client, data):
    a = upl_client.get("/upl/ketenkandidaten?format=json").get_json()
    b = upl_client.get("/api/upl/ketenkandidaten").get_json()
    assert a == b
    assert a["count"] == 12
    assert [(c["iri"], c["rang"]) for c in a["candidates"]] == [(p.iri, data.ranks[p.iri]) for p in data.candidates]
    bez = next(c for c in a["candidates"] if c["naam"] == "bezwaar")
    layers = [LAAG + s for s in ("rijk", "provincie", "waterschap", "gemeente")]
    assert [l["iri"] for l in bez["bestuurslagen"]] == layers
    assert bez["medebewind"] is True
    assert bez["score"] == -1 and bez["rang"] == 9
    assert [(r["iri"].rsplit("/", 1)[-1], r["gewicht"]) for r in bez["redenen"]] == [
        ("medebewind-met-rijk", 3), ("algemene-wet", -4)]
    assert bez["redenen"][0]["label"] and a["redenen"][0]["gewicht"] == 3


def test_layer_filter_and_bad_parameters(upl_client):
    got = upl_client.get("/api/upl/ketenkandidaten?laag=waterschap&laag=rijk").get_json()
    assert got["count"] > 0
    assert all({LAAG + "waterschap", LAAG + "rijk"} <= {l["iri"] for l in c["bestuurslagen"]}
               for c in got["candidates"])
    assert got["count"] < 12
    bad = upl_client.get("/api/upl/ketenkandidaten?laag=gemeentes")
    assert bad.status_code == 400 and "laag" in bad.get_json()["message"]
    assert upl_client.get("/upl/ketenkandidaten?format=xml").status_code == 400


# -- the full list -----------------------------------------------------------------
@needs_shared
def test_full_file_every_product_once(tmp_path):
    import csv
    got = U.read_upl(FULL)
    with FULL.open(encoding="utf-8", newline="") as fh:
        uris = [r["URI"] for r in csv.DictReader(fh)]
    assert got.rows == 1321 == len(uris)
    assert len(got.products) == 1214 == len(set(uris))
    assert sorted(p.iri for p in got.products) == sorted(set(uris))
    assert len(got.ranks) == sum(1 for p in got.products if len(p.layers) > 1) - 1   # minus the placeholder
    out = tmp_path / "upl.ttl"
    out.write_bytes(U.serialize(got))
    ts = triples(out)
    services = [t.subject.value for t in ts if t.object == ox.NamedNode(PS)]
    assert len(services) == len(set(services)) == 1214


@needs_shared
def test_shipped_file_is_what_the_command_produces():
    assert SHIPPED.exists(), f"{SHIPPED} missing: run {U.REGENERATE}"
    assert SHIPPED.read_bytes() == U.serialize(U.read_upl(FULL)), f"{SHIPPED} is stale: run {U.REGENERATE}"


# -- does the rank mean something? a hand-labelled sample -------------------------------------
def precision_at(ranked: list[tuple[int, bool]], k: int) -> float:
    """Precision at k over (rank, is joint work) in list order, tie-aware: a group of equal rank
    that straddles position k counts with its share of joint work, so the alphabet inside a tie
    does not decide the figure."""
    hits, taken = 0.0, 0
    groups: dict[int, list[bool]] = {}
    for rank, joint in ranked:
        groups.setdefault(rank, []).append(joint)
    for rank in sorted(groups):
        g = groups[rank]
        take = min(len(g), k - taken)
        hits += sum(g) * take / len(g)
        taken += take
        if taken == k:
            break
    return hits / k


@needs_shared
def test_precision_on_hand_labelled_sample(capsys):
    import csv
    with LABELS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 30 and {r["label"] for r in rows} == {"joint work", "not joint work"}
    assert all(r["reason"].strip() for r in rows)
    labels = {r["product"]: r["label"] == "joint work" for r in rows}
    got = U.read_upl(FULL)
    ranked = [(got.ranks[p.iri], labels[p.name]) for p in got.candidates if p.name in labels]
    assert len(ranked) == len(labels), "every labelled product is a candidate"
    base = sum(labels.values()) / len(labels)
    p10, p20 = precision_at(ranked, 10), precision_at(ranked, 20)
    with capsys.disabled():
        print(f"\nUPL candidates, {len(labels)} hand-labelled ({sum(labels.values())} joint work): "
              f"precision@10 = {p10:.2f}, precision@20 = {p20:.2f} (base rate {base:.2f})")
    assert p10 >= 0.8 and p20 >= 0.75
