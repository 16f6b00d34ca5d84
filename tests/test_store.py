"""The project store: schema, migrations with a backup, transactions, busy handling, integrity."""

import sqlite3

import pytest

from ipe import store as store_module
from ipe.errors import ProjectBusy, ProjectError
from ipe.store import SCHEMA_VERSION, Store


@pytest.fixture
def sqlite_store(tmp_path):
    with Store.create(tmp_path / "proj") as s:
        yield s


def test_schema_on_either_backend(store):
    assert store.schema_version == SCHEMA_VERSION
    assert {"sources", "codings", "codebooks", "audit", "meta"} <= set(store.table_names())
    assert store.integrity_check() == "ok"
    assert store.audit_log()[0].action == "migrate"


def test_pragmas_and_schema(sqlite_store):
    store = sqlite_store
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.schema_version == SCHEMA_VERSION
    indexes = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"codings_source", "codings_code", "codings_coder", "source_attributes_kv"} <= indexes
    assert store.integrity_check() == "ok"


def test_migration_from_version_one_backs_up_first(tmp_path, monkeypatch):
    folder = tmp_path / "p"
    monkeypatch.setattr(store_module.migrations, "SCHEMA_VERSION", 1)
    with Store.create(folder) as old:
        assert old.schema_version == 1
        old.conn.execute("INSERT INTO coders (name, kind, created_at) VALUES ('ann', 'human', 'x')")
    monkeypatch.setattr(store_module.migrations, "SCHEMA_VERSION", len(store_module.MIGRATIONS))
    with Store.open(folder) as new:
        assert new.schema_version == len(store_module.MIGRATIONS)
        assert new.coders() == {"ann": "human"}
        assert new.audit_log()[-1].action == "migrate"
    backup = sqlite3.connect(folder / "ipe.db.bak-1")
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 1
    backup.close()


def test_newer_store_is_refused(tmp_path):
    folder = tmp_path / "p"
    with Store.create(folder) as s:
        s.conn.execute("PRAGMA user_version = 999")
    with pytest.raises(ProjectError, match="newer than this ipe supports"):
        Store.open(folder)


def test_corrupt_store_is_one_line(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "ipe.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ProjectError, match="cannot open the project store"):
        Store.open(folder)


def test_transaction_rolls_back(store):
    with pytest.raises(RuntimeError):
        with store.transaction("t", "test"):
            store.ensure_coder("ann", "human")
            raise RuntimeError("boom")
    assert store.coders() == {}
    assert [e.action for e in store.audit_log()] == ["migrate"]


def test_busy_is_reported(sqlite_store, monkeypatch):
    store = sqlite_store
    monkeypatch.setattr(store_module.backend, "BUSY_TIMEOUT_MS", 50)
    other = Store.open(store.path.parent)
    other.conn.execute("PRAGMA busy_timeout = 50")
    other.conn.execute("BEGIN IMMEDIATE")
    try:
        store.conn.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(ProjectBusy, match="project busy"):
            with store.transaction("t", "test"):
                pass
    finally:
        other.conn.execute("ROLLBACK")
        other.close()


def test_backup_is_a_consistent_copy(coded_store, tmp_path):
    path = coded_store.backup(tmp_path / "copy.db")
    copy = sqlite3.connect(path)
    assert copy.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == len(coded_store.codings())
    copy.close()
    with Store.open(tmp_path, f"sqlite:///{path}") as reopened:
        assert reopened.logical_checksum() == coded_store.logical_checksum()


def test_meta_survey_and_case_links(coded_store):
    with coded_store.transaction():
        coded_store.set_meta("pseudonymised", "no")
        coded_store.replace_survey([("LA1", "q1", "yes"), ("LA1", "q2", "3")])
        coded_store.link_case("ashdown", "LA1")
    assert coded_store.get_meta("pseudonymised") == "no"
    assert coded_store.survey_responses() == [("LA1", "q1", "yes"), ("LA1", "q2", "3")]
    assert coded_store.case_links() == {"ashdown": "LA1"}
