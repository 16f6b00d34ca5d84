"""REFI-QDA project exchange (``.qdpx``): users, codebook, cases, sources, codings and notes, byte-identical."""

from pathlib import Path

FORMAT = "qdpx"
SUFFIX = ".qdpx"
KIND = "project"


def write(store, path: Path) -> Path:
    from ipe.refi import export_project

    return export_project(store, path).path
