"""Coders, codings and which sources each coder has coded."""

from __future__ import annotations

from typing import Iterable, Optional

from ipe.errors import Conflict, NotFound, ProjectError
from ipe.records import Coding
from ipe.store.base import now

# The columns of a :class:`Coding`, in its fields' order.
CODING_COLUMNS = "source_id, start, end, code_id, coder, provenance, codebook_version, quote, id, status, version"


class CodingsMixin:
    """Store methods: coders, codings and which sources each coder has coded."""

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
            "INSERT INTO coded_sources (coder, codebook_version, source_id, content_hash, codings, coded_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (coder, codebook_version, source_id) DO UPDATE SET"
            " content_hash = excluded.content_hash, codings = excluded.codings, coded_at = excluded.coded_at",
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
            f"SELECT {CODING_COLUMNS} FROM codings WHERE 1=1"
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
        moved = self.conn.execute("UPDATE codings SET code_id = ?, version = version + 1 WHERE code_id = ?",
                                  (new, old)).rowcount + len(twins)
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

    def provenances(self) -> list[str]:
        """Every distinct provenance of the codings (file names of imports among them)."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT provenance FROM codings ORDER BY provenance")]

    def relabel_provenance(self, old: str, new: str) -> None:
        """Rewrite one provenance on every coding that has it (pseudonymisation of the file names in it)."""
        self.conn.execute("UPDATE codings SET provenance = ? WHERE provenance = ?", (new, old))

    def update_coding_spans(self, moves: Iterable[tuple[int, int, int, str]]) -> None:
        """Move codings: each item is ``(coding id, start, end, status)``."""
        self.conn.executemany(
            "UPDATE codings SET start = ?, end = ?, status = ?, version = version + 1 WHERE id = ?",
            [(start, end, status, cid) for cid, start, end, status in moves],
        )

    def coding(self, coding_id: int) -> Coding:
        row = self.conn.execute(
            f"SELECT {CODING_COLUMNS} FROM codings WHERE id = ?", (coding_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no coding {coding_id} in the project")
        return Coding(*row)

    def delete_coding(self, coding_id: int, expected_version: Optional[int] = None) -> None:
        """Delete one coding and the memos on it; with ``expected_version``, only if it is still that version."""
        sql, args = "DELETE FROM codings WHERE id = ?", [coding_id]
        if expected_version is not None:
            sql, args = sql + " AND version = ?", args + [expected_version]
        if not self.conn.execute(sql, args).rowcount and expected_version is not None:
            self._conflict(coding_id, expected_version)
        self.conn.execute("DELETE FROM memos WHERE target_kind = 'coding' AND target = ?", (str(coding_id),))

    def move_coding(self, coding_id: int, start: int, end: int, quote: str,
                    expected_version: Optional[int] = None) -> None:
        """Move one coding's ends (its version goes up); with ``expected_version``, only if it is still that one."""
        sql = "UPDATE codings SET start = ?, end = ?, quote = ?, status = 'ok', version = version + 1 WHERE id = ?"
        args = [start, end, quote, coding_id]
        if expected_version is not None:
            sql, args = sql + " AND version = ?", args + [expected_version]
        if not self.conn.execute(sql, args).rowcount:
            self._conflict(coding_id, expected_version)

    def touch_coding(self, coding_id: int, expected_version: Optional[int] = None) -> int:
        """Raise one coding's version (it was reviewed, say); with ``expected_version``, only from that one.

        Returns the new version."""
        sql, args = "UPDATE codings SET version = version + 1 WHERE id = ?", [coding_id]
        if expected_version is not None:
            sql, args = sql + " AND version = ?", args + [expected_version]
        if not self.conn.execute(sql, args).rowcount:
            self._conflict(coding_id, expected_version)
        return self.conn.execute("SELECT version FROM codings WHERE id = ?", (coding_id,)).fetchone()[0]

    def _conflict(self, coding_id: int, expected_version: Optional[int]):
        """Raise the error for an update that matched no row: the coding is gone, or at another version."""
        row = self.conn.execute("SELECT version FROM codings WHERE id = ?", (coding_id,)).fetchone()
        who = self._last_editor(coding_id)
        if row is None:
            by = f" by {who[0]} at {who[1]}" if who else ""
            raise Conflict(f"coding {coding_id} was removed{by} since you opened it; reload to see it")
        if expected_version is None:
            raise NotFound(f"no coding {coding_id} in the project")
        by = f"{who[0]} at {who[1]}" if who else "someone else"
        raise Conflict(f"this coding ({coding_id}) was changed by {by} since you opened it"
                       f" (version {row[0]}, you had {expected_version}); reload to see it")

    def coding_exists(self, coding_id: int) -> bool:
        return self.conn.execute("SELECT 1 FROM codings WHERE id = ?", (coding_id,)).fetchone() is not None

    def _last_editor(self, coding_id: int) -> Optional[tuple[str, str]]:
        """Who last wrote an audit entry about this coding, and when (the details are JSON with sorted keys)."""
        row = self.conn.execute(
            "SELECT actor, at FROM audit WHERE detail LIKE ? OR detail LIKE ? ORDER BY id DESC LIMIT 1",
            (f'%"coding": {int(coding_id)},%', f'%"coding": {int(coding_id)}}}%')).fetchone()
        return (row[0], row[1]) if row else None
