"""The national survey: scoring, the spectrum and its bands, Cronbach's alpha, import errors, the CLI, outputs."""

import math
import shutil
from fractions import Fraction
from pathlib import Path

import click
import pandas as pd
import pytest

from ipe import findings, project, survey
from ipe.cli import IpeGroup, cli
from ipe.cli.survey import survey as survey_group
from ipe.errors import SourceError

SURVEY_FIXTURES = Path(__file__).parent / "fixtures" / "survey"
SAMPLE = Path(__file__).parent.parent / "corpora" / "mash-survey"


@pytest.fixture
def survey_files(tmp_path):
    """A writable copy of the tiny survey and its map."""
    folder = tmp_path / "survey"
    shutil.copytree(SURVEY_FIXTURES, folder)
    return folder / "survey.csv", folder / "map.yaml"


@pytest.fixture
def imported(store, survey_files):
    csv_path, map_path = survey_files
    survey.import_survey(store, csv_path, map_path)
    return store


@pytest.fixture
def survey_invoke(runner, tmp_path):
    """Run ``ipe survey ...`` as the installed CLI would, without adding the group to the shared ``cli``."""
    root = IpeGroup(name="ipe", params=list(cli.params), callback=cli.callback, commands={"survey": survey_group})
    proj = tmp_path / "cliproj"
    project.init(proj)

    def _invoke(*args):
        return runner.invoke(root, ["--project", str(proj), "survey", *map(str, args)], catch_exceptions=False)

    _invoke.project = proj
    return _invoke


def _item(kind, **kw):
    return survey.Item(column="q", type=kind, **kw)


# -- scoring and classification ----------------------------------------------------------------------------------


def test_score_item_rules():
    assert survey.score_item(_item("yesno"), "yes") == 1.0
    assert survey.score_item(_item("yesno"), "No") == 0.0
    assert [survey.score_item(_item("likert"), str(v)) for v in range(1, 6)] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert survey.score_item(_item("likert", points=7), "4") == 0.5
    choice = _item("choice", choices=(("none", 0.0), ("consulted", 0.5), ("in the team", 1.0), ("other", None)))
    assert survey.score_item(choice, "Consulted") == 0.5
    assert survey.score_item(choice, "other") is None
    assert survey.score_item(_item("likert", reverse=True), "2") == 0.75
    assert survey.score_item(_item("yesno"), None) is None and survey.score_item(_item("yesno"), math.nan) is None
    with pytest.raises(ValueError, match="'four' is not a whole number from 1 to 5"):
        survey.score_item(_item("likert"), "four")


def test_classify_boundaries_and_thresholds():
    assert survey.classify(0.0) == "risk-focused"
    assert survey.classify(0.3999) == "risk-focused"
    assert survey.classify(0.4) == "hybrid"
    assert survey.classify(0.6999) == "hybrid"
    assert survey.classify(0.7) == "needs-and-planning"
    assert survey.classify(1.0) == "needs-and-planning"
    assert survey.classify(None) == survey.classify(math.nan) == "unplaced"
    assert survey.classify(0.45, (0.5, 0.8)) == "risk-focused"
    assert survey.classify(0.8, (0.5, 0.8)) == "needs-and-planning"
    assert survey.parse_thresholds("0.3, 0.6") == (0.3, 0.6)
    for bad in ("0.7,0.4", "0.4", "a,b", "0.4,1.2", "0.4,0.4"):
        with pytest.raises(survey.SurveyError, match="thresholds"):
            survey.parse_thresholds(bad)


def test_cronbach_alpha_hand_computed_example():
    # Three items, five respondents. Item variances (n - 1): a 2.8/4 = 0.7, b 3.2/4 = 0.8, c 2.8/4 = 0.7, sum 2.2.
    # Totals 10, 9, 13, 8, 12 (mean 10.4): squared deviations 17.2, variance 4.3.
    # alpha = 3/2 * (1 - 2.2/4.3) = 3/2 * 2.1/4.3 = 63/86.
    items = pd.DataFrame({"a": [3, 2, 4, 3, 4], "b": [4, 3, 4, 2, 4], "c": [3, 4, 5, 3, 4]})
    assert survey.cronbach_alpha(items) == pytest.approx(float(Fraction(63, 86)), abs=1e-12)
    # Incomplete rows are left out (complete cases), so adding one changes nothing.
    with_gap = pd.concat([items, pd.DataFrame({"a": [1], "b": [None], "c": [5]})], ignore_index=True)
    assert survey.cronbach_alpha(with_gap) == pytest.approx(63 / 86)
    assert survey.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3]})) == pytest.approx(1.0)
    assert math.isnan(survey.cronbach_alpha(items[["a"]]))
    assert math.isnan(survey.cronbach_alpha(pd.DataFrame({"a": [1, 1], "b": [2, 2]})))


# -- the survey map ----------------------------------------------------------------------------------------------


def test_map_lists_every_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "thresholds: [0.8, 0.2]\ncolour: red\nitems:\n"
        "  - {column: a, type: yesno, scale: true}\n"
        "  - {column: b, type: slider}\n"
        "  - {column: c, type: choice, scale: true, choices: {x: 1, y: null}}\n"
        "  - {column: a, type: likert}\n"
    )
    with pytest.raises(survey.SurveyMapError) as err:
        survey.load_map(bad)
    problems = err.value.problems
    assert "unknown key 'colour'" in problems
    assert "items.b.type: 'slider' is not one of yesno, likert, choice" in problems
    assert "items.c.choices.y: a scale item needs a score for every answer" in problems
    assert "items[4].column: 'a' is listed twice" in problems
    assert any(p.startswith("thresholds: thresholds 0.8,0.2") for p in problems)
    assert str(err.value).startswith(f"{bad}: ") and "more problems" in str(err.value)
    bad.write_text("items: [\n")
    with pytest.raises(survey.SurveyMapError, match=r"bad.yaml: line \d+"):
        survey.load_map(bad)


# -- import and spectrum -----------------------------------------------------------------------------------------


def test_import_stores_answers_and_free_text(imported):
    responses = {(la, item): value for la, item, value in imported.survey_responses()}
    assert responses[("C3", "consent")] == "sought"  # the map's spelling of a choice
    assert responses[("E5", "needs")] == "no"
    assert ("E5", "planning") not in responses  # "don't know" is missing, not stored
    assert ("D4", "needs") not in responses and responses[("D4", "_row")] == "5"
    assert responses[("A1", "name")] == "Ashdown"
    ids = [s for s in imported.source_ids() if s.startswith("survey-")]
    assert ids == ["survey-a1-describe", "survey-b2-describe", "survey-e5-describe"]
    src = imported.source("survey-e5-describe")
    assert src.text == "We say no, but the early help coordinator plans support."
    assert src.attributes == {"data_type": "survey", "la": "E5", "survey_item": "describe", "la_name": "Eastwold"}
    assert src.sentences and src.turns
    assert imported.audit_log()[-1].action == "survey import"


def test_spectrum_scores_models_and_missing_data(imported):
    spec = survey.spectrum(imported)
    table = spec.table.set_index("la")
    assert table.loc["A1", "score"] == 0.0 and table.loc["A1", "model"] == "risk-focused"
    assert table.loc["B2", "score"] == 1.0 and table.loc["B2", "model"] == "needs-and-planning"
    assert table.loc["C3", "score"] == 0.6667 and table.loc["C3", "model"] == "hybrid"
    # E5 answered 2 of 3 scale items: mean of 0 and 0.5.
    assert table.loc["E5", "answered"] == 2 and table.loc["E5", "score"] == 0.25
    # D4 answered 1 of 3 (< 0.5): unplaced.
    assert math.isnan(table.loc["D4", "score"]) and spec.unplaced == ["D4"]
    assert survey.spectrum(imported, min_answered=0.3).table.set_index("la").loc["D4", "model"] == "risk-focused"
    assert survey.spectrum(imported, min_answered=1.0).unplaced == ["D4", "E5"]
    assert survey.spectrum(imported, thresholds=(0.2, 0.6)).model_of("E5") == "hybrid"
    tables = survey.spectrum_tables(spec)
    # Complete cases A1, B2, C3; item variances 1/3, 1/4, 1/4; totals 0, 3, 2 with variance 7/3:
    # alpha = 3/2 * (1 - (5/6) / (7/3)) = 27/28.
    reliability = tables["survey-reliability"].set_index("item")
    assert reliability.loc["scale", "alpha"] == round(27 / 28, 4) and reliability.loc["scale", "n"] == 3
    missing = tables["survey-missingness"].set_index("item")
    assert missing.loc["planning", "missing"] == 2 and missing.loc["needs", "answered"] == 4
    consent = tables["survey-consent-by-model"].set_index("answer")
    assert consent.loc["sought", "all n"] == 3 and consent.loc["sought", "risk-focused n"] == 2
    assert consent.loc["sought", "risk-focused %"] == 100.0
    distribution = tables["survey-distribution"]
    assert distribution["las"].sum() == 4 and distribution.iloc[-1]["needs-and-planning"] == 1
    assert set(tables) >= {"survey-spectrum", "survey-models", "survey-functions-by-model",
                           "survey-agencies-by-model", "survey-consent-by-model"}


def test_reimport_replaces_survey_and_free_text(imported, survey_files):
    csv_path, map_path = survey_files
    lines = csv_path.read_text().splitlines()
    lines = [line for line in lines if not line.startswith("E5,")]
    lines[1] = lines[1].replace("We screen for risk only.", "We screen for risk and nothing else.")
    csv_path.write_text("\n".join(lines) + "\n")
    summary = survey.import_survey(imported, csv_path, map_path)
    assert dict(summary.sources) == {"survey-a1-describe": "changed", "survey-b2-describe": "unchanged",
                                     "survey-e5-describe": "removed"}
    assert not imported.has_source("survey-e5-describe")
    assert {la for la, _, _ in imported.survey_responses()} == {"A1", "B2", "C3", "D4"}
    assert imported.source("survey-a1-describe").text == "We screen for risk and nothing else."


def test_xlsx_import_matches_csv(imported, survey_files, tmp_path):
    import openpyxl

    csv_path, map_path = survey_files
    book = openpyxl.Workbook()
    header, rows, _ = survey.read_table(csv_path)
    book.active.append(header)
    for _, row in rows:
        book.active.append([int(row[h]) if row[h].isdigit() else (row[h] or None) for h in header])
    xlsx = tmp_path / "survey.xlsx"
    book.save(xlsx)
    other = project.open_store(project.init(tmp_path / "xlsxproj"))
    try:
        survey.import_survey(other, xlsx, map_path)
        strip = lambda rows: [r for r in rows if r[1] != "_row"]  # noqa: E731 - row numbers agree, lines do not
        assert strip(other.survey_responses()) == strip(imported.survey_responses())
    finally:
        other.close()


# -- errors: one line, nothing written ---------------------------------------------------------------------------


def _rewrite(path, old, new):
    path.write_text(path.read_text().replace(old, new))


def test_import_errors_leave_the_store_unchanged(imported, survey_files, tmp_path):
    csv_path, map_path = survey_files
    before = imported.logical_checksum()

    def fails(match, path=csv_path, mp=map_path, id_column=None, error=Exception):
        with pytest.raises(error, match=match) as err:
            survey.import_survey(imported, path, mp, id_column)
        assert "\n" not in str(err.value)
        assert imported.logical_checksum() == before

    bad_map = tmp_path / "unknown.yaml"
    bad_map.write_text(map_path.read_text().replace("column: stability", "column: stabillity"))
    fails(r"survey.csv: the survey map \(unknown.yaml\) names column 'stabillity', not in the file", mp=bad_map,
          error=SourceError)
    _rewrite(csv_path, "C3,Corrington,yes,3,", "C3,Corrington,yes,three,")
    fails(r"survey.csv: line 4 \(C3\), column 'planning': 'three' is not a whole number from 1 to 5$",
          error=SourceError)
    _rewrite(csv_path, "B2,Bramwell,yes,5,", "B2,Bramwell,yes,often,")
    fails(r"line 3 \(B2\), column 'planning': 'often' .* \(and 1 more problems\)$", error=SourceError)
    shutil.copy(SURVEY_FIXTURES / "survey.csv", csv_path)
    fails(r"survey.csv: no id column 'LA_CODE' in the header", id_column="LA_CODE", error=SourceError)
    _rewrite(csv_path, "D4,Dunmere", "A1,Dunmere")
    fails(r"survey.csv: line 5: duplicate id 'A1' \(also line 2\)", error=SourceError)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    fails(r"broken.xlsx: cannot read the Excel workbook", path=broken, error=SourceError)
    fails(r"no survey map", path=broken, mp=None, error=survey.SurveyError)


def test_spectrum_before_import_is_an_error(store):
    with pytest.raises(survey.SurveyError, match="no survey in the project yet"):
        survey.spectrum(store)


# -- case links --------------------------------------------------------------------------------------------------


def test_link_cases_sets_mash_model(imported, tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "ash.txt").write_text("Interviewer: What does the MASH do?\nRespondent: We look at risk.\n")
    (folder / "manifest.csv").write_text("file,case,mash_model\nash.txt,ashdown,needs-and-planning\n")
    project.import_sources(imported, [folder], folder / "manifest.csv")
    linked = survey.link_cases(imported, {"ashdown": "A1", "dunmere": "D4"})
    assert linked == [("ashdown", "A1", "risk-focused", 1), ("dunmere", "D4", "unplaced", 0)]
    assert imported.source_attributes("ash")["ash"]["mash_model"] == "risk-focused"
    assert imported.case_links() == {"ashdown": "A1", "dunmere": "D4"}
    assert survey.spectrum(imported).table.set_index("la").loc["A1", "case"] == "ashdown"
    before = imported.logical_checksum()
    with pytest.raises(survey.SurveyError, match="no local authority 'Z9' in the survey"):
        survey.link_cases(imported, {"bramwell": "Z9"})
    assert imported.logical_checksum() == before
    assert survey.parse_links(["a=LA1", " b = LA2 "]) == {"a": "LA1", "b": "LA2"}
    with pytest.raises(survey.SurveyError, match="'ashdown' is not CASE=LA"):
        survey.parse_links(["ashdown"])


# -- outputs -----------------------------------------------------------------------------------------------------


def test_tables_and_chart_are_byte_identical_across_runs(imported, tmp_path):
    spec = survey.spectrum(imported)
    first = findings.write_survey_reports(spec, tmp_path / "one")
    second = findings.write_survey_reports(survey.spectrum(imported), tmp_path / "two")
    assert [p.name for p in first] == [p.name for p in second]
    assert "survey-spectrum.png" in [p.name for p in first]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    png = (tmp_path / "one" / "survey-spectrum.png").read_bytes()
    assert png.startswith(b"\x89PNG") and b"Software" not in png
    assert (tmp_path / "one" / "survey-spectrum.csv").read_text().splitlines()[0] == (
        "la,la_name,answered,scale_items,share_answered,score,model,case")


# -- command line ------------------------------------------------------------------------------------------------


def test_cli_import_spectrum_link(survey_invoke, survey_files, tmp_path):
    csv_path, map_path = survey_files
    result = survey_invoke("import", csv_path, "--id-column", "LA", "--map", map_path)
    assert result.exit_code == 0, result.output
    assert result.output == "Survey imported: 5 local authorities, 25 closed answers; free-text sources: 3 new\n"
    out = tmp_path / "report"
    result = survey_invoke("spectrum", "--thresholds", "0.4,0.7", "--out", out, "--link", "ashdown=A1")
    assert result.exit_code == 0, result.output
    assert "Linked ashdown to A1: mash_model=risk-focused on 0 sources" in result.output
    assert "risk-focused:    2  (score < 0.4)" in result.output
    assert "Cronbach's alpha 0.964 (3 items, 3 complete cases)" in result.output
    assert "Unplaced: D4" in result.output
    assert (out / "survey-spectrum.png").is_file() and (out / "survey-agencies-by-model.csv").is_file()
    result = survey_invoke("link", "bramwell=B2", "corrington=C3")
    assert result.output.splitlines() == ["Linked bramwell to B2: mash_model=needs-and-planning on 0 sources",
                                          "Linked corrington to C3: mash_model=hybrid on 0 sources"]
    with project.open_store(survey_invoke.project) as store:
        assert store.case_links() == {"ashdown": "A1", "bramwell": "B2", "corrington": "C3"}


def test_cli_errors_are_one_line(survey_invoke, survey_files):
    csv_path, map_path = survey_files
    assert survey_invoke("spectrum").output == (
        "Error: no survey in the project yet: run 'ipe survey import FILE --id-column LA' first\n")
    _rewrite(csv_path, "C3,Corrington,yes,3,", "C3,Corrington,yes,lots,")
    result = survey_invoke("import", csv_path, "--map", map_path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {csv_path}: line 4 (C3), column 'planning': "
                             "'lots' is not a whole number from 1 to 5\n")
    result = survey_invoke("spectrum", "--thresholds", "0.9,0.1")
    assert result.exit_code == 2 and "need 0 <= t1 < t2 <= 1" in result.output
    assert survey_invoke("link", "ashdown").output == "Error: 'ashdown' is not CASE=LA (e.g. ashdown=LA014)\n"


# -- the sample survey -------------------------------------------------------------------------------------------


def test_sample_survey_places_every_la_and_the_case_sites(store, tmp_path):
    out = tmp_path / "reports"
    paths = findings.run_survey(store, SAMPLE, out)
    assert out / "survey-spectrum.png" in paths and out / "survey-functions-by-model.csv" in paths
    spec = survey.spectrum(store)
    table = spec.table.set_index("la")
    assert len(table) == 111 and list(table.index) == [f"LA{n:03d}" for n in range(1, 112)]
    placed = table[table["model"] != "unplaced"]
    assert len(placed) + len(spec.unplaced) == 111 and spec.unplaced == ["LA039", "LA102"]
    assert set(placed["model"]) == set(survey.MODELS)
    assert min((placed["model"] == m).sum() for m in survey.MODELS) >= 20  # a spread along the spectrum
    expected = {"ashdown": ("LA014", "risk-focused"), "bramwell": ("LA057", "needs-and-planning"),
                "corrington": ("LA083", "hybrid")}
    for case, (la, model) in expected.items():
        assert table.loc[la, "model"] == model and table.loc[la, "case"] == case
    assert store.case_links() == {case: la for case, (la, _) in expected.items()}
    assert 0.6 < survey.cronbach_alpha(spec.scores) < 0.9
    # The deliberately inconsistent returns: "no" early help planning, yet planning described in free text.
    for la in ("LA008", "LA047", "LA091"):
        assert spec.answers.loc[la, "fn_early_help_planning"] == "no"
        assert "plan" in store.source(f"survey-{la.lower()}-ft-early-help").text
    assert findings.run_survey(store, tmp_path, out) == []  # no survey in that folder


def test_sample_generator_is_reproducible(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", SAMPLE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    target = module.write(tmp_path / "survey.csv")
    assert target.read_bytes() == (SAMPLE / "survey.csv").read_bytes()


def test_survey_group_is_a_click_group():
    assert isinstance(survey_group, click.Group) and set(survey_group.commands) == {"import", "spectrum", "link"}
