"""`ketengraaf load`, `stats` and `settings` as a person runs them."""
from __future__ import annotations

from click.testing import CliRunner

from ketengraaf.cli import main


def test_load_then_stats_then_unchanged_reload(tmp_path):
    src = tmp_path / "a.ttl"
    # terms of a reused vocabulary (ontology/hergebruik.ttl): the closed-vocabulary shape accepts them
    src.write_text('@prefix ex: <http://example.org/> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
                   'ex:a a skos:Concept ; skos:note "x" .\nex:b a skos:Concept .\n')
    store = str(tmp_path / "store")
    runner = CliRunner()
    first = runner.invoke(main, ["load", "--store", store, "--replace", str(src)])
    assert first.exit_code == 0, first.output
    assert "loaded 3 triples from 1 files" in first.output
    again = runner.invoke(main, ["load", "--store", store, "--replace", str(src)])
    assert again.exit_code == 0 and "unchanged" in again.output
    stats = runner.invoke(main, ["stats", "--store", store])
    assert stats.exit_code == 0, stats.output
    assert "2  http://www.w3.org/2004/02/skos/core#Concept" in stats.output and "3  total" in stats.output


def test_broken_input_exits_2_with_file_and_line(tmp_path):
    bad = tmp_path / "kapot.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:p ex:b ;\n')
    result = CliRunner().invoke(main, ["load", "--store", str(tmp_path / "s"), str(bad)])
    assert result.exit_code == 2
    assert "kapot.ttl:" in result.output


def test_stats_on_an_empty_store_exits_5(tmp_path):
    result = CliRunner().invoke(main, ["stats", "--store", str(tmp_path / "leeg")])
    assert result.exit_code == 5 and "ketengraaf load" in result.output


def test_settings_lists_every_setting_with_its_variable():
    result = CliRunner().invoke(main, ["settings"])
    assert result.exit_code == 0
    assert "query_timeout = 10.0" in result.output and "KETENGRAAF_QUERY_TIMEOUT" in result.output


def test_load_without_validation_records_no_report(tmp_path):
    from ketengraaf.store.oxigraph import current_generation
    src = tmp_path / "a.ttl"
    src.write_text('@prefix ex: <http://example.org/> .\nex:a ex:p "x" .\n')
    result = CliRunner().invoke(main, ["load", "--no-validate", "--store", str(tmp_path / "s"), "--replace", str(src)])
    assert result.exit_code == 0, result.output
    assert "validation:" not in result.output
    gen = current_generation(tmp_path / "s")
    assert "validation" not in gen.extra


def test_a_validated_load_after_an_unvalidated_one_of_the_same_files_validates(tmp_path):
    from ketengraaf.store.oxigraph import current_generation
    src = tmp_path / "a.ttl"
    src.write_text('@prefix ex: <http://example.org/> .\nex:a <http://www.w3.org/2004/02/skos/core#note> "x" .\n')
    store = str(tmp_path / "s")
    assert CliRunner().invoke(main, ["load", "--no-validate", "--store", store, "--replace", str(src)]).exit_code == 0
    again = CliRunner().invoke(main, ["load", "--store", store, "--replace", str(src)])
    assert again.exit_code == 0 and "unchanged" not in again.output, again.output
    assert "validation" in current_generation(tmp_path / "s").extra
