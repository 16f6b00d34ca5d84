"""Sources: their text, turns, sentences and attributes."""

from __future__ import annotations

import hashlib
import json
from typing import Iterable, Iterator, Optional

from ipe.errors import NotFound
from ipe.records import Sentence, Source, Turn
from ipe.store.base import now


def attributes_digest(attributes: dict) -> str:
    """A hash of attributes as imported (sorted, strings, empty values left out): comparable, and it keeps no names."""
    canonical = json.dumps({k: str(v) for k, v in sorted(attributes.items()) if v is not None and str(v) != ""},
                           sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class SourcesMixin:
    """Store methods: sources: their text, turns, sentences and attributes."""

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
            "INSERT INTO source_attributes (source_id, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (source_id, key) DO UPDATE SET value = excluded.value",
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

    def rename_source(self, old: str, new: str, name: str, path: Optional[str]) -> None:
        """Give a source a new id, name and path; everything that refers to it follows (pseudonymisation).

        The new row is written before the old one goes, so foreign keys hold at every statement on both backends.
        """
        if old == new:
            self.conn.execute("UPDATE sources SET name = ?, path = ? WHERE id = ?", (name, path, old))
            self.conn.execute("UPDATE source_versions SET name = ?, path = ? WHERE source_id = ?", (name, path, old))
            return
        if self.has_source(new):
            raise ValueError(f"source id '{new}' is taken")
        self.conn.execute(
            "INSERT INTO sources (id, name, path, format, text, content_hash, origin_hash, origin_attributes, word_count,"
            " imported_at, updated_at) SELECT ?, ?, ?, format, text, content_hash, origin_hash, origin_attributes,"
            " word_count, imported_at, updated_at FROM sources WHERE id = ?", (new, name, path, old))
        # Every table that refers to a source by id, found from the schema, so a table added later is never missed
        # (the old row's delete would cascade to it).
        for table in self.table_names():
            if table not in ("sources", "source_versions") and "source_id" in self.backend.columns(self.conn, table):
                self.conn.execute(f"UPDATE {table} SET source_id = ? WHERE source_id = ?", (new, old))
        self.conn.execute("UPDATE source_versions SET source_id = ?, name = ?, path = ? WHERE source_id = ?",
                          (new, name, path, old))
        self.conn.execute("UPDATE memos SET target = ? WHERE target_kind = 'source' AND target = ?", (new, old))
        turn_memos = self.conn.execute("SELECT id, target FROM memos WHERE target_kind = 'turn'").fetchall()
        self.conn.executemany("UPDATE memos SET target = ? WHERE id = ?",
                              [(new + target[len(old):], mid) for mid, target in turn_memos
                               if target.startswith(old + "#")])
        self.conn.execute("UPDATE refi_objects SET key = ? WHERE kind = 'source' AND key = ?", (new, old))
        rows = self.conn.execute("SELECT key, data FROM refi_objects WHERE kind = 'coding'").fetchall()
        for key, data in rows:
            held = json.loads(data)
            if isinstance(held.get("key"), list) and held["key"] and held["key"][0] == old:
                held["key"][0] = new
                self.conn.execute("UPDATE refi_objects SET data = ? WHERE kind = 'coding' AND key = ?",
                                  (json.dumps(held, sort_keys=True, ensure_ascii=False), key))
        self.conn.execute("DELETE FROM sources WHERE id = ?", (old,))

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
