"""Copying a project from one store into another (SQLite to PostgreSQL or back), verified by the logical checksum."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ipe.errors import ProjectError
from ipe.store.backend import STORE_NAME, Location, is_postgres

BATCH = 2000


@dataclass(frozen=True)
class CopyReport:
    """What a copy did: where from and to (no passwords), rows per table, and the checksum both sides share."""

    source: str
    target: str
    rows: dict
    checksum: str

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def target_location(to: str) -> Location:
    """Where ``to`` points: a PostgreSQL URL, a ``sqlite:///`` URL, a ``.db`` file or a folder (its ``ipe.db``)."""
    if is_postgres(to):
        from ipe.store.backend import check_url

        return Location(Path("."), database=check_url(to))
    path = Path(to[len("sqlite:///"):] if to.startswith("sqlite:///") else to).expanduser()
    if path.suffix != ".db":
        path = path / STORE_NAME
    if path.exists():
        raise ProjectError(f"{path}: already exists; copy into a new file or folder")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return Location(path.parent, file=path)


def copy_order(store) -> list[str]:
    """The store's content tables (sessions stay behind), each after the tables its foreign keys point at."""
    tables = store.table_names(content_only=True)
    needs = {t: store.backend.references(store.conn, t) & set(tables) - {t} for t in tables}
    order: list[str] = []
    while len(order) < len(tables):
        ready = sorted(t for t in tables if t not in order and needs[t] <= set(order))
        if not ready:
            raise ProjectError(f"{store.label}: the tables' foreign keys form a cycle; cannot copy")
        order += ready
    return order


def copy_rows(source, target) -> dict:
    """Copy every row of ``source`` into the empty, same-schema ``target`` in one transaction of the target's, and
    check the target's logical checksum against the source's before committing. Returns rows per table."""
    if source.schema_version != target.schema_version:
        raise ProjectError(f"{target.label}: schema {target.schema_version} is not the source's"
                           f" ({source.schema_version})")
    order = copy_order(source)
    counts: dict[str, int] = {}
    with target.transaction():
        for table in order:
            if target.conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                raise ProjectError(f"{target.label}: not empty (table {table} has rows); copy into a new database")
        for table in order:
            columns = source.backend.columns(source.conn, table)
            names = ", ".join(columns)
            insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
            cursor = source.conn.execute(f"SELECT {names} FROM {table}")
            counts[table] = 0
            while rows := cursor.fetchmany(BATCH):
                target.conn.executemany(insert, rows)
                counts[table] += len(rows)
        target.backend.after_copy(target.conn, order)
        if target.logical_checksum() != source.logical_checksum():
            raise ProjectError(f"{target.label}: the copy's checksum differs from the source's; nothing was kept")
    return counts


def copy_store(source, to: str, actor: str) -> CopyReport:
    """Copy the open store ``source`` into a new store at ``to`` and verify it, nothing lost.

    The copy is recorded in the source's audit log first, inside a write transaction held for the whole copy, so
    nothing changes meanwhile and both audit logs end with the same entry; if anything fails, neither side changes.
    """
    from ipe.store import Store

    location = target_location(to)
    if location.database and location.database == source.location.database:
        # Caught here: connecting would wait for the project's own write lock and then say "busy".
        raise ProjectError(f"{source.label}: is this project's own database; copy into another one")
    version = source.schema_version
    target = Store._connect(location, migrate_to=version, record=False)
    try:
        if target.schema_version != version:
            raise ProjectError(f"{target.label}: already holds an ipe project; copy into an empty database")
        with source.transaction():
            source.audit(actor, "db copy", {"from": source.label, "to": target.label})
            rows = copy_rows(source, target)
            checksum = source.logical_checksum()
    except BaseException:
        target.close()
        if not location.database:  # the new file holds nothing worth keeping
            for suffix in ("", "-wal", "-shm"):
                Path(f"{location.sqlite_file}{suffix}").unlink(missing_ok=True)
        raise
    target.close()
    return CopyReport(source.label, target.label if location.database else str(location.sqlite_file), rows, checksum)
