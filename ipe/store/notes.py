"""Reviews of auto codings, and memos."""

from __future__ import annotations

from typing import Iterable, Optional

from ipe.records import Memo
from ipe.store.base import now


class NotesMixin:
    """Store methods: reviews of auto codings, and memos."""

    # -- reviews ---------------------------------------------------------------------------------------------------

    def add_reviews(self, rows: Iterable[tuple]) -> int:
        """Each row: ``(reviewer, auto_coder, source_id, start, end, code_id, decision)``."""
        stamp = now()
        rows = [tuple(r) + (stamp,) for r in rows]
        self.conn.executemany(
            "INSERT INTO reviews (reviewer, auto_coder, source_id, start, end, code_id, decision, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (reviewer, auto_coder, source_id, start, end, code_id)"
            " DO UPDATE SET decision = excluded.decision, created_at = excluded.created_at",
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
