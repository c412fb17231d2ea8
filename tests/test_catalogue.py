"""A catalogue is a folder: found, written by `ketengraaf new`, loaded in part or whole."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ketengraaf.catalogue import Catalogue, is_catalogue, locate
from ketengraaf.cli import main
from ketengraaf.errors import ConfigError
from ketengraaf.settings import Settings
from ketengraaf.store.oxigraph import current_generation
from paths import ROOT

CHAIN_GRAPH = "https://w3id.org/ketengraaf/graph/data/voorbeeldketen.ttl"


@pytest.fixture()
def new_catalogue(tmp_path) -> Path:
    folder = tmp_path / "mijn-catalogus"
    result = CliRunner().invoke(main, ["new", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_new_writes_a_catalogue_that_validates_from_inside_it(new_catalogue, monkeypatch):
    assert is_catalogue(new_catalogue)
    assert sorted(p.name for p in (new_catalogue / "shapes").iterdir()) == sorted(
        p.name for p in (ROOT / "shapes").iterdir())
    monkeypatch.chdir(new_catalogue)                     # `cd mijn-catalogus && ketengraaf validate`
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "voorbeeldketen" not in result.output          # no result at all for the example chain


def test_new_refuses_a_folder_that_is_not_empty(new_catalogue):
    result = CliRunner().invoke(main, ["new", str(new_catalogue)])
    assert result.exit_code == 3
    assert "not an empty folder" in result.output


def test_the_current_folder_is_the_catalogue_when_it_holds_one(new_catalogue, tmp_path, monkeypatch):
    monkeypatch.chdir(new_catalogue)
    assert locate().root == new_catalogue.resolve()
    settings = Settings.from_env({}, environ={})
    assert settings.store_dir == new_catalogue.resolve() / "var" / "store"
    assert settings.sources == [new_catalogue.resolve() / n for n in ("ontology", "shapes", "data")]
    monkeypatch.chdir(tmp_path)                           # not a catalogue: the shipped one (the checkout here)
    assert locate().root == ROOT


def test_a_named_folder_that_is_no_catalogue_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="missing ontology/, shapes/, data/"):
        locate(tmp_path)
    result = CliRunner().invoke(main, ["validate", "--catalogue", str(tmp_path)])
    assert result.exit_code == 3 and "ketengraaf new" in result.output


def test_settings_file_in_the_catalogue_is_read_and_loses_to_the_environment(new_catalogue):
    (new_catalogue / "ketengraaf.toml").write_text('port = 8123\nstore_dir = "elders"\n', encoding="utf-8")
    settings = Settings.from_env({"catalogue": str(new_catalogue)}, environ={})
    assert settings.port == 8123 and settings.store_dir == new_catalogue.resolve() / "elders"
    env = Settings.from_env({"catalogue": str(new_catalogue)}, environ={"KETENGRAAF_PORT": "9000"})
    assert env.port == 9000
    (new_catalogue / "ketengraaf.toml").write_text('poort = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="poort"):
        Settings.from_env({"catalogue": str(new_catalogue)}, environ={})


def _graphs(store: Path) -> dict[str, int]:
    """The source graphs of the current generation (not the graphs the load derives)."""
    gen = current_generation(store)
    return {s.graph: s.triples for s in gen.sources if not s.derived}


def test_load_path_adds_to_the_catalogue_and_keeps_the_rest(new_catalogue, tmp_path):
    runner = CliRunner()
    cat = ["--catalogue", str(new_catalogue)]
    assert runner.invoke(main, ["load", *cat]).exit_code == 0
    store = new_catalogue / "var" / "store"
    whole = _graphs(store)
    assert CHAIN_GRAPH in whole and len(whole) > 3

    extra = tmp_path / "extra.ttl"
    extra.write_text('<http://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "a"@nl .\n',
                     encoding="utf-8")
    added = runner.invoke(main, ["load", *cat, str(extra)])
    assert added.exit_code == 0, added.output
    after = _graphs(store)
    assert after == {**whole, extra.resolve().as_uri(): 1}          # the rest kept, as it was

    # a catalogue file given again replaces its own graph, and only that one
    chain = new_catalogue / "data" / "voorbeeldketen.ttl"
    chain.write_text(chain.read_text(encoding="utf-8").replace(
        '"Voorbeeldketen"@nl', '"Voorbeeldketen (gewijzigd)"@nl'), encoding="utf-8")
    replaced = runner.invoke(main, ["load", *cat, str(chain)])
    assert replaced.exit_code == 0, replaced.output
    assert _graphs(store) == after
    from ketengraaf.store.oxigraph import OxigraphStore
    labels = {r["l"].value for r in OxigraphStore(store).select(
        'SELECT ?l WHERE { <https://w3id.org/ketengraaf/id/keten/voorbeeldketen> '
        '<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }')}
    assert labels == {"Voorbeeldketen (gewijzigd)", "Example chain"}

    # --replace: a catalogue of only the given paths
    only = runner.invoke(main, ["load", *cat, "--replace", "--no-validate", str(extra)])
    assert only.exit_code == 0, only.output
    assert _graphs(store) == {extra.resolve().as_uri(): 1}

    # and a plain `load` rebuilds the catalogue from its folder
    assert runner.invoke(main, ["load", *cat]).exit_code == 0
    rebuilt = _graphs(store)
    assert set(rebuilt) == set(whole)


def test_load_help_says_what_paths_and_replace_do():
    text = CliRunner().invoke(main, ["load", "--help"]).output
    assert "keep every other source" in text and "--replace" in text


def test_replace_without_paths_is_a_usage_error(new_catalogue):
    result = CliRunner().invoke(main, ["load", "--catalogue", str(new_catalogue), "--replace"])
    assert result.exit_code == 2 and "--replace needs" in result.output


def test_shipped_catalogue_keeps_its_store_outside_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    shipped = Catalogue(tmp_path / "pkg", shipped=True)
    assert shipped.var_dir.is_relative_to(tmp_path / "state" / "ketengraaf")
    assert Catalogue(tmp_path).var_dir == tmp_path / "var"


# -- a gated load, one load at a time, a busy port ---------------------------------------------------

BROKEN = ('@prefix keten: <https://w3id.org/ketengraaf/def#> .\n'
          '@prefix id: <https://w3id.org/ketengraaf/id/> .\n'
          '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
          'id:keten\\/kapot a keten:Orkestratieketen ; skos:prefLabel "Kapot"@nl .\n')


def test_load_with_violations_is_refused_and_the_old_generation_stays(new_catalogue, tmp_path):
    cat = ["--catalogue", str(new_catalogue)]
    runner = CliRunner()
    assert runner.invoke(main, ["load", *cat]).exit_code == 0
    store = new_catalogue / "var" / "store"
    before = current_generation(store)
    bad = tmp_path / "kapot.ttl"
    bad.write_text(BROKEN, encoding="utf-8")
    refused = runner.invoke(main, ["load", *cat, str(bad)])
    assert refused.exit_code == 1, refused.output
    assert "load refused" in refused.output and f"generation {before.id} is still served" in refused.output
    assert "kapot" in refused.output                                  # the report names the focus node
    assert current_generation(store).id == before.id
    assert not list((store / "generations").glob("*.tmp"))

    allowed = runner.invoke(main, ["load", *cat, "--allow-violations", str(bad)])
    assert allowed.exit_code == 0, allowed.output
    gen = current_generation(store)
    assert gen.id != before.id and gen.extra["validation"]["allowed_violations"] is True
    assert gen.extra["validation"]["violations"] > 0


def test_a_second_load_while_one_runs_is_refused_with_exit_5(new_catalogue):
    from ketengraaf.store.oxigraph import writer_lock
    store = new_catalogue / "var" / "store"
    with writer_lock(store):
        result = CliRunner().invoke(main, ["load", "--catalogue", str(new_catalogue)])
    assert result.exit_code == 5
    assert "another load is writing the store" in result.output and "pid " in result.output


def test_leftovers_of_a_killed_load_go_at_the_next_load(new_catalogue):
    store = new_catalogue / "var" / "store"
    debris = store / "generations" / "20260101T000000000000Z-dead.tmp"
    debris.mkdir(parents=True)
    (debris / "half").write_bytes(b"x" * 1000)
    assert CliRunner().invoke(main, ["load", "--catalogue", str(new_catalogue)]).exit_code == 0
    assert not debris.exists()


def test_serve_on_a_busy_port_exits_3_with_one_line_naming_the_port(new_catalogue):
    import socket
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--catalogue", str(new_catalogue), "--port", str(port)])
    assert result.exit_code == 3
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and f"port {port}" in lines[0], result.output
