"""REFI-QDA codebook exchange (``.qdc``): the project's codebook for NVivo, ATLAS.ti, MAXQDA and others."""

from pathlib import Path

FORMAT = "qdc"
SUFFIX = ".qdc"
KIND = "project"


def write(store, path: Path) -> Path:
    from ipe.refi import export_codebook

    return export_codebook(store, path).path
