"""`ketengraaf validate`: exit codes, formats, languages, --strict, broken input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal
from rdflib.namespace import SH

from ketengraaf.cli import main
from paths import ROOT

FIX = Path(__file__).parent / "fixtures" / "shapes"
VALID = FIX / "KetenHeeftDoel" / "valid-orkestratie.ttl"
WARNING = FIX / "KlantdoelOrkestratie" / "invalid-estafette-met-klantdoel.ttl"
VIOLATION = FIX / "KetenHeeftDoel" / "invalid-geen-doel.ttl"


def run(*args):
    return CliRunner().invoke(main, ["validate", *map(str, args)], env={"KETENGRAAF_DEFAULT_LANG": "nl"})


def test_shipped_catalogue_passes_with_its_one_intended_warning():
    result = run()
    assert result.exit_code == 0, result.output
    assert "0 overtredingen, 1 waarschuwing, 0 meldingen" in result.output
    assert result.output.rstrip().endswith(
        "De gegevens voldoen niet volledig aan de vormregels: geen overtredingen, wel 1 waarschuwing.")
    assert "De gegevens voldoen aan de vormregels." not in result.output


def test_valid_file_exits_0():
    result = run(VALID)
    assert result.exit_code == 0, result.output
    assert "0 overtredingen, 0 waarschuwingen, 0 meldingen" in result.output
    assert result.output.rstrip().endswith("De gegevens voldoen aan de vormregels.")


def test_violation_exits_1_and_names_shape_focus_and_file():
    result = run(VIOLATION)
    assert result.exit_code == 1, result.output
    out = result.output
    assert "<https://w3id.org/ketengraaf/id/keten/omgevingsvergunning-brandveiligheid>" in out
    assert '"Omgevingsvergunning met brandveiligheidsadvies"' in out
    assert "[overtreding] KetenHeeftDoel: De keten heeft geen gedeeld doel (keten:heeftDoel)." in out
    assert "pad: keten:heeftDoel" in out
    assert "tests/fixtures/shapes/KetenHeeftDoel/invalid-geen-doel.ttl" in out
    assert "the data does not conform: 1 violation(s), 0 warning(s)" in out


def test_english_messages():
    result = run(VIOLATION, "--lang", "en")
    assert result.exit_code == 1
    assert "[violation] KetenHeeftDoel: The chain has no shared goal (keten:heeftDoel)." in result.output
    assert '"Environmental permit with fire-safety advice"' in result.output
    assert "1 violation, 0 warnings, 0 infos" in result.output


def _split(*args):
    result = CliRunner().invoke(main, ["validate", *map(str, args)],
                                                env={"KETENGRAAF_DEFAULT_LANG": "en"})
    return result.exit_code, result.stdout, result.stderr


def test_warnings_pass_unless_strict_and_strict_changes_only_the_exit_code():
    code, out, err = _split(WARNING)
    assert code == 0, out + err
    assert "[warning] KlantdoelOrkestratie" in out
    assert out.rstrip().endswith("The data does not fully conform to the shapes: no violations, but 1 warning.")
    assert "The data conforms" not in out and err == ""
    strict_code, strict_out, strict_err = _split(WARNING, "--strict")
    assert strict_code == 1
    assert _without_timing(strict_out) == _without_timing(out)       # the report is the same
    assert "does not conform: 0 violation(s), 1 warning(s) (--strict: warnings fail)" in strict_err
    assert run(VALID, "--strict").exit_code == 0


def _without_timing(text: str) -> str:
    import re
    return re.sub(r"; took [0-9.]+ s", "", text)


@pytest.mark.parametrize("args,conforms", [((VALID,), True), ((WARNING,), False), ((VIOLATION,), False)])
def test_turtle_report_conforms_iff_there_are_no_results(args, conforms):
    code, out, _err = _split(*args, "--format", "turtle")
    g = Graph().parse(data=out, format="turtle")
    assert list(g.objects(None, SH.conforms)) == [Literal(conforms)]
    assert (len(list(g.subjects(None, SH.ValidationResult))) == 0) == conforms
    assert code == (1 if VIOLATION in args else 0)


def test_turtle_format_parses():
    result = run(VIOLATION, WARNING, "--format", "turtle")
    assert result.exit_code == 1
    turtle = result.output[: result.output.rindex("ketengraaf: ")]
    g = Graph().parse(data=turtle, format="turtle")
    assert len(list(g.subjects(None, SH.ValidationResult))) == 2
    langs = {m.language for m in g.objects(None, SH.resultMessage)}
    assert langs == {"nl", "en"}


def test_jsonld_format_parses():
    result = CliRunner().invoke(main, ["validate", str(WARNING), "--format", "json-ld"])
    assert result.exit_code == 0, result.output
    json.loads(result.output)
    g = Graph().parse(data=result.output, format="json-ld")
    severities = set(g.objects(None, SH.resultSeverity))
    assert severities == {SH.Warning}


def test_broken_turtle_names_file_line_and_column(tmp_path):
    broken = tmp_path / "kapot.ttl"
    broken.write_text('@prefix keten: <https://w3id.org/ketengraaf/def#> .\n'
                      '<https://w3id.org/ketengraaf/id/keten/x> a keten:Keten ;\n'
                      '    keten:heeftDoel .\n', encoding="utf-8")
    result = run(broken)
    assert result.exit_code == 2
    assert f"{broken}:3:" in result.output


@pytest.mark.parametrize("args, message", [
    (["--format", "xml"], "unknown report format 'xml'"),
    (["does/not/exist.ttl"], "no such file or folder"),
])
def test_bad_arguments_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_unknown_language_is_refused():
    result = run(VALID, "--lang", "de")
    assert result.exit_code == 2


def _dutch_messages() -> dict[str, str]:
    """Shape ID -> its Dutch sh:message, read from shapes/."""
    from ketengraaf.validation import shapes_graph
    from ketengraaf.validation.report import SHAPES_NS
    g = shapes_graph(ROOT / "shapes")
    return {str(s)[len(SHAPES_NS):]: str(m) for s, m in g.subject_objects(SH.message)
            if str(s).startswith(SHAPES_NS) and getattr(m, "language", None) == "nl"}


INVALID = sorted(FIX.glob("*/invalid-*.ttl"))


@pytest.mark.parametrize("example", INVALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_invalid_example_fails_on_the_command_line_with_its_shape_and_dutch_message(example):
    """What the issue asks of `ketengraaf validate`: exit 1 (or, for a warning, exit 0 unless --strict),
    the shape ID, the focus node and the readable Dutch message of every expected result."""
    expected = [line.split(None, 3)[2:4] for line in example.read_text(encoding="utf-8").splitlines()
                if line.startswith("# expect:")]
    assert expected, f"{example} declares no expected result"
    messages = _dutch_messages()
    from ketengraaf.validation import shapes_graph
    from ketengraaf.validation.report import SHAPES_NS
    warnings = {str(s)[len(SHAPES_NS):] for s in shapes_graph().subjects(SH.severity, SH.Warning)}
    warning_only = all(messages and shape in warnings for shape, _ in expected)
    result = run(example)
    assert result.exit_code == (0 if warning_only else 1), result.output
    strict = run("--strict", example)
    assert strict.exit_code == 1, strict.output
    for shape, focus in expected:
        shown = focus if focus.startswith('"') else f"<{focus}>"     # a literal focus node is shown quoted
        assert shown in result.output, (shape, focus, result.output)
        fixed = messages[shape].split("{")[0]       # up to a {?value} the report fills in
        assert f"] {shape}: {fixed}" in result.output, (shape, result.output)


# ---------------------------------------------------------------- closed vocabulary, ranges, nested sub-processes

_CHAIN = """@base <https://w3id.org/ketengraaf/id/> .
@prefix keten: <https://w3id.org/ketengraaf/def#> .
@prefix skos:  <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:   <http://www.w3.org/2001/XMLSchema#> .
<keten/test> a {chain_class} , keten:Illustratie ;           # a test chain: no source, and says so
    skos:prefLabel "Testketen"@nl , "Test chain"@en ;
    keten:heeftDoel <doel/test> ;
    keten:hoofdproces <proces/test> ;
    keten:heeftProces <proces/test> .
<doel/test> a keten:Klantdoel ; skos:prefLabel "Testdoel"@nl , "Test goal"@en .
<proces/test> a keten:Dienstverleningsproces ;
    skos:prefLabel "Testproces"@nl , "Test process"@en ;
    keten:verantwoordelijke <partner/gemeente> ; keten:uitvoerder <partner/gemeente> ;
    keten:heeftDeelproces <proces/test-advies> .
<proces/test-advies> a keten:Deelproces ;
    skos:prefLabel "Advies"@nl , "Advice"@en ;
    keten:uitvoerder <partner/veiligheidsregio> ; keten:namens <partner/gemeente> ;
    keten:heeftDeelproces <proces/test-inspectie> .
<proces/test-inspectie> a keten:Deelproces ;
    skos:prefLabel "Inspectie"@nl , "Inspection"@en ;
    keten:uitvoerder <partner/veiligheidsregio> ; keten:namens {inspection_for} .
<deelname/test-gemeente> a keten:Deelname ; keten:keten <keten/test> ; keten:partner <partner/gemeente> ;
    keten:rol <rol/regisseur> ; keten:begindatum "2024-01-01"^^xsd:date .
<deelname/test-tweede> a keten:Deelname ; keten:keten <keten/test> ; keten:partner {second_partner} ;
    keten:rol <rol/adviseur> ; keten:begindatum "2024-01-01"^^xsd:date .
"""
GOOD = {"chain_class": "keten:Orkestratieketen", "inspection_for": "<partner/gemeente>",
        "second_partner": "<partner/veiligheidsregio>"}


def _catalogue(tmp_path, **changes) -> Path:
    path = tmp_path / "catalogus.ttl"
    path.write_text(_CHAIN.format(**{**GOOD, **changes}), encoding="utf-8")
    return path


def test_a_correct_catalogue_with_nested_sub_processes_validates(tmp_path):
    code, out, err = _split(_catalogue(tmp_path))
    assert code == 0, out + err
    assert out.rstrip().endswith("The data conforms to the shapes.")


def test_a_class_typo_fails_and_is_named(tmp_path):
    code, out, err = _split(_catalogue(tmp_path, chain_class="keten:Orkestratiekten"))
    assert code == 1, out
    assert "[violation] GeslotenVocabulaire: Unknown term keten:Orkestratiekten" in out
    assert "does not conform" in err


def test_a_literal_partner_fails_and_is_no_partner(tmp_path):
    code, out, _err = _split(_catalogue(tmp_path, second_partner='"Veiligheidsregio"'))
    assert code == 1, out
    assert '[violation] ObjecteigenschapBereik: The value "Veiligheidsregio" of keten:partner' in out
    # and the chain is left with one partner
    assert "[violation] KetenTweePartners" in out


def test_a_nested_sub_process_run_by_an_outsider_fails_and_is_named(tmp_path):
    code, out, _err = _split(_catalogue(tmp_path, inspection_for="<partner/veiligheidsregio>"))
    assert code == 1, out
    assert "[violation] OrkestratieDeelprocesNamensRegisseur" in out
    assert "<https://w3id.org/ketengraaf/id/proces/test-inspectie>" in out
