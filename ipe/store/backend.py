"""Where a project's store lives and how to talk to it: a SQLite file in the folder, or a PostgreSQL database.

Both backends hand the store a connection with the same small interface as :class:`sqlite3.Connection`:
``execute(sql, params)`` and ``executemany(sql, rows)`` returning a cursor (``fetchone``, ``fetchall``, iteration,
``rowcount``, ``lastrowid``, ``description``), and ``close()``. SQLite gets the real ``sqlite3`` connection; PostgreSQL
gets :class:`PgConnection`, which translates each statement (see :mod:`ipe.store.dialect`). Around that, a
:class:`Backend` knows the few things that differ: how to begin a write transaction, the schema version, the tables.
"""

from __future__ import annotations

import os
import sqlite3
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from ipe.errors import ProjectBusy, ProjectError
from ipe.store.dialect import to_postgres

STORE_NAME = "ipe.db"
CONFIG_NAME = "ipe-project.yaml"
ENV_PROJECT = "IPE_PROJECT"
ENV_DATABASE = "IPE_DATABASE"
BUSY_TIMEOUT_MS = 10_000
PG_VERSION_TABLE = "ipe_schema"


def resolve_project(project: Optional[str | os.PathLike]) -> Path:
    """The project folder: the given one, else ``$IPE_PROJECT``, else the current directory."""
    return Path(project or os.environ.get(ENV_PROJECT) or ".").expanduser()


def is_postgres(url: Optional[str]) -> bool:
    return bool(url) and url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages and the audit log."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable database URL>"


def check_url(url: str) -> str:
    """Refuse a database URL that is not PostgreSQL or that carries a password (it would end up in a file)."""
    if not is_postgres(url):
        raise ProjectError(f"{url.split(':', 1)[0]}: not a PostgreSQL URL (expected postgresql://user@host:port/db)")
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ProjectError(f"cannot read the database URL ({exc})") from None
    if parsed.password is not None:
        raise ProjectError("the database URL holds a password; keep it in PGPASSFILE (~/.pgpass), a service file or"
                           " PGPASSWORD instead, so it is never written into the project folder")
    return url


def read_config(folder: Path) -> dict:
    path = folder / CONFIG_NAME
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ProjectError(f"{path}: cannot read the project configuration ({exc})") from None
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: the project configuration is not a mapping")
    return data


def write_config(folder: Path, database: str) -> Path:
    """Record the project's database URL in the folder (owner-only; the URL holds no password)."""
    path = folder / CONFIG_NAME
    text = "# ipe project: the store is this PostgreSQL database (passwords: PGPASSFILE, a service file or the"\
           " environment)\n" + yaml.safe_dump({"database": check_url(database)}, sort_keys=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


@dataclass(frozen=True)
class Location:
    """Where one project's store is: its folder and, for PostgreSQL, the database URL."""

    folder: Path
    database: Optional[str] = None
    file: Optional[Path] = None  # a SQLite store not called ipe.db (a backup, a copy)

    @property
    def sqlite_file(self) -> Path:
        return self.file or self.folder / STORE_NAME


def locate(project: Optional[str | os.PathLike], database: Optional[str] = None) -> Location:
    """The store of a project: ``database`` if given, else ``$IPE_DATABASE``, else the folder's configuration,
    else the SQLite file in the folder. A ``sqlite:///path/to/ipe.db`` URL names a SQLite store elsewhere."""
    folder = resolve_project(project)
    url = database or os.environ.get(ENV_DATABASE) or read_config(folder).get("database")
    if url and url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):]).expanduser()
        return Location(path.parent, file=path)
    if url:
        return Location(folder, check_url(str(url)))
    return Location(folder)


# -- SQLite --------------------------------------------------------------------------------------------------------


def _is_busy(exc: Exception) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


class SqliteBackend:
    """SQLite: one file, ``PRAGMA user_version`` as the schema version, ``BEGIN IMMEDIATE`` for writes."""

    name = "sqlite"
    integrity_errors: tuple = (sqlite3.IntegrityError,)

    def __init__(self, path: Path):
        self.path = path
        self.label = str(path)

    def connect(self):
        db = self.path
        try:
            conn = sqlite3.connect(db, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            # Deleted or rewritten text (erasure, pseudonymisation) must not linger in free pages of the file.
            conn.execute("PRAGMA secure_delete = ON")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            conn.execute("PRAGMA synchronous = NORMAL" if mode == "wal" else "PRAGMA synchronous = FULL")
            conn.execute("PRAGMA user_version").fetchone()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
                raise ProjectBusy(f"{db}: project busy, retry") from exc
            raise ProjectError(f"{db}: cannot open the project store ({exc})") from exc
        for suffix in ("-wal", "-shm"):
            side = Path(str(db) + suffix)
            if side.exists():
                os.chmod(side, 0o600)
        return conn

    def begin(self, conn) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise ProjectBusy(f"{self.path}: project busy (another ipe command is writing), retry") from exc
            raise

    def get_version(self, conn) -> int:
        return conn.execute("PRAGMA user_version").fetchone()[0]

    def set_version(self, conn, version: int) -> None:
        conn.execute(f"PRAGMA user_version = {int(version)}")

    def tables(self, conn) -> list[str]:
        return [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]

    def columns(self, conn, table: str) -> list[str]:
        return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]

    def references(self, conn, table: str) -> set[str]:
        """The tables ``table``'s foreign keys point at."""
        return {r[2] for r in conn.execute(f"PRAGMA foreign_key_list({table})")}

    def after_copy(self, conn, tables: list[str]) -> None:
        """Nothing to do: SQLite's integer keys continue from the largest one present."""

    def integrity_check(self, conn) -> str:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


# -- PostgreSQL ----------------------------------------------------------------------------------------------------


class PgCursor:
    """The part of a DB-API cursor the store uses, with ``lastrowid`` taken from ``RETURNING``."""

    def __init__(self, cursor, lastrowid=None):
        self._cursor = cursor
        self.lastrowid = lastrowid

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def description(self):
        return self._cursor.description

    def fetchone(self):
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self):
        return self._cursor.fetchall() if self._cursor.description else []

    def fetchmany(self, size: int):
        return self._cursor.fetchmany(size) if self._cursor.description else []

    def __iter__(self):
        return iter(self.fetchall())


class PgConnection:
    """A psycopg connection behind the ``sqlite3.Connection`` interface the store is written against."""

    def __init__(self, raw, driver):
        self._raw = raw  # SQLAlchemy's pooled wrapper; closing it returns or closes the connection
        self.driver = driver
        self._keys: dict[str, list[str]] = {}
        self._identity: dict[str, Optional[str]] = {}

    def _primary_key(self, table: str) -> list[str]:
        if table not in self._keys:
            rows = self.driver.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(%s) AND i.indisprimary"
                " ORDER BY array_position(i.indkey, a.attnum)", (table,)).fetchall()
            self._keys[table] = [r[0] for r in rows]
        return self._keys[table]

    def _identity_column(self, table: str) -> Optional[str]:
        if table not in self._identity:
            row = self.driver.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attidentity <> ''",
                (table,)).fetchone()
            self._identity[table] = row[0] if row else None
        return self._identity[table]

    def _translate(self, sql: str):
        return _translate(sql, self._primary_key)

    def execute(self, sql: str, params=()) -> PgCursor:
        translated = self._translate(sql)
        text = translated.sql
        returning = translated.insert_table and self._identity_column(translated.insert_table)
        if returning:
            text += f" RETURNING {returning}"
        cursor = self.driver.cursor()
        cursor.execute(text, tuple(params) if not isinstance(params, dict) else params)
        if returning:
            row = cursor.fetchone()
            return PgCursor(cursor, row[0] if row else None)
        return PgCursor(cursor)

    def executemany(self, sql: str, rows) -> PgCursor:
        cursor = self.driver.cursor()
        cursor.executemany(self._translate(sql).sql, [tuple(r) for r in rows])
        return PgCursor(cursor)

    def forget_schema(self) -> None:
        """Drop cached key and identity columns (after a migration changed tables)."""
        self._keys.clear()
        self._identity.clear()

    def close(self) -> None:
        self._raw.close()


@lru_cache(maxsize=4096)
def _translate_cached(sql: str, keys: tuple):
    return to_postgres(sql, dict(keys).get)


def _translate(sql: str, primary_key):
    if "INSERT OR REPLACE" in sql.upper():
        # Only this form needs the catalogue; its answer is part of the cache key.
        import re

        table = re.search(r"INTO\s+([A-Za-z_][A-Za-z0-9_]*)", sql, re.IGNORECASE).group(1)
        return _translate_cached(sql, ((table, tuple(primary_key(table))),))
    return _translate_cached(sql, ())


def _register_numeric(conn) -> None:
    """Return PostgreSQL ``numeric`` (what SUM of integers gives) as int or float, as SQLite would."""
    from decimal import Decimal

    from psycopg.types.numeric import NumericLoader

    class Loader(NumericLoader):
        def load(self, data):
            value: Decimal = super().load(data)
            return int(value) if value == value.to_integral_value() else float(value)

    conn.adapters.register_loader("numeric", Loader)


@lru_cache(maxsize=16)
def _engine(url: str):
    """One SQLAlchemy engine per database URL: making one sets up the dialect, which costs more than connecting.
    No pool (NullPool): each store holds one connection of its own and closes it."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    return create_engine(make_url(url).set(drivername="postgresql+psycopg"), poolclass=NullPool)


class PgBackend:
    """PostgreSQL: a database (or a schema in ``search_path``) per project, SQLAlchemy for the URL and connection,
    psycopg 3 underneath. Writes are serialised per project with an advisory lock, as SQLite serialises them."""

    name = "postgresql"

    def __init__(self, url: str):
        self.url = url
        self.label = safe_url(url)
        import psycopg

        self.integrity_errors = (psycopg.errors.IntegrityError,)
        self._psycopg = psycopg

    def connect(self):
        try:
            raw = _engine(self.url).raw_connection()
        except Exception as exc:
            message = " ".join(str(getattr(exc, "orig", exc)).split())
            raise ProjectError(f"{self.label}: cannot connect to the database ({message})") from None
        driver = raw.driver_connection
        driver.autocommit = True
        driver.execute(f"SET lock_timeout = {int(BUSY_TIMEOUT_MS)}")
        _register_numeric(driver)
        return PgConnection(raw, driver)

    def lock_key(self, conn) -> int:
        """One advisory-lock number per project (database and schema), so two projects never block each other."""
        if getattr(conn, "lock_key", None) is None:
            name = conn.driver.execute("SELECT current_database() || '.' || current_schema()").fetchone()[0]
            conn.lock_key = zlib.crc32(name.encode("utf-8"))
        return conn.lock_key

    def begin(self, conn) -> None:
        conn.driver.execute("BEGIN")
        try:
            conn.driver.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_key(conn),))
        except self._psycopg.errors.LockNotAvailable as exc:
            conn.driver.execute("ROLLBACK")
            raise ProjectBusy(f"{self.label}: project busy (another ipe command is writing), retry") from exc
        except BaseException:
            conn.driver.execute("ROLLBACK")
            raise

    def get_version(self, conn) -> int:
        exists = conn.driver.execute("SELECT to_regclass(%s)", (PG_VERSION_TABLE,)).fetchone()[0]
        if exists is None:
            return 0
        row = conn.driver.execute(f"SELECT version FROM {PG_VERSION_TABLE}").fetchone()
        return row[0] if row else 0

    def set_version(self, conn, version: int) -> None:
        conn.driver.execute(f"CREATE TABLE IF NOT EXISTS {PG_VERSION_TABLE} (version INTEGER NOT NULL)")
        conn.driver.execute(f"DELETE FROM {PG_VERSION_TABLE}")
        conn.driver.execute(f"INSERT INTO {PG_VERSION_TABLE} (version) VALUES (%s)", (int(version),))
        conn.forget_schema()

    def tables(self, conn) -> list[str]:
        # The catalogue, not information_schema: its views cost milliseconds a call, and the checksum that proves a
        # command changed nothing asks for every table's columns.
        return [r[0] for r in conn.driver.execute(
            "SELECT relname::text FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
            " AND relkind IN ('r', 'p') AND relname <> %s ORDER BY relname COLLATE \"C\"",
            (PG_VERSION_TABLE,))]

    def columns(self, conn, table: str) -> list[str]:
        return [r[0] for r in conn.driver.execute(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0"
            " AND NOT attisdropped ORDER BY attnum", (table,))]

    def references(self, conn, table: str) -> set[str]:
        """The tables ``table``'s foreign keys point at."""
        return {r[0] for r in conn.driver.execute(
            "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid = to_regclass(%s)", (table,))}

    def after_copy(self, conn, tables: list[str]) -> None:
        """Move each identity column's sequence past the largest key copied in."""
        for table in tables:
            column = conn._identity_column(table)
            if column:
                conn.driver.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE((SELECT MAX({column}) FROM {table}), 0)"
                    " + 1, false)", (table, column))

    def integrity_check(self, conn) -> str:
        # PostgreSQL checks constraints on every write; a store that answers a query is consistent.
        conn.driver.execute("SELECT 1").fetchone()
        return "ok"


def backend_for(location: Location):
    return PgBackend(location.database) if location.database else SqliteBackend(location.sqlite_file)
