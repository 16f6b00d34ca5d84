"""A file named after a person never carries the name into the store or an output (issue 16, case 5).

Source ids come from file names; in a pseudonymised project the id, name and path go through the pseudonym key like
the text, and the original id is kept only in the key.
"""

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from ipe import pack, project
from ipe.anonymise import pseudonymise_project, read_key
from ipe.run import run
from ipe.source_names import LabelNames, pseudonymise_label, words
from ipe.anonymise import Pseudonyms
from ipe.identifiers import build_register

NAMES = ("holt", "brennan")


@pytest.fixture
def named_corpus(tmp_path, fixtures):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(fixtures / "transcripts" / "colon.txt", folder / "Holt-family.txt")
    # Brennan is only in the names file and the file name, never in the text.
    shutil.copy(fixtures / "transcripts" / "caps.txt", folder / "brennan_interview.txt")
    shutil.copy(fixtures / "transcripts" / "fieldnotes.txt", folder / "fieldnotes.txt")
    (folder / "manifest.csv").write_text(
        "file,case,participant,role,speakers\n"
        "Holt-family.txt,ashdown,Karen Holt,parent,Karen=parent\n"
        "brennan_interview.txt,bramwell,,social worker,\n"
        "fieldnotes.txt,ashdown,,observer,\n")
    (folder / "names.csv").write_text("name,kind\nBrennan,parent\n")
    (folder / "gold" / "ann").mkdir(parents=True)
    (folder / "gold" / "ann" / "holt-family.csv").write_text(  # named after its source, as in the sample
        "source,code,quote\nholt-family,mech-trust,I trust her judgement though.\n"
        "holt-family,grp-fathers,The dad was never asked.\n")
    (folder / "evidence.csv").write_text("config,source,quote,relation,elements,rationale,linked_by\n"
                                         "CMO-01,holt-family,I trust her judgement though.,supports,mechanism,"
                                         "Trust in a colleague's judgement,ann\n")
    return folder


def _contents(path: Path) -> list[tuple[str, str]]:
    """``(where, text)`` of a file, and of every member when it is a zip (xlsx, docx, qdpx)."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return [(f"{path.name}:{m}", z.read(m).decode("utf-8", "replace")) for m in z.namelist()]
    return [(path.name, data.decode("utf-8", "replace"))]


def _leaks(out: Path) -> list[str]:
    found = []
    for path in sorted(p for p in out.rglob("*") if p.is_file() and "project" not in p.relative_to(out).parts):
        for where, text in _contents(path):
            found += [f"{where}: {name}" for name in NAMES if re.search(name, text, re.IGNORECASE)]
    return found


@pytest.mark.slow
def test_no_output_of_ipe_run_carries_a_name_from_a_file_name(named_corpus, mini_codebook, tmp_path):
    out = tmp_path / "out"
    run(named_corpus, mini_codebook, out)
    with project.open_store(out / "project") as store:
        from ipe.project import current_codebook

        _, cb = current_codebook(store)
        pack.build_pack(store, cb, out / "all-statuses-pack.docx", ("supported", "partial", "contested", "emergent"))
        ids = store.source_ids()
        stored = [(s.id, s.name, s.path) for s in store.iter_sources(structure=False)]
        assert len(store.codings(coders=["ann"])) == 2 and len(store.evidence()) == 1  # referred by old id, followed
    assert "fieldnotes" in ids and len(ids) == 3
    assert not [s for s in stored if any(n in str(s).lower() for n in NAMES)]
    outputs = {p.name for p in out.rglob("*") if p.is_file()}
    assert {"quote-bank.csv", "project.qdpx", "findings-tables.xlsx", "findings-tables.docx",
            "all-statuses-pack.docx"} <= outputs
    assert _leaks(out) == []
    # The key alone links the new ids back to the files.
    assert sorted(read_key(out / "project")["sources"]) == ["brennan-interview", "holt-family"]
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and "project" not in p.parts}
    result = run(named_corpus, mini_codebook, out)  # a re-run maps every file to the source it made
    assert any(line.startswith("Imported: 3 unchanged") for line in result.summary)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and "project" not in p.parts
            and p.name != "all-statuses-pack.docx"} == {p: b for p, b in first.items()
                                                      if p.name != "all-statuses-pack.docx"}


def test_a_renamed_source_keeps_its_work_and_a_reimport_finds_it(store, named_corpus, mini_codebook, tmp_path):
    folder = store.path.parent
    corpus = named_corpus
    project.import_sources(store, [corpus / "Holt-family.txt", corpus / "fieldnotes.txt"], corpus / "manifest.csv")
    project.load_codebook(store, mini_codebook)
    project.import_codings(store, corpus / "gold" / "ann" / "holt-family.csv", "ann")
    project.add_memo(store, "source", "holt-family", "Mother and father both present.", "ann")
    pseudonymise_project(store, folder)
    [renamed] = [sid for sid in store.source_ids() if sid != "fieldnotes"]
    assert "holt" not in renamed and store.source(renamed).name == f"{renamed}.txt"
    assert len(store.codings(sources=[renamed], coders=["ann"])) == 2
    assert {c.provenance.split(":")[0] for c in store.codings(coders=["ann"])} == {f"import {renamed}.csv"}
    assert [m.text for m in store.memos("source", renamed)] == ["Mother and father both present."]
    assert store.memos("source", "holt-family") == []
    before = store.source_hashes()
    report = project.import_sources(store, [corpus / "Holt-family.txt"], corpus / "manifest.csv")
    assert report.rows == [(renamed, "unchanged", "")] and store.source_hashes() == before
    path = corpus / "Holt-family.txt"
    path.write_text("Interviewer: A new first question?\n\n" + path.read_text())
    report = project.import_sources(store, [path], corpus / "manifest.csv")
    assert [r[:2] for r in report.rows] == [(renamed, "changed")]
    assert sorted(store.source_ids()) == sorted(["fieldnotes", renamed])


def test_a_file_imported_later_is_named_through_the_key(store, named_corpus, tmp_path):
    corpus = named_corpus
    project.import_sources(store, [corpus / "Holt-family.txt"], corpus / "manifest.csv")
    pseudonymise_project(store, store.path.parent, names=corpus / "names.csv")
    later = tmp_path / "later" / "Karen-Holt second.txt"
    later.parent.mkdir()
    later.write_text("Interviewer: Again?\nKaren: We sat with the police every morning.\n")
    project.import_sources(store, [later])
    assert not [s for s in store.source_ids() if re.search("holt|karen", s)]
    assert not [s.name for s in store.iter_sources(structure=False) if re.search("holt|karen", s.name, re.I)]


LABELS = [
    ("brennan-family", "parent-1-family"),
    ("Brennan Family.docx", "parent-1 Family.docx"),
    ("interview_KAREN_HOLT_2", "interview_parent-2_2"),
    ("holt", "parent-2"),
    ("ash-int-01", "ash-int-01"),       # words that are no name are left alone
    ("brennanfamily", "brennanfamily"),  # only whole words
    ("parent-1-family", "parent-1-family"),  # already pseudonymised: unchanged
    ("", ""),
]


@pytest.mark.parametrize("label, expected", LABELS, ids=[c[0] or "empty" for c in LABELS])
def test_label_words_that_are_names_become_pseudonyms(label, expected):
    register = build_register([("Karen Holt", "parent")], [("Brennan", "parent")])
    pseudonyms = Pseudonyms()
    names = LabelNames(pseudonyms, register)
    pseudonymise_label("brennan", names)  # numbering in order of first use: Brennan 1, Karen Holt 2
    pseudonymise_label("karen holt", names)
    assert pseudonymise_label(label, names)[0] == expected


def test_words_form():
    assert words(" Tia-Mae  RIDLEY.txt") == "tia mae ridley txt"


def test_codings_imported_after_pseudonymising_find_a_renamed_source_by_its_original_id(store, named_corpus,
                                                                                          mini_codebook):
    corpus = named_corpus
    project.import_sources(store, [corpus / "Holt-family.txt"], corpus / "manifest.csv")
    project.load_codebook(store, mini_codebook)
    pseudonymise_project(store, store.path.parent)
    added, problems = project.import_codings(store, corpus / "gold" / "ann" / "holt-family.csv", "ann")
    assert (added, problems) == (2, [])
    [renamed] = store.source_ids()
    assert all(c.source_id == renamed and "holt" not in c.provenance.lower() for c in store.codings(coders=["ann"]))


def test_a_rename_carries_every_row_that_refers_to_the_source(store, named_corpus, mini_codebook):
    corpus = named_corpus
    project.import_sources(store, [corpus / "Holt-family.txt"], corpus / "manifest.csv")
    project.load_codebook(store, mini_codebook)
    project.import_codings(store, corpus / "gold" / "ann" / "holt-family.csv", "ann")
    tables = [t for t in store.table_names() if "source_id" in store.backend.columns(store.conn, t)]
    before = {t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    pseudonymise_project(store, store.path.parent)
    after = {t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    assert after == before and before["codings"] == 2
    [renamed] = store.source_ids()
    for table in tables:
        assert store.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE source_id = 'holt-family'").fetchone()[0] == 0
