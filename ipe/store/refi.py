"""What a REFI-QDA exchange needs beyond ipe's own records: creation dates, and metadata kept from an import."""

from __future__ import annotations

import json
from typing import Iterable, Optional


class RefiMixin:
    """Store methods: rows' creation dates, and the REFI-QDA metadata an import kept."""

    def created_dates(self, table: str) -> dict:
        """When each row of ``codings``, ``memos``, ``sources``, ``coders`` or ``codebooks`` was made: key → date."""
        column, key = {"codings": ("created_at", "id"), "memos": ("created_at", "id"),
                       "sources": ("imported_at", "id"), "coders": ("created_at", "name"),
                       "codebooks": ("loaded_at", "version")}[table]
        return dict(self.conn.execute(f"SELECT {key}, {column} FROM {table}"))

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
