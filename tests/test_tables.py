"""Evaluation tables on a tiny hand-coded project, checked against numbers worked out by hand."""

import docx
import openpyxl
import pytest

from ipe import exporters, findings, project, tables
from ipe.selection import Selection


@pytest.fixture
def hand_store(store, transcripts, mini_codebook, tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,case,participant,role,mash_model,data_type,speakers\n"
        "transcripts/colon.txt,ashdown,Karen Holt,MASH manager,risk-focused,interview,Karen=MASH manager\n"
        "transcripts/caps.txt,bramwell,Karen Reed,social worker,needs-and-planning,interview,\n"
    )
    project.import_sources(store, [transcripts], manifest)
    project.load_codebook(store, mini_codebook)
    codings = tmp_path / "h.csv"
    codings.write_text(
        "source,code,quote\n"
        "colon,ctx-relationships,\"We sit together, so we know each other.\"\n"
        "colon,out-timely-sharing,We shared information the same morning.\n"
        "colon,mech-trust,I trust her judgement though.\n"
        "colon,grp-fathers,The dad was never asked.\n"
        "caps,ctx-relationships,We sit together.\n"
    )
    project.import_codings(store, codings, "h")
    project.add_memo(store, "cell", "ashdown|ctx-relationships", "Co-location drives familiarity.", "ana")
    return store


@pytest.fixture
def all_tables(hand_store):
    _, cb = project.current_codebook(hand_store)
    return findings.all_tables(hand_store, cb, Selection.of(["h"]))


def test_code_counts(all_tables):
    counts = all_tables["code-counts"].set_index("code")
    assert counts.loc["ctx-relationships", ["segments", "sources", "cases"]].tolist() == [2, 2, 2]
    assert counts.loc["mech-trust", ["segments", "sources", "cases"]].tolist() == [1, 1, 1]
    assert counts.loc["contexts", "segments"] == 0  # the theme is listed though never coded


def test_frequencies_label_three_counts(all_tables):
    by_case = all_tables["frequencies-by-case"].set_index("code")
    assert by_case.loc["ctx-relationships", "ashdown: segments"] == 1
    assert by_case.loc["ctx-relationships", "bramwell: participants"] == 1
    assert by_case.loc["grp-fathers", "bramwell: sources"] == 0
    by_role = all_tables["frequencies-by-role"].set_index("code")
    assert by_role.loc["mech-trust", "MASH manager: segments"] == 1


def test_framework_matrix_cells_hold_count_quotes_and_memo(all_tables, hand_store):
    matrix = all_tables["framework-contexts"].set_index("case")
    cell = matrix.loc["ashdown", "ctx-relationships"]
    text = hand_store.source("colon").text
    start = text.index("We sit together, so")
    assert cell.splitlines() == [
        "n=1",
        f"\u201cWe sit together, so we know each other.\u201d (colon:{start}-{start + 39}, turn 2)",
        "Memo: Co-location drives familiarity.",
    ]
    assert matrix.loc["bramwell", "ctx-relationships"].startswith("n=1\n\u201cWe sit together.\u201d (caps:")


def test_rq_map(all_tables):
    rq = all_tables["rq-evidence-map"].set_index("code")
    assert rq.loc["ctx-relationships", ["rq", "segments", "sources", "cases"]].tolist() == ["RQ4", 2, 2, 2]
    assert rq.loc["mech-trust", "segments"] == 1


def test_cooccurrence_by_turn(all_tables):
    co = all_tables["co-occurrence"].set_index("code")
    assert co.loc["ctx-relationships", "out-timely-sharing"] == 1  # both in Karen's second turn
    assert co.loc["out-timely-sharing", "ctx-relationships"] == 1
    assert co.loc["ctx-relationships", "ctx-relationships"] == 2  # two turns hold it
    assert co.loc["ctx-relationships", "mech-trust"] == 0  # different turns


def test_case_presence_and_model_comparison(all_tables):
    presence = all_tables["case-code-presence"].set_index("case")
    assert presence.loc["ashdown"].tolist()[:4] == [1, 1, 1, 1]
    assert presence.loc["bramwell", "ctx-relationships"] == 1 and presence.loc["bramwell", "mech-trust"] == 0
    models = all_tables["model-comparison"].set_index("code")
    assert models.loc["mech-trust", "risk-focused: sources with code"] == "1/1"
    assert models.loc["mech-trust", "needs-and-planning: prevalence"] == 0.0


def test_every_quote_reference_reslices(all_tables, hand_store):
    bank = all_tables["quote-bank"]
    assert len(bank) == 5
    for row in bank.itertuples():
        source, span = row.ref.rsplit(":", 1)
        start, end = map(int, span.split("-"))
        assert hand_store.source(source).text[start:end] == row.quote
    assert set(bank.code_path) >= {"contexts/ctx-relationships", "grp-fathers"}


def test_formats_open_with_their_libraries(all_tables, tmp_path):
    paths = exporters.write_report_tables(all_tables, tmp_path, ["csv", "xlsx", "md", "docx"])
    assert len([p for p in paths if p.suffix == ".csv"]) == len(all_tables)
    workbook = openpyxl.load_workbook(tmp_path / "findings-tables.xlsx")
    assert workbook.sheetnames == list(all_tables)
    sheet = workbook["quote-bank"]
    assert sheet.freeze_panes == "B2" and sheet["A1"].value == "ref"
    document = docx.Document(tmp_path / "findings-tables.docx")
    word_tables = [t.attrs["title"] for name, t in all_tables.items() if t.attrs.get("word", True)]
    assert "quote-bank" in all_tables and "Quote bank" not in word_tables
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Contents", *word_tables, "Key to codes"]
    assert "## framework-contexts" in (tmp_path / "findings-tables.md").read_text()


def test_cli_tables_only(invoke, hand_store, tmp_path):
    result = invoke("tables", "--out", tmp_path / "o", "--format", "csv,md", "--only", "rq-evidence-map",
                    "--allow-identifiable", project_dir=hand_store.path.parent)
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["CSV-README.md", "findings-tables.md", "rq-evidence-map.csv"]
    result = invoke("tables", "--only", "nope", "--allow-identifiable", project_dir=hand_store.path.parent)
    assert result.exit_code == 1 and "unknown table nope" in result.output
