"""REFI-QDA project exchange (``.qdpx``): users, codebook, cases, sources, codings and notes, byte-identical."""

from pathlib import Path

from ipe.refi import export_project

FORMAT = "qdpx"
SUFFIX = ".qdpx"
KIND = "project"


def write(store, path: Path, title: str = "") -> list[Path]:
    return [export_project(store, path).path]
