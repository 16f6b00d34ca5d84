"""Writing REFI-QDA: the codebook (.qdc) and the whole project (.qdpx), schema-valid and byte-identical."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from lxml import etree

from ipe import outputs
from ipe.refi.common import NS_CODEBOOK, ORIGIN, ExportReport, RefiError, _timestamp
from ipe.refi.elements import _codes_element, _Kept, _latest_codebook, _lazy, _type_sets, _xml_bytes
from ipe.refi.offsets import EXPORT_UNITS, PRESETS
from ipe.refi.qde import ProjectWriter
from ipe.zipfiles import zip_bytes


def export_codebook(store, path) -> ExportReport:
    """Write the project's newest codebook as a REFI-QDA codebook (``.qdc``)."""
    path = Path(path)
    _, codebook = _latest_codebook(store)
    if codebook is None:
        raise RefiError(path, "the project has no codebook to export")
    kept = _Kept(store)
    root = etree.Element(f"{{{NS_CODEBOOK}}}CodeBook", nsmap={None: NS_CODEBOOK})
    root.set("origin", ORIGIN)
    _codes_element(root, NS_CODEBOOK, codebook, {}, kept)
    _type_sets(_lazy(root, NS_CODEBOOK, "Sets"), NS_CODEBOOK, codebook, "guid", kept)
    outputs.write_bytes(path, _xml_bytes(root))
    return ExportReport(path=path, codes=len(codebook.codes))


def export_unit(offsets: Optional[str], preset: Optional[str]) -> Optional[str]:
    """The offset unit asked for (None: each source in the unit it was imported in, else code points)."""
    if offsets and offsets not in EXPORT_UNITS:
        raise RefiError("--offsets", f"'{offsets}' is not one of {', '.join(EXPORT_UNITS)}")
    if preset and preset not in PRESETS:
        raise RefiError("--for", f"'{preset}' is not one of {', '.join(PRESETS)}")
    if offsets and preset and not PRESETS[preset].startswith(offsets):
        raise RefiError("--offsets", f"'{offsets}' contradicts --for {preset} ({PRESETS[preset]})")
    return PRESETS[preset] if preset else offsets


def export_project(store, path, timestamp: Optional[str] = None, offsets: Optional[str] = None,
                   preset: Optional[str] = None) -> ExportReport:
    """Write the whole project as a REFI-QDA project (``.qdpx``): users, codebook, cases, sources, codings, notes.

    Only codings in force are written (:func:`ipe.in_force.current_codings`), each as its own PlainTextSelection
    with ``creatingUser`` (as NVivo writes them); dates are the store's own. What an import kept (GUIDs, dates,
    users, Sets, exact descriptions, layout of the text) is written back, so import then export gives the same
    project. The file is byte-identical on every run.

    Parameters
    ----------
    timestamp : the project's creation and modification date (default: the store's first and last change).
    offsets : ``utf16`` or ``codepoints``; preset : ``nvivo``, ``atlasti``, ``maxqda`` or ``qualcoder``. Without
        either, each imported source is written in the unit it was read in and every other in code points.
    """
    path = Path(path)
    writer = ProjectWriter(store, _Kept(store), export_unit(offsets, preset), _timestamp(timestamp) if timestamp
                           else None)
    root, files, report = writer.build(path)
    outputs.write_bytes(path, zip_bytes([("project.qde", _xml_bytes(root))] + files))
    return report


def export(store, path, timestamp: Optional[str] = None, offsets: Optional[str] = None,
           preset: Optional[str] = None) -> ExportReport:
    """Export by suffix: ``.qdc`` (codebook) or ``.qdpx`` (project)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".qdc":
        return export_codebook(store, path)
    if suffix == ".qdpx":
        return export_project(store, path, timestamp, offsets, preset)
    raise RefiError(path, "give a .qdc (codebook) or .qdpx (project) file name")
