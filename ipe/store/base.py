"""Opening a store, migrating it, transactions, the audit log, copies and the logical checksum."""

from __future__ import annotations

import contextlib
import datetime as _dt
import getpass
import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator, Optional

from ipe.errors import ProjectError
from ipe.records import AuditEntry
from ipe.store import backend as _backend
from ipe.store import migrations as _migrations
from ipe.store.backend import CONFIG_NAME, STORE_NAME, Location, backend_for, locate, write_config


# Tables whose rows are not project content: sign-in sessions. A copy or backup leaves them behind (everyone signs
# in again on the new server, and a backup holds no live session), and the logical checksum ignores them (signing
# in changes nothing in the project; the audit log records it).
EPHEMERAL_TABLES = frozenset({"sessions"})
# How long an erasure waits for other readers of a SQLite store to let go before it says so and stops.
CHECKPOINT_WAIT_MS = 2000


def now() -> str:
    """The current UTC time as an ISO 8601 string (seconds)."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "unknown"


class StoreBase:
    """What every store has, whatever the backend: opening, migrations, transactions, audit, checksum."""

    def __init__(self, path: Path, conn, backend=None, location: Optional[Location] = None):
        self.path = path
        self.conn = conn
        self.backend = backend or _backend.SqliteBackend(path)
        self.location = location or Location(path.parent)
        self._in_transaction = False

    # -- opening -----------------------------------------------------------------------------------------------

    @classmethod
    def create(cls, project: str | os.PathLike, database: Optional[str] = None):
        """Create a project folder (owner-only) with an empty store, or open the store already there.

        ``database`` (or ``$IPE_DATABASE``) puts the store in PostgreSQL; the folder then keeps only its URL.
        """
        folder = Path(project)
        location = locate(folder, database)
        folder = location.folder
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        if location.database:
            if location.sqlite_file.exists():
                raise ProjectError(f"{folder}: already a SQLite project; move it with 'ipe db copy --to URL'")
            store = cls._connect(location)
            write_config(folder, location.database)
            return store
        db = location.sqlite_file
        if not db.exists():
            # Create the file owner-only before SQLite writes anything into it.
            fd = os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
        return cls._connect(location)

    @classmethod
    def open(cls, project: str | os.PathLike, database: Optional[str] = None):
        """Open an existing project's store, migrating it forward if it is older than this ipe."""
        location = locate(Path(project), database)
        if location.database:
            store = cls._connect(location, must_exist=True)
            return store
        db = location.sqlite_file
        if not db.is_file():
            raise ProjectError(f"{project}: not an ipe project (no {STORE_NAME}); run 'ipe init {project}' first")
        return cls._connect(location)

    @classmethod
    def _connect(cls, location: Location, must_exist: bool = False, migrate_to: Optional[int] = None,
                 record: bool = True):
        backend = backend_for(location)
        conn = backend.connect()
        path = location.folder / CONFIG_NAME if location.database else location.sqlite_file
        store = cls(path, conn, backend, location)
        try:
            version = backend.get_version(conn)
            if must_exist and version == 0:
                raise ProjectError(f"{backend.label}: not an ipe project (empty database); run"
                                   f" 'ipe init --database URL' first")
            store._migrate(version, _migrations.SCHEMA_VERSION if migrate_to is None else migrate_to, record)
        except BaseException:
            conn.close()
            raise
        return store

    def _migrate(self, version: int, target: int, record: bool = True) -> None:
        if version > _migrations.SCHEMA_VERSION:
            raise ProjectError(f"{self.label}: store schema {version} is newer than this ipe supports"
                               f" ({_migrations.SCHEMA_VERSION})")
        if version >= target:
            return
        if version > 0:
            # A copy beside the store before any migration touches it.
            self.backup(self.location.folder / f"{STORE_NAME}.bak-{version}")
        # ``record=False`` is for the target of a copy, whose audit log is about to be the source's.
        with self.transaction("ipe", "migrate" if record else None, {"from": version, "to": target}):
            version = self.backend.get_version(self.conn)  # another process may have migrated meanwhile
            for step in range(version, target):
                for statement in _migrations.MIGRATIONS[step].split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
            self.backend.set_version(self.conn, target)
            # A migration that rebuilds a table copies its rows with their keys; new keys go on after them.
            self.backend.after_copy(self.conn, self.table_names())

    @property
    def label(self) -> str:
        """Where the store is, for messages: the SQLite file or the database URL without its password."""
        return self.backend.label

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self.backend.get_version(self.conn)

    # -- transactions and audit ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, actor: Optional[str] = None, action: Optional[str] = None, detail=None) -> Iterator:
        """Run the block as one transaction; with ``action``, record it in the audit log."""
        if self._in_transaction:
            yield self
            return
        self.backend.begin(self.conn)
        self._in_transaction = True
        try:
            yield self
            if action:
                self.audit(actor or default_actor(), action, detail)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        finally:
            self._in_transaction = False

    def audit(self, actor: str, action: str, detail=None) -> None:
        text = detail if isinstance(detail, str) else json.dumps(detail or {}, sort_keys=True, ensure_ascii=False)
        self.conn.execute("INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)", (now(), actor, action, text))

    def audit_log(self, limit: Optional[int] = None) -> list[AuditEntry]:
        sql = "SELECT id, at, actor, action, detail FROM audit ORDER BY id"
        rows = self.conn.execute(sql).fetchall()
        if limit:
            rows = rows[-limit:]
        return [AuditEntry(*r) for r in rows]

    # -- project metadata ------------------------------------------------------------------------------------------

    def get_meta(self, key: str, default: Optional[str] = None) -> Optional[str]:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    # -- copies and checks -------------------------------------------------------------------------------------------

    def backup(self, target: str | os.PathLike) -> Path:
        """Write a consistent copy of the store to the SQLite file ``target`` (a folder gets ``ipe.db`` in it)."""
        target = Path(target)
        if target.is_dir():
            target = target / STORE_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        if isinstance(self.conn, sqlite3.Connection):
            dest = sqlite3.connect(target)
            try:
                self.conn.backup(dest)
            finally:
                dest.close()
            return target
        from ipe.store.copy import copy_rows

        version = self.schema_version
        with type(self)._connect(Location(target.parent, file=target), migrate_to=version, record=False) as dest:
            copy_rows(self, dest)
        return target

    def table_names(self, content_only: bool = False) -> list[str]:
        """The store's tables, by name (the schema-version bookkeeping left out); ``content_only`` leaves out
        :data:`EPHEMERAL_TABLES` too."""
        tables = self.backend.tables(self.conn)
        return [t for t in tables if t not in EPHEMERAL_TABLES] if content_only else tables

    def logical_checksum(self) -> str:
        """A hash of every table's rows (not of the file, and the same on either backend), to prove a command
        changed nothing or a copy lost nothing (sign-in sessions are not content and are left out). Rows are hashed one by one and the hashes sorted, so neither row
        order nor the backend's sorting rules matter."""
        digest = hashlib.sha256()
        for table in self.table_names(content_only=True):
            columns = self.backend.columns(self.conn, table)
            digest.update(f"{table}({','.join(columns)})".encode())
            rows = sorted(hashlib.sha256(repr(tuple(row)).encode()).digest()
                          for row in self.conn.execute(f"SELECT * FROM {table}"))
            for row in rows:
                digest.update(row)
        return digest.hexdigest()

    def checkpoint(self) -> bool:
        """Move the write-ahead log into the database file and empty it; False if another connection prevents it
        (after waiting :data:`CHECKPOINT_WAIT_MS` for it to let go).

        On PostgreSQL there is no file of the project's to empty (the server keeps its own log): always True.
        """
        if not isinstance(self.conn, sqlite3.Connection):
            return True
        self.conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
        try:
            busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError as exc:
            if _backend._is_busy(exc):
                return False
            raise
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {_backend.BUSY_TIMEOUT_MS}")
        wal = Path(str(self.path) + "-wal")
        return busy == 0 and (not wal.exists() or wal.stat().st_size == 0)

    def leftovers(self, needles: Iterable[str]) -> list[str]:
        """Of ``needles``, those in the store's files (database and WAL) but in no live row: text erasure missed."""
        needles = [n for n in needles if n]
        if not isinstance(self.conn, sqlite3.Connection):
            return []  # the server's files are not the project's to read
        found = set()
        for name in (self.path, Path(str(self.path) + "-wal")):
            if not name.exists():
                continue
            encoded = [(n, n.encode("utf-8")) for n in needles if n not in found]
            longest = max((len(b) for _, b in encoded), default=0)
            tail = b""
            with open(name, "rb") as fh:
                while encoded:
                    block = fh.read(1 << 20)
                    if not block:
                        break
                    window = tail + block
                    for n, b in encoded:
                        if b in window:
                            found.add(n)
                    encoded = [(n, b) for n, b in encoded if n not in found]
                    tail = window[-longest:] if longest else b""
        if not found:
            return []
        live = set()
        tables = [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")]
            for column in columns:
                for n in found - live:
                    hit = self.conn.execute(f"SELECT 1 FROM {table} WHERE instr(CAST({column} AS TEXT), ?) > 0 LIMIT 1",
                                            (n,)).fetchone()
                    if hit:
                        live.add(n)
        return sorted(found - live)

    def integrity_check(self) -> str:
        return self.backend.integrity_check(self.conn)
