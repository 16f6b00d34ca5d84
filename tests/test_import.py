"""Importing into a project: idempotent by content hash, changes reported, failures roll back."""

import os
import stat

import pytest

from ipe import corpus, project
from ipe.errors import CodingError, ManifestError, SourceError


def test_init_is_owner_only(tmp_path):
    folder = project.init(tmp_path / "p")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "ipe.db").st_mode) == 0o600


def test_import_every_convention_then_unchanged(store, transcripts):
    report = project.import_sources(store, [transcripts])
    assert report.count("new") == 13
    assert store.source("paragraphs").format == "docx"
    again = project.import_sources(store, [transcripts])
    assert again.count("unchanged") == 13 and again.count("new") == 0
    assert len(store.source_ids()) == 13


def test_same_text_under_new_name_is_skipped(store, transcripts):
    project.import_sources(store, [transcripts / "caps.txt"])
    (transcripts / "copy.txt").write_bytes((transcripts / "caps.txt").read_bytes())
    report = project.import_sources(store, [transcripts / "copy.txt"])
    assert report.rows == [("copy", "skipped", "same text as source 'caps'")]
    # two identical new files in one import: the second is skipped too
    (transcripts / "twin-a.txt").write_text("Ann: Same words.\nAnn: Again.\n")
    (transcripts / "twin-b.txt").write_text("Ann: Same words.\nAnn: Again.\n")
    report = project.import_sources(store, [transcripts / "twin-a.txt", transcripts / "twin-b.txt"])
    assert report.rows == [("twin-a", "new", "2 turns, 2 sentences"), ("twin-b", "skipped", "same text as source 'twin-a'")]


def test_changed_source_reanchors_human_codings(store, transcripts, mini_codebook, tmp_path):
    path = transcripts / "colon.txt"
    project.import_sources(store, [path])
    project.auto_code(store, mini_codebook)
    codings = tmp_path / "c.csv"
    codings.write_text("source,code,quote\ncolon,mech-trust,I trust her judgement though.\n"
                       "colon,grp-fathers,The dad was never asked.\n")
    project.import_codings(store, codings, "alice")
    original = path.read_text()
    path.write_text("Interviewer: A new opening question?\n" + original.replace("The dad was never asked.", "Nobody."))
    before = store.logical_checksum()
    with pytest.raises(SourceError, match="1 human codings would lose their quote .*give --replace"):
        project.import_sources(store, [path])
    assert store.logical_checksum() == before
    report = project.import_sources(store, [path], replace=True)
    assert report.rows[0][1] == "changed" and "1 orphaned" in report.rows[0][2]
    assert [v[3] for v in store.source_versions("colon")] == [corpus.normalise(original)]
    text = store.source("colon").text
    kept = store.codings(coders=["alice"])
    assert [(c.code_id, text[c.start:c.end]) for c in kept] == [("mech-trust", "I trust her judgement though.")]
    assert [c.code_id for c in store.codings(coders=["alice"], status="orphaned")] == ["grp-fathers"]
    assert store.codings(coders=["auto"], sources=["colon"]) == []  # stale auto codings dropped


def test_failed_import_leaves_store_unchanged(store, transcripts):
    project.import_sources(store, [transcripts / "caps.txt"])
    before = store.logical_checksum()
    (transcripts / "zz-broken.docx").write_bytes(b"not a zip")
    with pytest.raises(SourceError, match="zz-broken.docx: not a Word .docx file"):
        project.import_sources(store, [transcripts])
    assert store.logical_checksum() == before


def test_interrupted_write_rolls_back(store, transcripts, monkeypatch):
    before = store.logical_checksum()
    calls = {"n": 0}
    original = store.write_source

    def explode(source, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        original(source, **kwargs)

    monkeypatch.setattr(store, "write_source", explode)
    with pytest.raises(KeyboardInterrupt):
        project.import_sources(store, [transcripts])
    assert store.logical_checksum() == before


def test_manifest_attributes_roles_and_update(store, transcripts, tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,case,participant,role,agency,speakers,extra\n"
                        "transcripts/colon.txt,ashdown,Karen Holt,MASH manager,social care,Karen=MASH manager,kept\n")
    project.import_sources(store, [transcripts], manifest)
    assert store.source_ids() == ["colon"]  # with a manifest only its files are imported
    src = store.source("colon")
    assert src.attributes["extra"] == "kept" and src.attributes["case"] == "ashdown"
    assert {t.speaker: t.role for t in src.turns} == {"Interviewer": "interviewer", "Karen": "MASH manager"}
    manifest.write_text(manifest.read_text().replace("ashdown", "bramwell"))
    report = project.import_sources(store, [transcripts], manifest)
    assert report.rows[-1] == ("colon", "attributes updated", "")
    assert store.source("colon").attributes["case"] == "bramwell"


def test_manifest_naming_missing_file(store, transcripts, tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,case\ntranscripts/nope.txt,x\n")
    with pytest.raises(ManifestError, match="m.csv: line 2: names a missing file"):
        project.import_sources(store, [transcripts], manifest)
    assert store.source_ids() == []


def test_csv_answers_become_sources(store, tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("LA,region,answer\nLA1,north,We share information daily.\nLA2,south,\nLA3,east,No MASH here.\n")
    project.import_sources(store, [answers], text_column="answer", id_column="LA")
    assert store.source_ids() == ["answers-la1", "answers-la3"]
    assert store.source("answers-la1").attributes == {"LA": "LA1", "region": "north", "data_type": "survey"}
    with pytest.raises(SourceError, match="needs --text-column"):
        project.import_sources(store, [answers])


def test_codings_import_all_or_nothing(coded_store, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("source,code,start,end,quote\n"
                   "colon,mech-trust,,,I trust her judgement though.\n"
                   "colon,nope,0,5,\n"
                   "ghost,mech-trust,0,5,\n"
                   "colon,mech-trust,0,99999,\n"
                   "colon,mech-trust,0,5,wrong words\n"
                   "colon,mech-trust,,,not in the text at all\n")
    before = coded_store.logical_checksum()
    with pytest.raises(CodingError) as info:
        project.import_codings(coded_store, bad, "bob")
    problems = info.value.problems
    assert problems == [
        "line 3: unknown code 'nope'",
        "line 4: unknown source 'ghost'",
        f"line 5: offsets 0-99999 outside the text of 'colon' (0-{len(coded_store.source('colon').text)})",
        "line 6: offsets 0-5 do not hold the quoted text",
        "line 7: quote not found in 'colon': \"not in the text at all\"",
    ]
    assert coded_store.logical_checksum() == before
    added, skipped = project.import_codings(coded_store, bad, "bob", skip_invalid=True)
    assert added == 1 and len(skipped) == 5


def test_codings_export_import_round_trip(coded_store, tmp_path):
    from ipe import exporters, tables

    table = tables.codings_table(coded_store, ["auto"])
    path = exporters.write("csv", {"codings": table}, tmp_path / "out.csv")[0]
    added, _ = project.import_codings(coded_store, path, "copy")
    assert added == len(table)
    copy = tables.codings_table(coded_store, ["copy"])
    assert copy[["source", "code", "start", "end", "quote"]].equals(table[["source", "code", "start", "end", "quote"]])


def test_review_round_trip(coded_store, tmp_path):
    from ipe import exporters, tables

    _, cb = project.current_codebook(coded_store)
    sheet = tables.review_sheet(coded_store, cb)
    sheet["decision"] = ["accept" if i % 2 == 0 else "reject" for i in range(len(sheet))]
    path = exporters.write("csv", {"review": sheet}, tmp_path / "review.csv")[0]
    result = project.apply_review(coded_store, path, "carol")
    accepted = (len(sheet) + 1) // 2
    assert result == {"accepted": accepted, "rejected": len(sheet) - accepted, "new_codings": accepted, "moved": 0}
    assert len(coded_store.codings(coders=["carol"])) == accepted
    assert len(coded_store.reviews("auto")) == len(sheet)
    # applying the same sheet again adds no duplicate codings
    assert project.apply_review(coded_store, path, "carol")["new_codings"] == 0


def test_memos_and_source_removal(coded_store):
    project.add_memo(coded_store, "source", "colon", "Long answers about consent.", "ana")
    project.add_memo(coded_store, "cell", "ashdown|mech-trust", "Trust is thin here.", "ana")
    with pytest.raises(Exception, match="no code 'ghost'"):
        project.add_memo(coded_store, "code", "ghost", "x", "ana")
    assert [m.target for m in coded_store.memos()] == ["colon", "ashdown|mech-trust"]
    project.remove_source(coded_store, "colon", "participant withdrew")
    assert "colon" not in coded_store.source_ids()
    assert coded_store.codings(sources=["colon"], status=None) == []
    assert [m.target for m in coded_store.memos()] == ["ashdown|mech-trust"]
    assert coded_store.audit_log()[-1].action == "source remove"
