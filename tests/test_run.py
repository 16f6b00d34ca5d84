"""``ipe run``: the whole chain on a small corpus, deterministic outputs, quotes that re-slice."""

import csv
import shutil

import pytest

from ipe import project
from ipe.run import run


@pytest.fixture
def corpus(tmp_path, fixtures):
    folder = tmp_path / "corpus"
    shutil.copytree(fixtures / "transcripts", folder)
    (folder / "manifest.csv").write_text(
        "file,case,participant,role,speakers\n"
        "colon.txt,ashdown,Karen Holt,MASH manager,Karen=MASH manager\n"
        "caps.txt,bramwell,Karen Reed,social worker,\n"
        "fieldnotes.txt,ashdown,,observer,\n"
    )
    for coder, rows in {"ann": ["colon,mech-trust,I trust her judgement though.",
                                "colon,grp-fathers,The dad was never asked."],
                        "ben": ["colon,mech-trust,I trust her judgement though."]}.items():
        (folder / "gold" / coder).mkdir(parents=True)
        (folder / "gold" / coder / "colon.csv").write_text("source,code,quote\n" + "\n".join(rows) + "\n")
    (folder / "evidence.csv").write_text("config,source,quote,relation,elements,rationale,linked_by\n"
                                         "CMO-01,colon,I trust her judgement though.,supports,mechanism,"
                                         "Trust in a colleague's judgement,ann\n")
    return folder


@pytest.mark.slow
def test_run_writes_reports_and_is_deterministic(corpus, mini_codebook, tmp_path):
    out = tmp_path / "out"
    result = run(corpus, mini_codebook, out)
    names = sorted(p.name for p in out.glob("*.csv"))
    assert names == ["agreement.csv", "auto-coder-accuracy-by-code.csv", "auto-coder-accuracy.csv",
                     "cmo-assessment.csv", "cmo-candidates.csv",
                     "cmo-evidence.csv", "cmo-links.csv", "code-counts.csv", "disagreements.csv", "quote-bank.csv"]
    assert (out / "rameses-appendix.md").is_file() and (out / "rameses-appendix.docx").is_file()
    assert any(line == "Evidence links: 1 imported from " + str(corpus / "evidence.csv") for line in result.summary)
    evidence_rows = list(csv.DictReader(open(out / "cmo-evidence.csv", newline="", encoding="utf-8")))
    assert [(r["config"], r["relation"], r["linked_by"]) for r in evidence_rows] == [("CMO-01", "supports", "ann")]
    assert (out / "project.qdpx").is_file()
    assert any("Pseudonymised:" in line for line in result.summary)
    assert {p.name for p in out.glob("cmo-graph.*")} == {"cmo-graph.graphml", "cmo-graph.json", "cmo-graph.png",
                                                          "cmo-graph.svg"}
    tables = {p.name for p in (out / "tables").iterdir()}
    assert {"findings-tables.xlsx", "findings-tables.docx", "findings-tables.md", "rq-evidence-map.csv",
            "framework-contexts.csv", "co-occurrence.csv", "model-comparison.csv", "cmo-configurations.csv"} <= tables
    assert any(line.startswith("Imported: 3 new") for line in result.summary)
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and "project" not in p.parts}
    run(corpus, mini_codebook, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and "project" not in p.parts} == first
    with project.open_store(out / "project") as store:
        with open(out / "quote-bank.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert rows
        for row in rows:
            source, span = row["ref"].rsplit(":", 1)
            start, end = map(int, span.split("-"))
            assert store.source(source).text[start:end] == row["quote"]
    # By default only the human codings count: the gold coders coded one ashdown transcript, the auto-coder all three.
    assert {r["case"] for r in rows} == {"ashdown"} and {r["coder"] for r in rows} <= {"ann", "ben"}
    assert "Human codings (ann, ben)" in (out / "CSV-README.md").read_text()
    agreement = (out / "agreement.csv").read_text()
    assert agreement.startswith("code,units,prevalence,percent_agreement")


def test_run_without_a_corpus_is_one_line(tmp_path, runner, monkeypatch):
    from ipe.cli import cli

    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["run", "--out", "o"])
    assert result.exit_code == 1
    assert result.output == ("Error: no corpus folder given and corpora/mash-sample not found "
                             "(run from the ipe checkout, or name one)\n")


@pytest.mark.slow  # a whole ipe run, twice
@pytest.mark.parametrize("how", ["option", "environment"])
def test_run_uses_the_global_project(corpus, mini_codebook, tmp_path, runner, how):
    from ipe.cli import cli
    from ipe.store import STORE_NAME

    folder, out = tmp_path / "team-project", tmp_path / "out"
    args = ["run", str(corpus), "--codebook", str(mini_codebook), "--out", str(out), "--quiet", "--no-anonymise"]
    if how == "option":
        result = runner.invoke(cli, ["--project", str(folder), *args])
    else:
        result = runner.invoke(cli, args, env={"IPE_PROJECT": str(folder)})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == ["Project:", str(folder)]
    assert (folder / STORE_NAME).is_file() and not (out / "project").exists()
