"""REFI-QDA codebook exchange (``.qdc``): the project's codebook for NVivo, ATLAS.ti, MAXQDA and others."""

from pathlib import Path

from ipe.refi import export_codebook

FORMAT = "qdc"
SUFFIX = ".qdc"
KIND = "project"


def write(store, path: Path, title: str = "") -> list[Path]:
    return [export_codebook(store, path).path]
