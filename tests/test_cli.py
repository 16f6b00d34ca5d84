"""The command line, through click's CliRunner: happy paths, one-line errors, unchanged store on failure."""

import json

import click
import pytest

from ipe import project, strict_yaml


def test_init_import_code_segments_codes(invoke, transcripts, mini_codebook, tmp_path):
    proj = tmp_path / "cliproj"
    assert invoke("init", proj).exit_code == 0
    result = invoke("import", transcripts)
    assert result.exit_code == 0 and "Imported: 13 new" in result.output
    assert "Imported: 13 unchanged" in invoke("import", transcripts).output
    result = invoke("code", "--codebook", mini_codebook, "--quiet")
    assert result.exit_code == 0 and "Codebook version 1 (new version)" in result.output
    rows = json.loads(invoke("segments", "--code", "mech-trust", "--format", "json").output)
    assert rows and all(r["code"] == "mech-trust" for r in rows)
    with project.open_store(proj) as store:
        for r in rows:
            assert store.source(r["source"]).text[r["start"]:r["end"]] == r["quote"]
    out = invoke("codes").output
    assert "grp-fathers" in out
    sources = invoke("sources", "--format", "csv").output
    assert sources.splitlines()[0].startswith("id,name,format,words,turns,sentences,speakers")
    shown = invoke("show", "colon").output
    assert "#2 Karen" in shown and "We sit together" in shown


def test_errors_are_one_line_and_leave_store_unchanged(invoke, transcripts, mini_codebook, tmp_path):
    proj = tmp_path / "cliproj"
    invoke("init", proj)
    invoke("import", transcripts / "caps.txt")
    result = invoke("code")
    assert result.output == "Error: the project has no codebook yet: load one with 'ipe code --codebook FILE' (or 'ipe run --codebook FILE')\n"
    invoke("code", "--codebook", mini_codebook)
    with project.open_store(proj) as store:
        before = store.logical_checksum()
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\x00\x01\x02binary")
    result = invoke("import", junk)
    assert result.exit_code == 1
    assert result.output == f"Error: {junk}: binary data, not a text file\n"
    bad = tmp_path / "bad.csv"
    bad.write_text("source,code\ncaps,x\n")
    result = invoke("codings", "import", bad, "--coder", "ann")
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "needs columns start and end, or quote" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\ncodes: [\n")
    result = invoke("code", "--codebook", broken)
    assert result.exit_code == 1
    # libyaml's wording (PyYAML's wheels); the pure-Python parser says "expected the node content, but found ...".
    problem = ("did not find expected node content" if strict_yaml._FAST
               else "expected the node content, but found '<stream end>'")
    assert result.output == f"Error: {broken}: line 3: {problem}\n"
    with project.open_store(proj) as store:
        assert store.logical_checksum() == before


def test_not_a_project(invoke, tmp_path):
    result = invoke("sources", project_dir=tmp_path / "nowhere")
    assert result.exit_code == 1 and "not an ipe project" in result.output


def test_codebook_commands(invoke, mini_codebook, tmp_path):
    assert "valid (5 codes, 1 configurations, 1 research questions)" in invoke("codebook", "validate", mini_codebook).output
    broken = tmp_path / "broken.yaml"
    broken.write_text(mini_codebook.read_text().replace("parent: contexts", "parent: nowhere").replace(
        "type: group", "type: nonsense"))
    result = invoke("codebook", "validate", broken)
    assert result.exit_code == 1
    assert "ctx-relationships.parent: unknown code 'nowhere'" in result.output
    assert "grp-fathers.type: 'nonsense' is not one of" in result.output
    assert result.output.strip().endswith("2 problems")
    assert "mech-trust  (mechanism:response)" in invoke("codebook", "show", mini_codebook).output
    for fmt in ("md", "csv", "docx"):
        out = tmp_path / f"book.{fmt}"
        assert invoke("codebook", "export", mini_codebook, "--format", fmt, "--out", out).exit_code == 0
    assert "| ctx-relationships | Practitioner relationships |" in (tmp_path / "book.md").read_text()
    import docx

    assert len(docx.Document(tmp_path / "book.docx").tables) == 2


def test_codings_export_review_evaluate_agree(invoke, transcripts, mini_codebook, tmp_path):
    invoke("init", tmp_path / "cliproj")
    invoke("import", transcripts)
    invoke("code", "--codebook", mini_codebook)
    out = tmp_path / "codings.csv"
    assert "codings to" in invoke("codings", "export", out, "--coder", "auto", "--allow-identifiable").output
    assert invoke("codings", "import", out, "--coder", "dana").exit_code == 0
    review = tmp_path / "review.csv"
    invoke("review", "export", review)
    lines = review.read_text().splitlines()
    assert lines[0].endswith(",decision")
    review.write_text("\n".join([lines[0]] + [line + "accept" for line in lines[1:]]) + "\n")
    assert "rejected (precision 1.00)" in invoke("review", "apply", review, "--coder", "erin").output
    table = invoke("evaluate", "--gold", "dana", "--format", "json").output
    micro = [r for r in json.loads(table) if r["code"] == "micro"][0]
    assert micro["precision"] == 1.0 and micro["recall"] == 1.0
    result = invoke("agree", "dana", "erin", "--unit", "turn", "--format", "csv", "--disagreements", tmp_path / "d.csv")
    assert result.exit_code == 0 and "overall" in result.output
    assert (tmp_path / "d.csv").read_text().startswith("source,unit,start,end,code,dana,erin,text")
    assert "unknown coder" in invoke("agree", "dana", "nobody").output


def test_agree_matrix(invoke, tmp_path):
    matrix = tmp_path / "m.csv"
    # Krippendorff (2011) worked example, interval level: alpha = 0.849
    rows = ["unit,A,B,C,D", "1,1,1,,1", "2,2,2,3,2", "3,3,3,3,3", "4,3,3,3,3", "5,2,2,2,2", "6,1,2,3,4",
            "7,4,4,4,4", "8,1,1,2,1", "9,2,2,2,2", "10,,5,5,5", "11,,,1,1", "12,,3,,"]
    matrix.write_text("\n".join(rows) + "\n")
    result = invoke("agree", "matrix", matrix, "--level", "interval")
    assert "krippendorff_alpha: 0.849" in result.output
    matrix.write_text("A,B\n1,x\n2,2\n")
    result = invoke("agree", "matrix", matrix, "--level", "interval")
    assert result.exit_code == 1 and "line 2: 'x' is not a number" in result.output


def test_memo_and_audit(invoke, transcripts, mini_codebook, tmp_path):
    invoke("init", tmp_path / "cliproj")
    invoke("import", transcripts / "colon.txt")
    invoke("code", "--codebook", mini_codebook)
    assert "Memo 1 added to cell ashdown|mech-trust" in invoke("memo", "add", "Thin trust", "--case", "ashdown",
                                                                "--code", "mech-trust").output
    assert "Thin trust" in invoke("memo", "list").output
    assert "memo add" in invoke("audit").output
    assert invoke("backup", tmp_path / "bk").exit_code == 0 and (tmp_path / "bk" / "ipe.db").exists()


@pytest.mark.slow
def test_python_m_ipe_runs():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "ipe", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("ipe, version")


def test_top_level_help_is_known_without_loading_the_commands():
    """``COMMANDS`` holds each command's help so ``ipe --help`` imports nothing; it must say what the command says."""
    import click

    from ipe.cli import COMMANDS, cli

    ctx = click.Context(cli)
    for name, (_, help_text) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        for limit in (45, 80, 300):
            assert click.Command(name, help=help_text).get_short_help_str(limit) == command.get_short_help_str(limit), name
    assert sorted(cli.commands) == sorted(COMMANDS)


def test_version_and_help_load_no_command_and_no_spacy():
    import subprocess
    import sys

    code = ("import sys; from ipe.cli import main; sys.argv = ['ipe', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "loaded = sorted(m for m in sys.modules if m.startswith(('spacy', 'pandas', 'ipe.cli.', 'ipe.project')))\n"
            "print('LOADED', loaded)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "LOADED []"
    assert "Commands:" in result.stdout and "  theory " in result.stdout


def test_file_format_choices_come_from_the_exporter_registry():
    import click

    from ipe import exporters
    from ipe.cli import cli

    ctx = click.Context(cli)
    for group, name in (("codebook", "export"), ("codings", "export")):
        command = cli.get_command(ctx, group).get_command(ctx, name)
        (fmt,) = [p for p in command.params if p.name == "fmt"]
        assert tuple(fmt.type.choices) == exporters.formats("table")


def test_listings_print_markdown_through_the_md_exporter(runner, tmp_path):
    import pandas as pd

    from ipe.cli import echo_table

    table = pd.DataFrame({"code": ["a|b"], "n": [2]})

    @click.command()
    def show():
        echo_table(table, "md")

    result = runner.invoke(show)
    assert result.output == "| code | n |\n|---|---|\n| a\\|b | 2 |\n"
