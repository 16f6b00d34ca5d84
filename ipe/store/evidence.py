"""Realist evidence: passages linked to configurations, candidate decisions, and theory versions."""

from __future__ import annotations

import json
from typing import Iterable, Optional

from ipe.records import Configuration, Evidence, TheoryRevision
from ipe.store.base import now


class EvidenceMixin:
    """Store methods: evidence records, decisions on co-occurrence candidates, theory versions."""

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
