"""What the command line and the workbench list from a project: its sources, memos and audit log, one source to
show, and a backup; each a library call over the store, so no front end reads the store itself."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ipe.records import Source
from ipe.store import STORE_NAME

__all__ = ["MEMO_COLUMNS", "sources_table", "memos_table", "source", "audit_log", "backup"]

MEMO_COLUMNS = ["id", "target_kind", "target", "author", "text", "created_at"]


def sources_table(store) -> pd.DataFrame:
    """One row per source: its counts, then its ``case``, ``role`` and ``data_type`` attributes."""
    rows = store.source_summaries()
    return pd.DataFrame([{**{k: v for k, v in r.items() if k != "attributes"},
                          **{k: r["attributes"].get(k, "") for k in ("case", "role", "data_type")}} for r in rows])


def memos_table(store) -> pd.DataFrame:
    """Every memo, oldest first."""
    return pd.DataFrame([m.__dict__ for m in store.memos()], columns=MEMO_COLUMNS)


def source(store, source_id: str) -> Source:
    """One source with its turns and sentences (``ipe.errors.NotFound`` when there is none of that id)."""
    return store.source(source_id)


def audit_log(store, last: int = 20) -> list:
    """The newest ``last`` entries of the audit log."""
    return store.audit_log(last)


def backup(store, directory: str | os.PathLike) -> Path:
    """A consistent copy of the project store in ``directory``; returns its path."""
    return store.backup(Path(directory) / STORE_NAME)
