"""A typo is a one-line error with a did-you-mean, never an empty result (issue 22: CLI strictness)."""

import pytest
from click.testing import CliRunner

from ipe import corpus, project
from ipe.cli import cli


@pytest.fixture
def cased(store, transcripts, mini_codebook, tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,case,role\ntranscripts/colon.txt,ashdown,MASH manager\ntranscripts/dash.txt,bramwell,social worker\n")
    project.import_sources(store, [transcripts / "colon.txt", transcripts / "dash.txt"], manifest)
    project.auto_code(store, mini_codebook)
    return store


# (command words, the one-line error)
TYPOS = [
    (["segments", "--code", "mech-trus"], "unknown code 'mech-trus'; did you mean 'mech-trust'?"),
    (["segments", "--case", "ashdwn"], "unknown case 'ashdwn'; did you mean 'ashdown'?"),
    (["segments", "--coder", "aut"], "unknown coder 'aut'; did you mean 'auto'?"),
    (["segments", "--role", "social wroker"], "unknown role 'social wroker'; did you mean 'social worker'?"),
    (["codes", "--coder", "bne"], "unknown coder 'bne'"),
    (["agree", "auto", "aut"], "unknown coder 'aut'; did you mean 'auto'?"),
    (["evaluate", "--gold", "auto", "--sources", "colonn"], "unknown source 'colonn'; did you mean 'colon'?"),
]


@pytest.mark.parametrize("words, error", TYPOS, ids=[" ".join(w) for w, _ in TYPOS])
def test_a_typo_in_a_filter_is_a_one_line_error(cased, words, error):
    result = CliRunner().invoke(cli, ["-p", str(cased.path.parent), *words])
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {error}\n" or (result.output.startswith("Error: ") and error in result.output
                                                      and result.output.count("\n") == 1)


def test_a_known_filter_still_works(cased):
    result = CliRunner().invoke(cli, ["-p", str(cased.path.parent), "segments", "--case", "ashdown", "--format", "csv"])
    assert result.exit_code == 0 and "ashdown" in result.output


def test_a_misspelt_manifest_column_is_warned_with_a_suggestion(store, transcripts, tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,cse,speaker\ntranscripts/colon.txt,ashdown,Karen=MASH manager\n")
    report = project.import_sources(store, [transcripts / "colon.txt"], manifest)
    assert report.notes[:2] == [f"{manifest}: column 'cse' is kept as an attribute; did you mean 'case'?",
                                f"{manifest}: column 'speaker' is kept as an attribute; did you mean 'speakers'?"]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_semicolon_or_tab_separated_manifest_is_read(store, transcripts, tmp_path, delimiter):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(delimiter.join(["file", "case"]) + "\n" + delimiter.join(["transcripts/colon.txt", "ashdown"]) + "\n")
    project.import_sources(store, [transcripts / "colon.txt"], manifest)
    assert store.source_attributes("colon")["colon"]["case"] == "ashdown"


def test_no_codebook_hint_names_an_option_that_exists(store, transcripts, tmp_path):
    project.import_sources(store, [transcripts / "colon.txt"])
    result = CliRunner().invoke(cli, ["-p", str(store.path.parent), "tables", "--allow-identifiable",
                                      "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "'ipe code --codebook FILE'" in result.output
    assert "--codebook" in CliRunner().invoke(cli, ["code", "--help"]).output
