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

# Expected ranks of the fixture's candidates, worked out by hand from the CSV
# (key: layers, audiences, medebewind; ties share a rank).
FIXTURE_RANKS = {
    "bezwaar": 1, "evenementenvergunning": 1, "omgevingsvergunning": 1,   # 4 layers, 2 audiences, medebewind
    "bekendmaking": 4, "financi\u00eble_hulp": 4,                            # 4, 2, no medebewind
    "burgerinitiatief": 6,                                                  # 4 layers, burger only
    "aanschrijving": 7,                                                     # 3 layers
    "verklaring_omtrent_gedrag_(vog)": 8,                                   # 2 layers, 2 audiences
    "AangifteVertrekBuitenland": 9,                                         # 2, 1, medebewind
    "stemrecht": 10,                                                        # 2, 1, none
    "calamiteitenbestrijding": 11,                                          # 2, 0, medebewind
    "gemeenschappelijke_regelingen": 12,                                    # 2, 0, none
}


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
    def prod(name, layers, aud=("burger",), ken=()):
        return U.Product(T + name, name, layers, aud, ken, [], [1])
    ps = [prod("a", ("rijk", "gemeente")), prod("b", ("rijk", "gemeente", "provincie")),
          prod("c", ("rijk", "gemeente")), prod("d", ("rijk", "gemeente"), ken=("medebewind",)),
          prod("e", ("gemeente",)), prod("f", ("rijk", "gemeente"), aud=("burger", "bedrijf"))]
    ranks = {i[len(T):]: r for i, r in U.rank_candidates(ps).items()}
    assert ranks == {"b": 1, "f": 2, "d": 3, "a": 4, "c": 4}


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
    assert [int(r.value) for r in rang] == [1]
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
    assert int(first["aantalLagen"].value) == 4 and first["medebewind"].value == "true"


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
    assert [l["iri"] for l in bez["bestuurslagen"]] == [LAAG + s for s in ("rijk", "provincie", "waterschap", "gemeente")]
    assert bez["medebewind"] is True


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
