"""The shipped corpus and codebook work together: every code fires, every quote re-slices, gold coders agree."""

from pathlib import Path

import pytest

from ipe import project, tables
from ipe.agreement import coder_agreement
from ipe.run import gold_files

# End to end on the shipped or a generated corpus: minutes, not seconds.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora" / "mash-sample"
CODEBOOK = ROOT / "codebooks" / "mash-programme-theory.yaml"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    folder = project.init(tmp_path_factory.mktemp("shipped") / "proj")
    store = project.open_store(folder)
    project.import_sources(store, [CORPUS], CORPUS / "manifest.csv")
    project.auto_code(store, CODEBOOK)
    for coder, path in gold_files(CORPUS):
        project.import_codings(store, path, coder)
    yield store
    store.close()


def test_every_document_imported_with_speakers(shipped):
    summaries = shipped.source_summaries()
    assert len(summaries) == 25 and sum(s["words"] for s in summaries) > 40_000
    interviews = [s for s in summaries if s["attributes"].get("data_type") == "interview"]
    assert interviews and all(s["speakers"] >= 2 for s in interviews)
    assert {s["attributes"]["mash_model"] for s in summaries if s["attributes"].get("case") != "national"} == {
        "risk-focused", "hybrid", "needs-and-planning"}


def test_every_code_is_auto_coded_and_quotes_reslice(shipped):
    _, cb = project.current_codebook(shipped)
    counts = tables.code_counts(shipped, cb, coders=["auto"])
    never = counts[(counts.type != "theme") & (counts.segments == 0)]
    assert never.empty, f"codes never coded: {list(never.code)}"
    texts = {}
    for row in tables.quote_bank(shipped, cb).itertuples():
        text = texts.setdefault(row.source, shipped.source(row.source, structure=False).text)
        assert text[row.start:row.end] == row.quote


def test_gold_coders_agreement_is_computed(shipped):
    table, diffs = coder_agreement(shipped, ["coder-a", "coder-b"], "sentence")
    overall = table.set_index("code").loc["overall"]
    assert overall["units"] > 1000
    assert 0 < overall["krippendorff_alpha"] <= 1
    assert set(diffs.source) <= {"ash-int-01", "bra-int-02", "cor-obs-01"}


def test_installed_pipeline_can_replace_blank_english(tmp_path, store, transcripts, mini_codebook):
    import spacy

    nlp = spacy.blank("en")
    nlp.to_disk(tmp_path / "my_pipeline")  # stands in for an installed package: spacy.load takes either
    project.import_sources(store, [transcripts / "colon.txt"], model=str(tmp_path / "my_pipeline"))
    report = project.auto_code(store, mini_codebook, model=str(tmp_path / "my_pipeline"))
    assert report.codings > 0
    with pytest.raises(Exception, match="is not installed"):
        project.auto_code(store, mini_codebook, model="no_such_pipeline_xyz")


def _output_texts(out):
    import zipfile

    texts = {}
    for path in out.rglob("*"):
        if not path.is_file() or "project" in path.relative_to(out).parts[:1]:
            continue
        if path.suffix in (".docx", ".xlsx", ".qdpx"):
            with zipfile.ZipFile(path) as z:
                texts[path] = " ".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist()
                                       if n.endswith((".xml", ".txt", ".qde")))
        elif path.suffix != ".png":
            texts[path] = path.read_text(encoding="utf-8", errors="ignore")
    return texts


def test_ipe_run_offline_leaves_no_identifier_in_any_output(tmp_path, monkeypatch):
    import csv
    import re
    import socket

    from ipe.run import run

    def refuse(*args, **kwargs):
        raise AssertionError("ipe tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.chdir(ROOT)
    out = tmp_path / "reports"
    result = run(out=out)
    assert (out / "sense-check-pack.docx").is_file() and (out / "project.qdpx").is_file()
    texts = _output_texts(out)
    assert len(texts) > 30
    with open(CORPUS / "planted-identifiers.csv", encoding="utf-8") as fh:
        planted = [r for r in csv.DictReader(fh) if r["kind"] in ("phone", "nhs_number", "ni_number", "postcode",
                                                                   "email", "dob")]
    with open(CORPUS / "manifest.csv", encoding="utf-8") as fh:
        names = {r["participant"] for r in csv.DictReader(fh) if r["participant"]}
    assert len(planted) >= 15 and len(names) >= 18
    leaks = [(p.name, r["text"]) for p, t in texts.items() for r in planted if r["text"] in t]
    leaks += [(p.name, n) for p, t in texts.items() for n in names if re.search(rf"\b{re.escape(n)}\b", t)]
    assert leaks == []
    assert any(line.startswith("Pseudonymised:") for line in result.summary)


def test_by_model_comparison_shows_the_contrasts_the_corpus_was_written_with(shipped):
    from ipe import cmo

    _, cb = project.current_codebook(shipped)
    risk = cmo.subgraph_by(shipped, cb, "mash_model", "risk-focused")
    needs = cmo.subgraph_by(shipped, cb, "mash_model", "needs-and-planning")
    table = cmo.compare(risk, needs, ("risk", "needs"))

    def evidence(code):
        rows = table[(table["from"] == code) | (table["to"] == code)]
        return rows["sources_risk"].sum(), rows["sources_needs"].sum()

    for code in ("out-bounced-back", "ctx-workforce-turnover"):
        r, n = evidence(code)
        assert r > n, (code, r, n)
    for code in ("out-swift-needs-assessment", "out-escalation-prevented", "out-parents-informed",
                 "out-confidence-wellbeing"):
        r, n = evidence(code)
        assert n > r, (code, r, n)
