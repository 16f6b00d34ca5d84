"""The project store: one SQLite file per project; the only module that speaks SQL."""

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

from ipe.errors import NotFound, ProjectBusy, ProjectError
from ipe.records import AuditEntry, Coding, Configuration, Evidence, Memo, Sentence, Source, TheoryRevision, Turn

STORE_NAME = "ipe.db"
ENV_PROJECT = "IPE_PROJECT"
BUSY_TIMEOUT_MS = 10_000

# Each entry takes the schema from version N-1 to N; never edit a released entry, append a new one.
MIGRATIONS = [
    """
    CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        path TEXT,
        format TEXT NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        word_count INTEGER NOT NULL,
        imported_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX sources_hash ON sources(content_hash);
    CREATE TABLE source_attributes (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (source_id, key)
    );
    CREATE INDEX source_attributes_kv ON source_attributes(key, value);
    CREATE TABLE turns (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        speaker TEXT,
        label TEXT,
        role TEXT,
        time TEXT,
        PRIMARY KEY (source_id, n)
    );
    CREATE TABLE sentences (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        turn INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        PRIMARY KEY (source_id, n)
    );
    CREATE TABLE codebooks (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        content_hash TEXT NOT NULL UNIQUE,
        document TEXT NOT NULL,
        path TEXT,
        loaded_at TEXT NOT NULL
    );
    CREATE TABLE codes (
        codebook_version INTEGER NOT NULL REFERENCES codebooks(version) ON DELETE CASCADE,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        mechanism TEXT,
        parent TEXT,
        colour TEXT,
        description TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (codebook_version, id)
    );
    CREATE TABLE coders (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('auto', 'human')),
        created_at TEXT NOT NULL
    );
    CREATE TABLE codings (
        id INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        code_id TEXT NOT NULL,
        coder TEXT NOT NULL REFERENCES coders(name),
        codebook_version INTEGER REFERENCES codebooks(version),
        provenance TEXT NOT NULL,
        quote TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'orphaned')),
        created_at TEXT NOT NULL,
        CHECK (start >= 0 AND end > start)
    );
    CREATE INDEX codings_source ON codings(source_id, start);
    CREATE INDEX codings_code ON codings(code_id);
    CREATE INDEX codings_coder ON codings(coder, codebook_version);
    CREATE TABLE coded_sources (
        coder TEXT NOT NULL REFERENCES coders(name),
        codebook_version INTEGER NOT NULL REFERENCES codebooks(version),
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        content_hash TEXT NOT NULL,
        codings INTEGER NOT NULL,
        coded_at TEXT NOT NULL,
        PRIMARY KEY (coder, codebook_version, source_id)
    );
    CREATE TABLE reviews (
        reviewer TEXT NOT NULL,
        auto_coder TEXT NOT NULL,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        code_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
        created_at TEXT NOT NULL,
        PRIMARY KEY (reviewer, auto_coder, source_id, start, end, code_id)
    );
    CREATE TABLE memos (
        id INTEGER PRIMARY KEY,
        target_kind TEXT NOT NULL,
        target TEXT NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX memos_target ON memos(target_kind, target);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE survey_responses (
        la TEXT NOT NULL,
        item TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (la, item)
    );
    CREATE TABLE case_links (
        case_id TEXT PRIMARY KEY,
        la TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE pack_responses (
        copy_key TEXT NOT NULL,
        pack_id TEXT NOT NULL,
        config_id TEXT NOT NULL,
        response TEXT,
        fits_model TEXT,
        different TEXT,
        missing TEXT,
        agency TEXT,
        mash_model TEXT,
        file TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        PRIMARY KEY (copy_key, config_id)
    );
    CREATE INDEX pack_responses_config ON pack_responses(config_id);
    CREATE TABLE theory_revisions (
        id INTEGER PRIMARY KEY,
        config_id TEXT NOT NULL,
        stage TEXT NOT NULL,
        status TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX theory_revisions_config ON theory_revisions(config_id, id);
    """,
    # The hash of the text as imported: a deliberate rewrite (pseudonymisation) changes the text but not what a
    # re-import of the same file should be compared with.
    """
    ALTER TABLE sources ADD COLUMN origin_hash TEXT;
    UPDATE sources SET origin_hash = content_hash;
    ALTER TABLE sources ADD COLUMN origin_attributes TEXT;
    CREATE INDEX sources_origin_hash ON sources(origin_hash);
    """,
    # Realist evidence: passages a researcher linked to a configuration, decisions on co-occurrence candidates,
    # and theory versions on the revisions table. Offsets are span_start/span_end: END is reserved in PostgreSQL.
    """
    CREATE TABLE evidence (
        id INTEGER PRIMARY KEY,
        config_id TEXT NOT NULL,
        config_version INTEGER NOT NULL,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        span_start INTEGER NOT NULL,
        span_end INTEGER NOT NULL,
        quote TEXT NOT NULL,
        coding_id INTEGER,
        relation TEXT NOT NULL CHECK (relation IN ('supports', 'contradicts', 'refines')),
        elements TEXT NOT NULL,
        linked_by TEXT NOT NULL,
        rationale TEXT NOT NULL,
        candidate TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('ok', 'orphaned')),
        created_at TEXT NOT NULL,
        CHECK (span_start >= 0 AND span_end > span_start)
    );
    CREATE INDEX evidence_config ON evidence(config_id, id);
    CREATE INDEX evidence_source ON evidence(source_id, span_start);
    CREATE TABLE candidate_decisions (
        candidate TEXT NOT NULL,
        config_id TEXT NOT NULL,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        decision TEXT NOT NULL CHECK (decision IN ('promoted', 'dismissed')),
        evidence_id INTEGER,
        decided_by TEXT NOT NULL,
        note TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (candidate, config_id)
    );
    ALTER TABLE theory_revisions ADD COLUMN theory_version INTEGER;
    ALTER TABLE theory_revisions ADD COLUMN reason TEXT;
    ALTER TABLE theory_revisions ADD COLUMN actor TEXT;
    ALTER TABLE theory_revisions ADD COLUMN configuration TEXT;
    """,
    # What a REFI-QDA import read that ipe's own records have no column for (GUIDs, dates, users, sets, exact
    # descriptions, positions), keyed by the ipe object it belongs to, so an export writes the project back unchanged.
    """
    CREATE TABLE refi_objects (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        guid TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    );
    CREATE INDEX refi_objects_guid ON refi_objects(guid);
    """,
    # Suggestions are codings with status 'suggested' (so counts of codings in force never include them), each with
    # its score and provenance; sentence embeddings are cached by text hash and model hash, vectors as base64 text
    # (portable: no BLOB/BYTEA difference). The codings table is rebuilt because a CHECK cannot be altered in place.
    """
    CREATE TABLE codings_rebuilt (
        id INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        code_id TEXT NOT NULL,
        coder TEXT NOT NULL REFERENCES coders(name),
        codebook_version INTEGER REFERENCES codebooks(version),
        provenance TEXT NOT NULL,
        quote TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'orphaned', 'suggested')),
        created_at TEXT NOT NULL,
        CHECK (start >= 0 AND end > start)
    );
    INSERT INTO codings_rebuilt (id, source_id, start, end, code_id, coder, codebook_version, provenance, quote, status,
                            created_at)
        SELECT id, source_id, start, end, code_id, coder, codebook_version, provenance, quote, status, created_at
        FROM codings;
    DROP TABLE codings;
    ALTER TABLE codings_rebuilt RENAME TO codings;
    CREATE INDEX codings_source ON codings(source_id, start);
    CREATE INDEX codings_code ON codings(code_id);
    CREATE INDEX codings_coder ON codings(coder, codebook_version);
    CREATE TABLE suggestions (
        coding_id INTEGER PRIMARY KEY REFERENCES codings(id) ON DELETE CASCADE,
        score REAL NOT NULL,
        threshold REAL NOT NULL,
        method TEXT NOT NULL,
        features TEXT NOT NULL,
        model_hash TEXT NOT NULL,
        training_hash TEXT NOT NULL
    );
    CREATE TABLE embeddings (
        text_hash TEXT NOT NULL,
        model_hash TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector TEXT NOT NULL,
        PRIMARY KEY (text_hash, model_hash)
    );
    """,
    # A replaced source's earlier texts, so a replacement is never unrecoverable; a review whose quote is gone
    # after a replacement is kept as orphaned, like a coding.
    """
    CREATE TABLE source_versions (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        name TEXT NOT NULL,
        path TEXT,
        format TEXT NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        replaced_at TEXT NOT NULL,
        PRIMARY KEY (source_id, version)
    );
    ALTER TABLE reviews ADD COLUMN status TEXT NOT NULL DEFAULT 'ok';
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def now() -> str:
    """The current UTC time as an ISO 8601 string (seconds)."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "unknown"


def resolve_project(project: Optional[str | os.PathLike]) -> Path:
    """The project folder: the given one, else ``$IPE_PROJECT``, else the current directory."""
    return Path(project or os.environ.get(ENV_PROJECT) or ".").expanduser()


def attributes_digest(attributes: dict) -> str:
    """A hash of attributes as imported (sorted, strings, empty values left out): comparable, and it keeps no names."""
    canonical = json.dumps({k: str(v) for k, v in sorted(attributes.items()) if v is not None and str(v) != ""},
                           sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


class Store:
    """An open project store.

    Use :func:`Store.create` for a new project and :func:`Store.open` for an existing one. Writes go through
    :meth:`transaction`, so a failure or Ctrl-C leaves the store as it was.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn
        self._in_transaction = False

    # -- opening -----------------------------------------------------------------------------------------------

    @classmethod
    def create(cls, project: str | os.PathLike) -> "Store":
        """Create a project folder (owner-only) with an empty store, or open the store already there."""
        folder = Path(project)
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        db = folder / STORE_NAME
        if not db.exists():
            # Create the file owner-only before SQLite writes anything into it.
            fd = os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
        return cls._connect(db)

    @classmethod
    def open(cls, project: str | os.PathLike) -> "Store":
        """Open an existing project's store, migrating it forward if it is older than this ipe."""
        db = Path(project) / STORE_NAME
        if not db.is_file():
            raise ProjectError(f"{project}: not an ipe project (no {STORE_NAME}); run 'ipe init {project}' first")
        return cls._connect(db)

    @classmethod
    def _connect(cls, db: Path) -> "Store":
        try:
            conn = sqlite3.connect(db, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            # Deleted or rewritten text (erasure, pseudonymisation) must not linger in free pages of the file.
            conn.execute("PRAGMA secure_delete = ON")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            conn.execute("PRAGMA synchronous = NORMAL" if mode == "wal" else "PRAGMA synchronous = FULL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
                raise ProjectBusy(f"{db}: project busy, retry") from exc
            raise ProjectError(f"{db}: cannot open the project store ({exc})") from exc
        for suffix in ("-wal", "-shm"):
            side = Path(str(db) + suffix)
            if side.exists():
                os.chmod(side, 0o600)
        store = cls(db, conn)
        store._migrate(version)
        return store

    def _migrate(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise ProjectError(f"{self.path}: store schema {version} is newer than this ipe supports ({SCHEMA_VERSION})")
        if version == SCHEMA_VERSION:
            return
        if version > 0:
            # A copy beside the store before any migration touches it.
            self.backup(self.path.with_name(f"{self.path.name}.bak-{version}"))
        with self.transaction("ipe", "migrate", {"from": version, "to": SCHEMA_VERSION}):
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    # -- transactions and audit ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, actor: Optional[str] = None, action: Optional[str] = None, detail=None) -> Iterator["Store"]:
        """Run the block as one transaction; with ``action``, record it in the audit log."""
        if self._in_transaction:
            yield self
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise ProjectBusy(f"{self.path}: project busy (another ipe command is writing), retry") from exc
            raise
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

    def backup(self, target: str | os.PathLike) -> Path:
        """Write a consistent copy of the store to ``target`` with SQLite's backup API."""
        target = Path(target)
        if target.is_dir():
            target = target / STORE_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        dest = sqlite3.connect(target)
        try:
            self.conn.backup(dest)
        finally:
            dest.close()
        return target

    def logical_checksum(self) -> str:
        """A hash of every table's rows (not of the file), to prove a failed command changed nothing."""
        digest = hashlib.sha256()
        tables = [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        for table in tables:
            digest.update(table.encode())
            for row in self.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                digest.update(repr(row).encode())
        return digest.hexdigest()

    def checkpoint(self, wait_ms: int = 2000) -> bool:
        """Move the write-ahead log into the database file and empty it; False if another connection prevents it."""
        self.conn.execute(f"PRAGMA busy_timeout = {wait_ms}")
        try:
            busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                return False
            raise
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        wal = Path(str(self.path) + "-wal")
        return busy == 0 and (not wal.exists() or wal.stat().st_size == 0)

    def leftovers(self, needles: Iterable[str]) -> list[str]:
        """Of ``needles``, those in the store's files (database and WAL) but in no live row: text erasure missed."""
        needles = [n for n in needles if n]
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
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]

    # -- sources ---------------------------------------------------------------------------------------------------

    def source_hashes(self) -> dict[str, str]:
        """Each source's hash as imported (unchanged by pseudonymisation), to compare a re-import with."""
        return dict(self.conn.execute("SELECT id, COALESCE(origin_hash, content_hash) FROM sources"))

    def source_attributes(self, source_id: Optional[str] = None) -> dict[str, dict]:
        sql = "SELECT source_id, key, value FROM source_attributes"
        args: tuple = ()
        if source_id is not None:
            sql += " WHERE source_id = ?"
            args = (source_id,)
        out: dict[str, dict] = {}
        for sid, key, value in self.conn.execute(sql + " ORDER BY source_id, key", args):
            out.setdefault(sid, {})[key] = value
        return out

    def write_source(self, source: Source, origin_hash: Optional[str] = None) -> None:
        """Insert a source, or replace its text, structure and attributes (codings are handled by the caller).

        ``origin_hash``: the hash of the text as read from the file, when what is stored was rewritten on the way in
        (pseudonymised); a re-import of the same file is compared with it.
        """
        stamp = now()
        origin = origin_hash or source.content_hash
        existing = self.conn.execute("SELECT imported_at FROM sources WHERE id = ?", (source.id,)).fetchone()
        if existing:
            self.conn.execute(
                "UPDATE sources SET name=?, path=?, format=?, text=?, content_hash=?, origin_hash=?, word_count=?,"
                " updated_at=? WHERE id=?",
                (source.name, source.path, source.format, source.text, source.content_hash, origin,
                 source.word_count, stamp, source.id),
            )
            self.conn.execute("DELETE FROM source_attributes WHERE source_id = ?", (source.id,))
        else:
            self.conn.execute(
                "INSERT INTO sources (id, name, path, format, text, content_hash, origin_hash, word_count, imported_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (source.id, source.name, source.path, source.format, source.text, source.content_hash,
                 origin, source.word_count, stamp, stamp),
            )
        self.set_attributes(source.id, source.attributes, replace=False, origin=True)
        self._write_structure(source)

    def _write_structure(self, source: Source) -> None:
        """Replace a source's turns and sentences."""
        for table in ("turns", "sentences"):
            self.conn.execute(f"DELETE FROM {table} WHERE source_id = ?", (source.id,))
        self.conn.executemany(
            "INSERT INTO turns (source_id, n, start, end, speaker, label, role, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(source.id, t.n, t.start, t.end, t.speaker, t.label, t.role, t.time) for t in source.turns],
        )
        self.conn.executemany(
            "INSERT INTO sentences (source_id, n, turn, start, end) VALUES (?, ?, ?, ?, ?)",
            [(source.id, s.n, s.turn, s.start, s.end) for s in source.sentences],
        )

    def set_attributes(self, source_id: str, attributes: dict, replace: bool = True, origin: bool = False) -> None:
        """Set a source's attributes; ``origin`` marks them as the ones imported (what a re-import compares with)."""
        if replace:
            self.conn.execute("DELETE FROM source_attributes WHERE source_id = ?", (source_id,))
        if origin:
            self.conn.execute("UPDATE sources SET origin_attributes = ? WHERE id = ?",
                              (attributes_digest(attributes), source_id))
        self.conn.executemany(
            "INSERT OR REPLACE INTO source_attributes (source_id, key, value) VALUES (?, ?, ?)",
            [(source_id, k, str(v)) for k, v in sorted(attributes.items()) if v is not None and str(v) != ""],
        )

    def set_turn_roles(self, source_id: str, roles: dict) -> None:
        """Set the role of every turn whose speaker is a key of ``roles``."""
        self.conn.executemany(
            "UPDATE turns SET role = ? WHERE source_id = ? AND speaker = ?",
            [(role, source_id, speaker) for speaker, role in roles.items()],
        )

    def imported_attributes(self) -> dict[str, str]:
        """A digest of each source's attributes as last imported, before any deliberate rewrite (pseudonymisation)."""
        return {sid: value for sid, value in self.conn.execute("SELECT id, origin_attributes FROM sources")}

    def source_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM sources ORDER BY id")]

    def has_source(self, source_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM sources WHERE id = ?", (source_id,)).fetchone() is not None

    def source(self, source_id: str, structure: bool = True) -> Source:
        row = self.conn.execute(
            "SELECT id, name, text, format, content_hash, path FROM sources WHERE id = ?", (source_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no source '{source_id}' in the project")
        src = Source(id=row[0], name=row[1], text=row[2], format=row[3], content_hash=row[4], path=row[5])
        src.attributes = self.source_attributes(source_id).get(source_id, {})
        if structure:
            src.turns = self.turns(source_id)
            src.sentences = self.sentences(source_id)
        return src

    def iter_sources(self, source_ids: Optional[Iterable[str]] = None, structure: bool = True) -> Iterator[Source]:
        """Sources one at a time, in id order, so a large corpus is never held in memory."""
        ids = sorted(source_ids) if source_ids is not None else self.source_ids()
        for sid in ids:
            yield self.source(sid, structure=structure)

    def turns(self, source_id: str) -> list[Turn]:
        return [
            Turn(n=r[0], start=r[1], end=r[2], speaker=r[3], label=r[4], role=r[5], time=r[6])
            for r in self.conn.execute(
                "SELECT n, start, end, speaker, label, role, time FROM turns WHERE source_id = ? ORDER BY n", (source_id,)
            )
        ]

    def sentences(self, source_id: str) -> list[Sentence]:
        return [
            Sentence(n=r[0], turn=r[1], start=r[2], end=r[3])
            for r in self.conn.execute(
                "SELECT n, turn, start, end FROM sentences WHERE source_id = ? ORDER BY n", (source_id,)
            )
        ]

    def source_summaries(self) -> list[dict]:
        """One row per source: id, name, format, words, turns, sentences, speakers and attributes."""
        rows = self.conn.execute(
            """
            SELECT s.id, s.name, s.format, s.word_count,
                   (SELECT COUNT(*) FROM turns t WHERE t.source_id = s.id),
                   (SELECT COUNT(*) FROM sentences x WHERE x.source_id = s.id),
                   (SELECT COUNT(DISTINCT speaker) FROM turns t WHERE t.source_id = s.id AND speaker IS NOT NULL)
            FROM sources s ORDER BY s.id
            """
        ).fetchall()
        attributes = self.source_attributes()
        keys = ("id", "name", "format", "words", "turns", "sentences", "speakers")
        return [dict(zip(keys, r), attributes=attributes.get(r[0], {})) for r in rows]

    def remove_source(self, source_id: str) -> None:
        if not self.has_source(source_id):
            raise NotFound(f"no source '{source_id}' in the project")
        self.conn.execute("DELETE FROM memos WHERE target_kind = 'source' AND target = ?", (source_id,))
        self.conn.execute(
            "DELETE FROM memos WHERE target_kind = 'coding' AND target IN"
            " (SELECT CAST(id AS TEXT) FROM codings WHERE source_id = ?)",
            (source_id,),
        )
        self.conn.execute("DELETE FROM refi_objects WHERE kind = 'source' AND key = ?", (source_id,))
        self.conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))

    def keep_version(self, source_id: str) -> int:
        """Copy a source's current text into its earlier versions (before it is replaced); the version number."""
        n = self.conn.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM source_versions WHERE source_id = ?",
                              (source_id,)).fetchone()[0]
        self.conn.execute(
            "INSERT INTO source_versions (source_id, version, name, path, format, text, content_hash, replaced_at)"
            " SELECT id, ?, name, path, format, text, content_hash, ? FROM sources WHERE id = ?",
            (n, now(), source_id))
        return n

    def source_versions(self, source_id: Optional[str] = None) -> list[tuple]:
        """``(source id, version, path, text, replaced at)`` of earlier texts, oldest first."""
        sql = "SELECT source_id, version, path, text, replaced_at FROM source_versions"
        args: tuple = ()
        if source_id is not None:
            sql += " WHERE source_id = ?"
            args = (source_id,)
        return self.conn.execute(sql + " ORDER BY source_id, version", args).fetchall()

    def rewrite_source_version(self, source_id: str, version: int, text: str) -> None:
        """Replace an earlier version's text in place (pseudonymisation of kept versions)."""
        from ipe.corpus import content_hash

        self.conn.execute("UPDATE source_versions SET text = ?, content_hash = ? WHERE source_id = ? AND version = ?",
                          (text, content_hash(text), source_id, version))

    def forget_versions(self, source_id: str) -> int:
        """Delete a source's earlier texts; how many."""
        return self.conn.execute("DELETE FROM source_versions WHERE source_id = ?", (source_id,)).rowcount

    def rewrite_source(self, source: Source, moves: Iterable[tuple[int, int, int, str]]) -> None:
        """Replace a source's text and structure in place and move its codings: ``(coding id, start, end, quote)``.

        Used when the text is rewritten deliberately (pseudonymisation): codings are kept, at their mapped spans.
        """
        self.conn.execute(
            "UPDATE sources SET text=?, content_hash=?, word_count=?, updated_at=? WHERE id=?",
            (source.text, source.content_hash, source.word_count, now(), source.id),
        )
        self._write_structure(source)
        self.conn.executemany(
            "UPDATE codings SET start = ?, end = ?, quote = ? WHERE id = ?",
            [(start, end, quote, cid) for cid, start, end, quote in moves],
        )
        self.conn.execute("UPDATE coded_sources SET content_hash = ? WHERE source_id = ?", (source.content_hash, source.id))

    # -- project metadata ------------------------------------------------------------------------------------------

    def get_meta(self, key: str, default: Optional[str] = None) -> Optional[str]:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- survey ----------------------------------------------------------------------------------------------------

    def replace_survey(self, rows: Iterable[tuple[str, str, str]]) -> int:
        """Replace all survey responses with ``(la, item, value)`` rows."""
        self.conn.execute("DELETE FROM survey_responses")
        rows = list(rows)
        self.conn.executemany("INSERT INTO survey_responses (la, item, value) VALUES (?, ?, ?)", rows)
        return len(rows)

    def survey_responses(self) -> list[tuple[str, str, str]]:
        return self.conn.execute("SELECT la, item, value FROM survey_responses ORDER BY la, item").fetchall()

    def link_case(self, case_id: str, la: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO case_links (case_id, la) VALUES (?, ?)", (case_id, la))

    def case_links(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT case_id, la FROM case_links ORDER BY case_id"))

    def set_case_attribute(self, case_id: str, key: str, value: str) -> int:
        """Set an attribute on every source of a case (e.g. the MASH model taken from the survey)."""
        ids = [r[0] for r in self.conn.execute(
            "SELECT source_id FROM source_attributes WHERE key = 'case' AND value = ?", (case_id,))]
        self.conn.executemany(
            "INSERT OR REPLACE INTO source_attributes (source_id, key, value) VALUES (?, ?, ?)",
            [(sid, key, value) for sid in ids],
        )
        return len(ids)

    # -- workshop packs --------------------------------------------------------------------------------------------

    def replace_pack_responses(self, copy_key: str, rows: Iterable[dict]) -> int:
        """Replace every response of one filled pack copy (so ingesting a file again does not count it twice)."""
        self.conn.execute("DELETE FROM pack_responses WHERE copy_key = ?", (copy_key,))
        columns = ("copy_key", "pack_id", "config_id", "response", "fits_model", "different", "missing", "agency",
                   "mash_model", "file", "ingested_at")
        stamp = now()
        rows = [tuple({**r, "copy_key": copy_key, "ingested_at": stamp}.get(c) for c in columns) for r in rows]
        self.conn.executemany(
            f"INSERT INTO pack_responses ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows
        )
        return len(rows)

    def pack_responses(self) -> list[dict]:
        cur = self.conn.execute(
            "SELECT copy_key, pack_id, config_id, response, fits_model, different, missing, agency, mash_model, file"
            " FROM pack_responses ORDER BY config_id, copy_key"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]

    def add_revision(self, config_id: str, stage: str, status: str, detail: str) -> None:
        self.conn.execute(
            "INSERT INTO theory_revisions (config_id, stage, status, detail, at) VALUES (?, ?, ?, ?, ?)",
            (config_id, stage, status, detail, now()),
        )

    def revisions(self, config_id: Optional[str] = None) -> list[tuple]:
        """``(config_id, stage, status, detail, at)`` in the order they were recorded."""
        sql, args = "SELECT config_id, stage, status, detail, at FROM theory_revisions", ()
        if config_id:
            sql, args = sql + " WHERE config_id = ?", (config_id,)
        return self.conn.execute(sql + " ORDER BY id", args).fetchall()

    # -- codebooks -------------------------------------------------------------------------------------------------

    def codebook_version(self, content_hash: str) -> Optional[int]:
        row = self.conn.execute("SELECT version FROM codebooks WHERE content_hash = ?", (content_hash,)).fetchone()
        return row[0] if row else None

    def add_codebook(self, codebook, path: Optional[str] = None) -> int:
        """Store a codebook as the next version and return that version number."""
        cur = self.conn.execute(
            "INSERT INTO codebooks (name, content_hash, document, path, loaded_at) VALUES (?, ?, ?, ?, ?)",
            (codebook.name, codebook.content_hash, codebook.document, path, now()),
        )
        version = cur.lastrowid
        self.conn.executemany(
            "INSERT INTO codes (codebook_version, id, name, type, mechanism, parent, colour, description, position)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (version, c.id, c.name, c.type, c.mechanism, c.parent, c.colour, c.description, i)
                for i, c in enumerate(codebook.codes)
            ],
        )
        return version

    def latest_codebook(self) -> Optional[tuple[int, str, Optional[str]]]:
        """``(version, document, path)`` of the newest codebook, or None."""
        return self.conn.execute(
            "SELECT version, document, path FROM codebooks ORDER BY version DESC LIMIT 1"
        ).fetchone()

    def codebook_document(self, version: int) -> str:
        row = self.conn.execute("SELECT document FROM codebooks WHERE version = ?", (version,)).fetchone()
        if row is None:
            raise NotFound(f"no codebook version {version} in the project")
        return row[0]

    def code_ids(self, version: int) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT id FROM codes WHERE codebook_version = ?", (version,))}

    # -- coders and codings ----------------------------------------------------------------------------------------

    def ensure_coder(self, name: str, kind: str) -> None:
        row = self.conn.execute("SELECT kind FROM coders WHERE name = ?", (name,)).fetchone()
        if row is None:
            self.conn.execute("INSERT INTO coders (name, kind, created_at) VALUES (?, ?, ?)", (name, kind, now()))
        elif row[0] != kind:
            raise ProjectError(f"coder '{name}' is a{'n' if row[0] == 'auto' else ''} {row[0]} coder, not {kind}")

    def coders(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT name, kind FROM coders ORDER BY name"))

    def add_codings(self, codings: Iterable[Coding]) -> int:
        stamp = now()
        rows = [
            (c.source_id, c.start, c.end, c.code_id, c.coder, c.codebook_version, c.provenance, c.quote, c.status, stamp)
            for c in codings
        ]
        self.conn.executemany(
            "INSERT INTO codings (source_id, start, end, code_id, coder, codebook_version, provenance, quote, status,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    def add_coding(self, coding: Coding) -> int:
        """Insert one coding and return its id."""
        cur = self.conn.execute(
            "INSERT INTO codings (source_id, start, end, code_id, coder, codebook_version, provenance, quote, status,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (coding.source_id, coding.start, coding.end, coding.code_id, coding.coder, coding.codebook_version,
             coding.provenance, coding.quote, coding.status, now()),
        )
        return cur.lastrowid

    def delete_codings(self, coder: str, source_id: Optional[str] = None, codebook_version: Optional[int] = None) -> int:
        sql, args = "DELETE FROM codings WHERE coder = ?", [coder]
        if source_id is not None:
            sql += " AND source_id = ?"
            args.append(source_id)
        if codebook_version is not None:
            sql += " AND codebook_version = ?"
            args.append(codebook_version)
        return self.conn.execute(sql, args).rowcount

    def mark_coded(self, coder: str, version: int, source_id: str, content_hash: str, count: int) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO coded_sources (coder, codebook_version, source_id, content_hash, codings, coded_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (coder, version, source_id, content_hash, count, now()),
        )

    def coded_sources(self, coder: str, version: int) -> dict[str, str]:
        """Sources already coded completely by ``coder`` with codebook ``version``: id → content hash then."""
        return dict(
            self.conn.execute(
                "SELECT source_id, content_hash FROM coded_sources WHERE coder = ? AND codebook_version = ?",
                (coder, version),
            )
        )

    def forget_coded(self, source_id: str) -> None:
        self.conn.execute("DELETE FROM coded_sources WHERE source_id = ?", (source_id,))

    def codings(
        self,
        coders: Optional[Iterable[str]] = None,
        codes: Optional[Iterable[str]] = None,
        sources: Optional[Iterable[str]] = None,
        status: Optional[str] = "ok",
    ) -> list[Coding]:
        """Codings ordered by source, start, end, code and coder; each filter is optional."""
        sql = (
            "SELECT source_id, start, end, code_id, coder, provenance, codebook_version, quote, id, status"
            " FROM codings WHERE 1=1"
        )
        args: list = []
        for column, values in (("coder", coders), ("code_id", codes), ("source_id", sources)):
            if values is not None:
                values = list(values)
                sql += f" AND {column} IN ({','.join('?' * len(values))})"
                args += values
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        sql += " ORDER BY source_id, start, end, code_id, coder, id"
        return [Coding(*row) for row in self.conn.execute(sql, args)]

    def recode(self, old: str, new: str) -> int:
        """Move every coding, review and memo of code ``old`` to code ``new``; returns the codings moved.

        A coding that would then repeat one the same coder already has on ``new`` at the same span is merged into it
        (its memos follow); a review that would repeat one on ``new`` is dropped, the review on ``new`` kept.
        """
        twins = self.conn.execute(
            "SELECT d.id, MIN(k.id) FROM codings d JOIN codings k ON k.source_id = d.source_id AND k.start = d.start"
            " AND k.end = d.end AND k.coder = d.coder AND k.code_id = ? WHERE d.code_id = ? GROUP BY d.id",
            (new, old)).fetchall()
        for duplicate, kept in twins:
            self.conn.execute("UPDATE memos SET target = ? WHERE target_kind = 'coding' AND target = ?",
                              (str(kept), str(duplicate)))
            self.conn.execute("DELETE FROM codings WHERE id = ?", (duplicate,))
        moved = self.conn.execute("UPDATE codings SET code_id = ? WHERE code_id = ?", (new, old)).rowcount + len(twins)
        self.conn.execute(
            "DELETE FROM reviews WHERE code_id = ? AND EXISTS (SELECT 1 FROM reviews k WHERE k.code_id = ?"
            " AND k.reviewer = reviews.reviewer AND k.auto_coder = reviews.auto_coder AND k.source_id = reviews.source_id"
            " AND k.start = reviews.start AND k.end = reviews.end)", (old, new))
        self.conn.execute("UPDATE reviews SET code_id = ? WHERE code_id = ?", (new, old))
        self.conn.execute("UPDATE memos SET target = ? WHERE target_kind = 'code' AND target = ?", (new, old))
        self.conn.execute(
            "UPDATE memos SET target = substr(target, 1, instr(target, '|')) || ? "
            "WHERE target_kind = 'cell' AND substr(target, instr(target, '|') + 1) = ?",
            (new, old),
        )
        return moved

    def update_coding_spans(self, moves: Iterable[tuple[int, int, int, str]]) -> None:
        """Move codings: each item is ``(coding id, start, end, status)``."""
        self.conn.executemany(
            "UPDATE codings SET start = ?, end = ?, status = ? WHERE id = ?",
            [(start, end, status, cid) for cid, start, end, status in moves],
        )

    def coding(self, coding_id: int) -> Coding:
        row = self.conn.execute(
            "SELECT source_id, start, end, code_id, coder, provenance, codebook_version, quote, id, status"
            " FROM codings WHERE id = ?", (coding_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no coding {coding_id} in the project")
        return Coding(*row)

    def delete_coding(self, coding_id: int) -> None:
        """Delete one coding and the memos on it."""
        self.conn.execute("DELETE FROM memos WHERE target_kind = 'coding' AND target = ?", (str(coding_id),))
        self.conn.execute("DELETE FROM codings WHERE id = ?", (coding_id,))

    def move_coding(self, coding_id: int, start: int, end: int, quote: str) -> None:
        self.conn.execute("UPDATE codings SET start = ?, end = ?, quote = ?, status = 'ok' WHERE id = ?",
                          (start, end, quote, coding_id))

    def coding_exists(self, coding_id: int) -> bool:
        return self.conn.execute("SELECT 1 FROM codings WHERE id = ?", (coding_id,)).fetchone() is not None

    # -- suggestions and embeddings ----------------------------------------------------------------------------------

    def replace_suggestions(self, coder: str, rows: Iterable[tuple[Coding, dict]]) -> int:
        """Replace every suggestion of ``coder``: each row is a coding (status 'suggested') and its provenance.

        The provenance dict holds ``score``, ``threshold``, ``method``, ``features``, ``model_hash`` and
        ``training_hash``. Only codings with status 'suggested' of this coder are deleted.
        """
        self.conn.execute("DELETE FROM codings WHERE coder = ? AND status = 'suggested'", (coder,))
        stamp = now()
        n = 0
        for c, p in rows:
            cur = self.conn.execute(
                "INSERT INTO codings (source_id, start, end, code_id, coder, codebook_version, provenance, quote,"
                " status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'suggested', ?)",
                (c.source_id, c.start, c.end, c.code_id, c.coder, c.codebook_version, c.provenance, c.quote, stamp),
            )
            self.conn.execute(
                "INSERT INTO suggestions (coding_id, score, threshold, method, features, model_hash, training_hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (cur.lastrowid, p["score"], p["threshold"], p["method"], p["features"], p["model_hash"],
                 p["training_hash"]),
            )
            n += 1
        return n

    def suggestions(self, coder: Optional[str] = None) -> list[tuple[Coding, dict]]:
        """Suggested codings with their provenance, in coding order."""
        sql = (
            "SELECT c.source_id, c.start, c.end, c.code_id, c.coder, c.provenance, c.codebook_version, c.quote, c.id,"
            " c.status, s.score, s.threshold, s.method, s.features, s.model_hash, s.training_hash"
            " FROM codings c JOIN suggestions s ON s.coding_id = c.id WHERE c.status = 'suggested'"
        )
        args: tuple = ()
        if coder is not None:
            sql += " AND c.coder = ?"
            args = (coder,)
        keys = ("score", "threshold", "method", "features", "model_hash", "training_hash")
        return [(Coding(*r[:10]), dict(zip(keys, r[10:])))
                for r in self.conn.execute(sql + " ORDER BY c.source_id, c.start, c.end, c.code_id, c.id", args)]

    def cached_vectors(self, model_hash: str, text_hashes: Iterable[str]) -> dict[str, tuple[int, str]]:
        """``text hash -> (dim, base64 vector)`` for the cached ones among ``text_hashes``."""
        wanted = list(dict.fromkeys(text_hashes))
        found: dict[str, tuple[int, str]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            found.update((h, (d, v)) for h, d, v in self.conn.execute(
                f"SELECT text_hash, dim, vector FROM embeddings WHERE model_hash = ? AND text_hash IN"
                f" ({','.join('?' * len(chunk))})", [model_hash, *chunk]))
        return found

    def cache_vectors(self, model_hash: str, rows: Iterable[tuple[str, int, str]]) -> None:
        """Store ``(text hash, dim, base64 vector)`` rows for ``model_hash`` (a row already there is kept)."""
        self.conn.executemany(
            "INSERT INTO embeddings (text_hash, model_hash, dim, vector) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (text_hash, model_hash) DO NOTHING",
            [(h, model_hash, d, v) for h, d, v in rows],
        )

    # -- reviews ---------------------------------------------------------------------------------------------------

    def add_reviews(self, rows: Iterable[tuple]) -> int:
        """Each row: ``(reviewer, auto_coder, source_id, start, end, code_id, decision)``."""
        stamp = now()
        rows = [tuple(r) + (stamp,) for r in rows]
        self.conn.executemany(
            "INSERT OR REPLACE INTO reviews (reviewer, auto_coder, source_id, start, end, code_id, decision, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    def reviews(self, auto_coder: Optional[str] = None, source_id: Optional[str] = None,
                status: Optional[str] = "ok") -> list[tuple]:
        """``(reviewer, auto_coder, source_id, start, end, code_id, decision)``; orphaned ones with ``status=None``."""
        sql = "SELECT reviewer, auto_coder, source_id, start, end, code_id, decision FROM reviews WHERE 1=1"
        args: list = []
        for column, value in (("auto_coder", auto_coder), ("source_id", source_id), ("status", status)):
            if value:
                sql += f" AND {column} = ?"
                args.append(value)
        return self.conn.execute(sql + " ORDER BY source_id, start, end, code_id, reviewer", args).fetchall()

    def created_dates(self, table: str) -> dict:
        """When each row of ``codings``, ``memos``, ``sources``, ``coders`` or ``codebooks`` was made: key → date."""
        column, key = {"codings": ("created_at", "id"), "memos": ("created_at", "id"),
                       "sources": ("imported_at", "id"), "coders": ("created_at", "name"),
                       "codebooks": ("loaded_at", "version")}[table]
        return dict(self.conn.execute(f"SELECT {key}, {column} FROM {table}"))

    # -- REFI-QDA metadata -----------------------------------------------------------------------------------------

    def put_refi_objects(self, rows: Iterable[tuple[str, str, str, dict]]) -> None:
        """Keep what a REFI-QDA import read for ipe objects: each row ``(kind, key, guid, data)``; a key is replaced."""
        self.conn.executemany(
            "INSERT INTO refi_objects (kind, key, guid, data) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (kind, key) DO UPDATE SET guid = excluded.guid, data = excluded.data",
            [(kind, str(key), guid, json.dumps(data, sort_keys=True, ensure_ascii=False)) for kind, key, guid, data in rows],
        )

    def refi_objects(self, kind: Optional[str] = None) -> dict[tuple[str, str], tuple[str, dict]]:
        """The kept REFI-QDA metadata: ``(kind, key)`` → ``(guid, data)``."""
        sql, args = "SELECT kind, key, guid, data FROM refi_objects", ()
        if kind is not None:
            sql, args = sql + " WHERE kind = ?", (kind,)
        return {(k, key): (guid, json.loads(data)) for k, key, guid, data in self.conn.execute(sql + " ORDER BY kind, key", args)}

    def orphaned_reviews(self) -> list[tuple]:
        """Reviews whose text is gone after a replacement: ``(reviewer, source_id, start, end, code_id, decision)``."""
        return self.conn.execute(
            "SELECT reviewer, source_id, start, end, code_id, decision FROM reviews WHERE status = 'orphaned'"
            " ORDER BY source_id, start, code_id, reviewer").fetchall()

    def move_reviews(self, moves: Iterable[tuple]) -> None:
        """Each move: ``(old review key (reviewer, auto_coder, source_id, start, end, code_id), start, end, status)``."""
        for key, start, end, status in moves:
            self.conn.execute(
                "UPDATE reviews SET start = ?, end = ?, status = ? WHERE reviewer = ? AND auto_coder = ?"
                " AND source_id = ? AND start = ? AND end = ? AND code_id = ?", (start, end, status, *key))

    # -- memos -----------------------------------------------------------------------------------------------------

    def add_memo(self, target_kind: str, target: str, author: str, text: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO memos (target_kind, target, author, text, created_at) VALUES (?, ?, ?, ?, ?)",
            (target_kind, target, author, text, now()),
        )
        return cur.lastrowid

    def memos(self, target_kind: Optional[str] = None, target: Optional[str] = None) -> list[Memo]:
        sql, args = "SELECT id, target_kind, target, author, text, created_at FROM memos WHERE 1=1", []
        if target_kind:
            sql += " AND target_kind = ?"
            args.append(target_kind)
        if target:
            sql += " AND target = ?"
            args.append(target)
        return [Memo(*r) for r in self.conn.execute(sql + " ORDER BY id", args)]

    # -- realist evidence ------------------------------------------------------------------------------------------

    _EVIDENCE_COLUMNS = ("config_id, source_id, span_start, span_end, quote, relation, elements, linked_by, rationale,"
                         " coding_id, candidate, config_version, status, id, created_at")

    @staticmethod
    def _evidence(row) -> Evidence:
        values = list(row)
        values[6] = tuple(e for e in values[6].split(",") if e)
        return Evidence(*values)

    def add_evidence(self, item: Evidence) -> int:
        """Store an evidence record and return its id."""
        cur = self.conn.execute(
            "INSERT INTO evidence (config_id, config_version, source_id, span_start, span_end, quote, coding_id,"
            " relation, elements, linked_by, rationale, candidate, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (item.config_id, item.config_version, item.source_id, item.start, item.end, item.quote, item.coding_id,
             item.relation, ",".join(item.elements), item.linked_by, item.rationale, item.candidate, item.status,
             item.created_at or now()),
        )
        return cur.lastrowid

    def evidence(self, config_id: Optional[str] = None, source_id: Optional[str] = None,
                 evidence_id: Optional[int] = None) -> list[Evidence]:
        """Evidence records ordered by configuration, source, offsets and id; each filter is optional."""
        sql, args = f"SELECT {self._EVIDENCE_COLUMNS} FROM evidence WHERE 1=1", []
        for column, value in (("config_id", config_id), ("source_id", source_id), ("id", evidence_id)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        sql += " ORDER BY config_id, source_id, span_start, span_end, id"
        return [self._evidence(r) for r in self.conn.execute(sql, args)]

    def delete_evidence(self, evidence_id: int) -> int:
        self.conn.execute("DELETE FROM candidate_decisions WHERE evidence_id = ?", (evidence_id,))
        return self.conn.execute("DELETE FROM evidence WHERE id = ?", (evidence_id,)).rowcount

    def move_evidence(self, moves: Iterable[tuple[int, int, int, str, str]]) -> None:
        """Move evidence: each item is ``(evidence id, start, end, quote, status)``."""
        self.conn.executemany(
            "UPDATE evidence SET span_start = ?, span_end = ?, quote = ?, status = ? WHERE id = ?",
            [(start, end, quote, status, eid) for eid, start, end, quote, status in moves],
        )

    def decide_candidate(self, candidate: str, config_id: str, source_id: str, decision: str, actor: str,
                         note: str = "", evidence_id: Optional[int] = None) -> None:
        """Record (or change) the decision on a co-occurrence candidate."""
        self.conn.execute(
            "INSERT INTO candidate_decisions (candidate, config_id, source_id, decision, evidence_id, decided_by, note,"
            " decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (candidate, config_id) DO UPDATE SET"
            " decision = excluded.decision, evidence_id = excluded.evidence_id, decided_by = excluded.decided_by,"
            " note = excluded.note, decided_at = excluded.decided_at",
            (candidate, config_id, source_id, decision, evidence_id, actor, note, now()),
        )

    def candidate_decisions(self) -> dict[tuple[str, str], tuple]:
        """``(candidate, config id)`` → ``(decision, evidence id, decided by, note, decided at)``."""
        rows = self.conn.execute(
            "SELECT candidate, config_id, decision, evidence_id, decided_by, note, decided_at FROM candidate_decisions"
            " ORDER BY candidate, config_id"
        )
        return {(r[0], r[1]): tuple(r[2:]) for r in rows}

    # -- theory versions -------------------------------------------------------------------------------------------

    def add_theory_revision(self, revision: TheoryRevision) -> int:
        """Store a change of the programme theory (see :class:`ipe.records.TheoryRevision`)."""
        config = revision.configuration
        document = json.dumps(
            {k: getattr(config, k) for k in ("id", "context", "outcome", "statement", "mechanism", "resource",
                                             "response", "chain_from")}, sort_keys=True, ensure_ascii=False,
        ) if config is not None else None
        cur = self.conn.execute(
            "INSERT INTO theory_revisions (config_id, stage, status, detail, at, theory_version, reason, actor,"
            " configuration) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (revision.config_id, revision.stage, revision.status, revision.detail, revision.at or now(),
             revision.theory_version, revision.reason, revision.actor, document),
        )
        return cur.lastrowid

    def theory_revisions(self, config_id: Optional[str] = None) -> list[TheoryRevision]:
        """Every recorded change of the theory (workshop verdicts included), in the order recorded."""
        sql, args = ("SELECT config_id, stage, status, detail, at, theory_version, reason, actor, configuration, id"
                     " FROM theory_revisions"), ()
        if config_id:
            sql, args = sql + " WHERE config_id = ?", (config_id,)
        out = []
        for row in self.conn.execute(sql + " ORDER BY id", args):
            config = Configuration(**json.loads(row[8])) if row[8] else None
            out.append(TheoryRevision(*row[:6], reason=row[6] or "", actor=row[7] or "", configuration=config,
                                      id=row[9]))
        return out

    def theory_version(self) -> int:
        """The newest theory version (1, the codebook's theory, until a revision is recorded)."""
        row = self.conn.execute("SELECT MAX(theory_version) FROM theory_revisions").fetchone()
        return row[0] or 1
