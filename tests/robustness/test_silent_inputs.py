"""Nothing is accepted silently, and nothing identifiable leaves an unpseudonymised project (issue 16: 4, 10, 11)."""

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipe import corpus, project, workshop
from ipe.cli import cli
from ipe.errors import IpeError, SourceError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _import(paths, manifest=None):
    report = corpus.ImportReport()
    files = corpus.collect_files(paths, corpus.read_manifest(manifest) if manifest else None, report)
    return files, report.notes


def test_a_symlink_in_the_corpus_folder_is_not_followed_and_is_reported(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "real.txt").write_text("Interviewer: Hi?\nKaren: Hello.\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    os.symlink(secret, folder / "passwd.txt")
    files, notes = _import([folder])
    assert [f.name for f in files] == ["real.txt"]
    assert notes == [f"{folder / 'passwd.txt'}: skipped, a symbolic link (links inside a folder are not followed)"]


@pytest.mark.parametrize("name, what", [("report.pdf", "a PDF"), ("old.doc", "an old Word .doc"),
                                        ("notes.rtf", "an RTF file"), ("voice.m4a", "audio")])
def test_a_document_ipe_cannot_read_is_reported_not_skipped_silently(tmp_path, name, what):
    (tmp_path / "ok.txt").write_text("Interviewer: Hi?\nKaren: Hello.\n")
    (tmp_path / name).write_bytes(b"\x00binary")
    files, notes = _import([tmp_path])
    assert [f.name for f in files] == ["ok.txt"] and notes == [f"{tmp_path / name}: skipped, {what} (save it as .docx or .txt to import it)"]


def test_a_manifest_row_outside_the_imported_folder_is_reported(tmp_path):
    inside, outside = tmp_path / "site-a", tmp_path / "site-b"
    inside.mkdir(), outside.mkdir()
    (inside / "a.txt").write_text("Interviewer: Hi?\nKaren: Hello.\n")
    (outside / "b.txt").write_text("Interviewer: Hi?\nSam: Hello.\n")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,case\nsite-a/a.txt,north\nsite-b/b.txt,south\n")
    files, notes = _import([inside], manifest)
    assert [f.name for f in files] == ["a.txt"]
    assert notes == [f"manifest row 'site-b/b.txt': not imported, the file is outside {inside}"]


def test_vtt_cues_with_bad_timestamps_are_reported(tmp_path, store):
    path = tmp_path / "call.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Karen>We share every morning.\n\n"
                    "00:00:61 --> 00:00:62.000\n<v Karen>This cue has a bad time.\n\n"
                    "00:00:03.000 --> 00:00:04.000\n<v Sam>And health?\n")
    report = project.import_sources(store, [path])
    assert report.notes == [f"{path}: cue skipped, its timing line is not a valid timestamp: '00:00:61 --> 00:00:62.000'"]
    result = CliRunner().invoke(cli, ["-p", str(store.path.parent), "import", str(path)])
    assert result.exit_code == 0 and "Warning: " in result.output and "not a valid timestamp" in result.output


# -- outputs from a project not yet pseudonymised ------------------------------------------------------------------------


EXPORTS = [
    ("tables", ["tables", "--out", "OUT", "--format", "csv"], "the tables would hold names"),
    ("codings export", ["codings", "export", "OUT/codings.csv"], "the codings export would hold names"),
    ("refi export", ["refi", "export", "OUT/project.qdpx"], "the .qdpx export (it holds every source) would hold names"),
]


@pytest.mark.parametrize("name, words, problem", EXPORTS, ids=[e[0] for e in EXPORTS])
def test_exports_from_an_unpseudonymised_project_are_refused_unless_allowed(coded_store, tmp_path, name, words, problem):
    out = tmp_path / "out"
    args = ["-p", str(coded_store.path.parent)] + [w.replace("OUT", str(out)) for w in words]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1 and refused.output.count("\n") == 1 and problem in refused.output
    assert "--allow-identifiable" in refused.output and not out.exists()
    allowed = CliRunner().invoke(cli, args + ["--allow-identifiable"])
    assert allowed.exit_code == 0, allowed.output
    assert any(out.iterdir())


# -- workshop packs ------------------------------------------------------------------------------------------------------


@pytest.fixture
def pack(tmp_path):
    """A real pack built from the shipped sample, with its project."""
    from ipe import run

    out = tmp_path / "reports"
    run.run(out=out, project_dir=tmp_path / "proj")
    return tmp_path / "proj", out / "sense-check-pack.docx"


def _edit_pack(path, target, change):
    import docx

    document = docx.Document(path)
    change(document)
    document.save(target)
    return target


@pytest.mark.slow
def test_pack_problems_are_reported_not_counted(pack, tmp_path):
    import copy

    folder, path = pack
    forged = _edit_pack(path, tmp_path / "forged.docx",
                        lambda d: setattr(d.core_properties, "identifier", "PACK-0000000000"))
    with project.open_store(folder) as store:
        _, cb = project.current_codebook(store)
        with pytest.raises(SourceError, match="pack id PACK-0000000000 was not issued by this project"):
            workshop.ingest_packs(store, cb, [forged])

        def duplicate(document):
            table = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("Response to "))
            table._tbl.addnext(copy.deepcopy(table._tbl))

        doubled = _edit_pack(path, tmp_path / "doubled.docx", duplicate)
        [result] = workshop.ingest_packs(store, cb, [doubled])
        assert any("a second response table for it; only the first is counted" in p for p in result.problems)
