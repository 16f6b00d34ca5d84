"""Review sheets are checked row by row against the text and the auto coder's codings (issue 16: 2, 10, 11)."""

import pytest
from click.testing import CliRunner

from ipe import exporters, project, tables
from ipe.cli import cli
from ipe.errors import CodingError, IpeError


@pytest.fixture
def sheet(coded_store, tmp_path):
    """The review sheet of the coded tiny corpus, as a researcher exports it, with every row accepted."""
    _, cb = project.current_codebook(coded_store)
    table = tables.review_sheet(coded_store, cb, "auto")
    assert len(table) >= 3
    table["decision"] = "accept"
    [path] = exporters.write("csv", {"review": table}, tmp_path / "review.csv")
    return path, table


def _write(path, table):
    table.to_csv(path, index=False)
    return path


# (case, how the sheet is spoiled, the one-line problem)
SPOILED = [
    ("negative offsets", lambda t: t.assign(start=t.start.where(t.index != 0, -5)), "line 2: offsets -5-"),
    ("reversed offsets", lambda t: t.assign(start=t.start.where(t.index != 0, t.end), end=t.end.where(t.index != 0, t.start)),
     "line 2: offsets"),
    ("offsets beyond the text", lambda t: t.assign(end=t.end.where(t.index != 0, 10**6)), "outside the text of"),
    ("not a number", lambda t: t.astype({"start": str}).assign(start=lambda x: x.start.where(x.index != 0, "ten")),
     "line 2: start and end must be whole numbers"),
    ("a row matching no auto coding", lambda t: t.assign(code=t.code.where(t.index != 0, "grp-fathers")),
     "line 2: no auto coding of grp-fathers"),
    ("a quote that is nowhere in the text", lambda t: t.assign(quote=t.quote.where(t.index != 0, "Never said at all.")),
     "line 2: the quote is no longer in"),
    ("an unknown source", lambda t: t.assign(source=t.source.where(t.index != 0, "ghost")), "line 2: unknown source 'ghost'"),
    ("an unknown code", lambda t: t.assign(code=t.code.where(t.index != 0, "nope")), "line 2: unknown code 'nope'"),
    ("a bad decision", lambda t: t.assign(decision=t.decision.where(t.index != 0, "maybe")),
     "line 2: decision 'maybe' is neither accept nor reject"),
]


@pytest.mark.parametrize("case, spoil, problem", SPOILED, ids=[c[0] for c in SPOILED])
def test_a_spoiled_row_is_a_one_line_error_and_nothing_is_applied(coded_store, sheet, case, spoil, problem):
    path, table = sheet
    _write(path, spoil(table.copy()))
    before = coded_store.logical_checksum()
    with pytest.raises(CodingError) as err:
        project.apply_review(coded_store, path, "ann")
    assert problem in str(err.value)
    assert coded_store.logical_checksum() == before
    result = CliRunner().invoke(cli, ["-p", str(coded_store.path.parent), "review", "apply", str(path), "--coder", "ann"])
    assert result.exit_code == 1 and result.output.startswith("Error: ") and result.output.count("\n") == 1


def test_a_stale_sheet_lands_every_coding_on_the_quote_the_reviewer_saw(coded_store, sheet, transcripts, mini_codebook):
    path, table = sheet
    for name in sorted(set(table.source)):
        f = next(transcripts.glob(f"{name}.*"))
        if f.suffix in (".txt", ".md"):
            f.write_text("Interviewer: A paragraph added near the top?\n\nWitness: Yes, added.\n\n" + f.read_text())
    project.import_sources(coded_store, [transcripts])
    project.auto_code(coded_store, mini_codebook)
    result = project.apply_review(coded_store, path, "ann")
    assert result["accepted"] == len(table) and result["moved"] > 0
    for c in coded_store.codings(coders=["ann"]):
        assert coded_store.source(c.source_id, structure=False).text[c.start:c.end] == c.quote
    assert sorted(c.quote for c in coded_store.codings(coders=["ann"])) == sorted(table.quote)


@pytest.mark.parametrize("name, problem", [("", "it is empty"), ("   ", "it is empty"), ("auto", "auto-coder's name"),
                                           ("a\tb", "control characters")])
def test_a_coder_name_must_be_a_name(coded_store, sheet, name, problem):
    path, _ = sheet
    with pytest.raises(IpeError, match=problem):
        project.apply_review(coded_store, path, name)
    result = CliRunner().invoke(cli, ["-p", str(coded_store.path.parent), "review", "apply", str(path), "--coder", name])
    assert result.exit_code == 1 and problem in result.output
