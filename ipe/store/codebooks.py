"""Codebook versions and their codes."""

from __future__ import annotations

from typing import Optional

from ipe.errors import NotFound
from ipe.store.base import now


class CodebooksMixin:
    """Store methods: codebook versions and their codes."""

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

    def codebook_versions(self) -> list[tuple[int, str, str, str]]:
        """Every stored codebook version as ``(version, name, content_hash, loaded_at)``, oldest first."""
        return [tuple(r) for r in self.conn.execute(
            "SELECT version, name, content_hash, loaded_at FROM codebooks ORDER BY version")]

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
