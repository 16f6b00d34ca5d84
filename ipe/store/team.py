"""Team coding: which coder is assigned which source (blind or not), consensus resolutions, the change feed."""

from __future__ import annotations

from typing import Iterable, Optional

from ipe.records import Assignment, AuditEntry, Resolution
from ipe.store.base import now

_ASSIGNMENT = "SELECT source_id, coder, blind, assigned_by, assigned_at FROM assignments"
_RESOLUTION = ("SELECT id, source_id, code_id, kept_coding_id, kept_coder, start, end, decided_by, reason, decided_at"
               " FROM resolutions")


def _assignment(row) -> Assignment:
    return Assignment(row[0], row[1], bool(row[2]), row[3], row[4])


class TeamMixin:
    """Store methods: assignments, resolutions and the audit entries after a point (for live updates)."""

    def put_assignment(self, source_id: str, coder: str, blind: bool, assigned_by: str) -> None:
        """Assign a source to a coder, or change whether that assignment is blind."""
        self.conn.execute(
            "INSERT INTO assignments (source_id, coder, blind, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (source_id, coder) DO UPDATE SET blind = excluded.blind,"
            " assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
            (source_id, coder, int(bool(blind)), assigned_by, now()))

    def delete_assignment(self, source_id: str, coder: str) -> int:
        return self.conn.execute("DELETE FROM assignments WHERE source_id = ? AND coder = ?",
                                 (source_id, coder)).rowcount

    def unblind_source(self, source_id: str) -> int:
        return self.conn.execute("UPDATE assignments SET blind = 0 WHERE source_id = ? AND blind = 1",
                                 (source_id,)).rowcount

    def assignment_rows(self, source_id: Optional[str] = None, coder: Optional[str] = None) -> list[Assignment]:
        sql, args = f"{_ASSIGNMENT} WHERE 1=1", []
        if source_id is not None:
            sql, args = sql + " AND source_id = ?", args + [source_id]
        if coder is not None:
            sql, args = sql + " AND coder = ?", args + [coder]
        return [_assignment(r) for r in self.conn.execute(sql + " ORDER BY source_id, coder", args)]

    def blind_sources(self, source_ids: Optional[Iterable[str]] = None) -> set[str]:
        """Of ``source_ids`` (or all), those with a blind assignment in force."""
        rows = self.conn.execute("SELECT DISTINCT source_id FROM assignments WHERE blind = 1").fetchall()
        blind = {r[0] for r in rows}
        return blind if source_ids is None else blind & set(source_ids)

    def add_resolution(self, source_id: str, code_id: str, kept_coding_id: Optional[int], kept_coder: Optional[str],
                       start: int, end: int, consensus_coding_id: Optional[int], decided_by: str, reason: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO resolutions (source_id, code_id, kept_coding_id, kept_coder, start, end, consensus_coding_id,"
            " decided_by, reason, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (source_id, code_id, kept_coding_id, kept_coder, start, end, consensus_coding_id, decided_by, reason,
             now()))
        return cur.lastrowid

    def resolution_rows(self, source_id: Optional[str] = None, resolution_id: Optional[int] = None) -> list[Resolution]:
        sql, args = f"{_RESOLUTION} WHERE 1=1", []
        if source_id is not None:
            sql, args = sql + " AND source_id = ?", args + [source_id]
        if resolution_id is not None:
            sql, args = sql + " AND id = ?", args + [resolution_id]
        return [Resolution(*r) for r in self.conn.execute(sql + " ORDER BY id", args)]

    def audit_since(self, since: int, limit: int = 1000) -> list[AuditEntry]:
        """Audit entries after id ``since``, oldest first, at most ``limit``."""
        rows = self.conn.execute("SELECT id, at, actor, action, detail FROM audit WHERE id > ? ORDER BY id LIMIT ?",
                                 (int(since), int(limit))).fetchall()
        return [AuditEntry(*r) for r in rows]

    def last_audit_id(self) -> int:
        return self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]
