"""Suggested codings with their provenance, and the cache of sentence embeddings."""

from __future__ import annotations

from typing import Iterable, Optional

from ipe.records import Coding
from ipe.store.base import now


class SuggestionsMixin:
    """Store methods: suggestions (codings with status 'suggested') and cached embedding vectors."""

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
