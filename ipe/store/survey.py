"""Survey responses, case links, workshop packs and theory revisions."""

from __future__ import annotations

from typing import Iterable, Optional

from ipe.store.base import now


class SurveyMixin:
    """Store methods: survey responses, case links, workshop packs and theory revisions."""

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
        self.conn.execute("INSERT INTO case_links (case_id, la) VALUES (?, ?) ON CONFLICT (case_id) DO UPDATE SET la = excluded.la", (case_id, la))

    def case_links(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT case_id, la FROM case_links ORDER BY case_id"))

    def set_case_attribute(self, case_id: str, key: str, value: str) -> int:
        """Set an attribute on every source of a case (e.g. the MASH model taken from the survey)."""
        ids = [r[0] for r in self.conn.execute(
            "SELECT source_id FROM source_attributes WHERE key = 'case' AND value = ?", (case_id,))]
        self.conn.executemany(
            "INSERT INTO source_attributes (source_id, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (source_id, key) DO UPDATE SET value = excluded.value",
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
