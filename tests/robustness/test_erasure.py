"""Erasure holds: after source remove, anonymise and --destroy-key no plaintext stays in the files (issue 16: 8)."""

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipe import project
from ipe.cli import cli
from ipe.store import STORE_NAME

ANON = Path(__file__).resolve().parents[1] / "fixtures" / "anonymise"
SECRETS = ["634 098 1275", "Darren Marsh", "darren.m@example.org", "Fernhill Primary"]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    # The reader these tests hold open never lets go: no point waiting the full two seconds for it.
    monkeypatch.setattr("ipe.store.base.CHECKPOINT_WAIT_MS", 100)
    corpus = tmp_path / "corpus"
    shutil.copytree(ANON, corpus)
    folder = project.init(tmp_path / "proj")
    with project.open_store(folder) as store:
        project.import_sources(store, [corpus / "transcripts"], corpus / "manifest.csv")
    return folder, corpus


def _file_bytes(folder):
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith(STORE_NAME))


def _reader(folder):
    """Another connection holding a read transaction, as ipe serve or a database browser would."""
    conn = sqlite3.connect(folder / STORE_NAME, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("SELECT COUNT(*) FROM sources").fetchone()
    return conn


# (command after import, what must be gone from the files)
ERASURES = [
    ("anonymise", lambda corpus: ["anonymise", "--names", str(corpus / "names.csv"), "--orgs", str(corpus / "orgs.csv"),
                                  "--quiet"], SECRETS),
    ("source remove", lambda corpus: ["source", "remove", "family", "--reason", "withdrew consent"],
     ["My lad Kayden was born on 9 June 2017", "It went to 8 Wren Court, ZZ4 7QX, the old flat"]),
]


@pytest.mark.parametrize("name, words, gone", ERASURES, ids=[e[0] for e in ERASURES])
def test_erasure_leaves_no_plaintext_in_the_files(folder, name, words, gone):
    folder, corpus = folder
    assert all(s.encode() in _file_bytes(folder) for s in gone)
    result = CliRunner().invoke(cli, ["-p", str(folder), *words(corpus)])
    assert result.exit_code == 0, result.output
    data = _file_bytes(folder)
    assert [s for s in gone if s.encode() in data] == []


@pytest.mark.parametrize("name, words, gone", ERASURES, ids=[e[0] for e in ERASURES])
def test_erasure_with_a_reader_open_fails_in_one_line_then_purge_completes_it(folder, name, words, gone):
    folder, corpus = folder
    reader = _reader(folder)
    try:
        result = CliRunner().invoke(cli, ["-p", str(folder), *words(corpus)])
    finally:
        reader.close()
    assert result.exit_code == 1
    error = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(error) == 1 and "another connection to the project is open" in error[0] and "ipe purge" in error[0]
    purged = CliRunner().invoke(cli, ["-p", str(folder), "purge"])
    assert purged.exit_code == 0, purged.output
    data = _file_bytes(folder)
    assert [s for s in gone if s.encode() in data] == []


def test_destroy_key_with_a_reader_open_fails(folder):
    folder, corpus = folder
    runner = CliRunner()
    assert runner.invoke(cli, ["-p", str(folder), "anonymise", "--names", str(corpus / "names.csv"), "--quiet"]).exit_code == 0
    reader = _reader(folder)
    try:
        result = runner.invoke(cli, ["-p", str(folder), "anonymise", "--destroy-key"])
    finally:
        reader.close()
    assert result.exit_code == 1 and "another connection to the project is open" in result.output
    assert not (folder / "pseudonym-key.json").exists()
