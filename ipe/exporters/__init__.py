"""Exporters: one module per format behind one registry keyed by kind and format name.

Each module has ``FORMAT``, ``SUFFIX``, ``KIND`` and one signature, ``write(data, path, title="") -> list[Path]``:
it writes ``data`` to ``path`` (the file name the registry chose, suffix included) and returns the files written.
The kind says what ``data`` is:

- ``table``: a dict of name -> DataFrame (csv, json, md, docx, xlsx; CSV writes ``<name>-<table>.csv`` for
  several); written with :func:`write`;
- ``graph``: a CMO ``networkx.DiGraph`` (graphml, gexf, json, dot, png, svg);
- ``project``: a project's store (qdc, qdpx);
- ``spectrum``: a survey :class:`ipe.survey.Spectrum` (png);
- ``pack``: a workshop :class:`ipe.pack.Pack` (docx, with its numbered copies beside it);

the last four written with :func:`export`, the file's suffix naming the format.

Output is deterministic: zip-based formats get fixed timestamps. Every file is written through
:func:`ipe.outputs.produce`: whole or not at all, owner-only.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Optional

from ipe import outputs
from ipe.errors import IpeError

_MODULES = ("csv", "json", "md", "docx", "xlsx", "graphml", "gexf", "graphjson", "dot", "png", "svg", "qdc", "qdpx",
            "spectrum", "pack")


def cell_text(value) -> str:
    """A table cell as text: integers without a decimal point, missing values empty."""
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Loaded last: the exporter modules import the helpers above.
def _load() -> dict:
    registry = {}
    for name in _MODULES:
        module = importlib.import_module(f"ipe.exporters.{name}")
        registry[(module.KIND, module.FORMAT)] = module
    return registry


# Loaded after the helpers above, which the exporter modules import.
REGISTRY = _load()


def formats(kind: str = "table") -> tuple:
    """The format names of one kind of exporter, in registry order."""
    return tuple(fmt for k, fmt in REGISTRY if k == kind)


TABLE_FORMATS = formats("table")


def get(fmt: str, kind: str = "table"):
    """The exporter module for a format name of a kind."""
    try:
        return REGISTRY[(kind, fmt)]
    except KeyError:
        raise IpeError(f"unknown {kind} format '{fmt}' (choose from {', '.join(formats(kind))})") from None


def write(fmt: str, tables: dict, target, title: str = "") -> list[Path]:
    """Write ``tables`` in ``fmt`` to ``target`` plus the format's suffix (a suffix ``target`` already has is not
    doubled); return the files written."""
    target = Path(target)
    exporter = get(fmt)
    if target.suffix.lower() == exporter.SUFFIX:
        target = target.with_suffix("")
    path = target.with_name(target.name + exporter.SUFFIX)
    return outputs.produce(lambda staged: exporter.write(tables, staged, title), path)


def export(kind: str, data, path, fmt: Optional[str] = None) -> list[Path]:
    """Write ``data`` of a kind other than tables (a graph, a spectrum, a project, a pack) to ``path`` in ``fmt``
    (default: the file's suffix); return the files written, ``path`` first."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in formats(kind):
        raise IpeError(f"unknown {kind} format '{fmt}' (choose from {', '.join(formats(kind))})")
    return outputs.produce(lambda staged: get(fmt, kind).write(data, staged), path)


def write_graph(graph, path, fmt: Optional[str] = None) -> Path:
    """Write a CMO graph in ``fmt`` (a graph format; default: the file's suffix)."""
    return export("graph", graph, path, fmt)[0]


README = "CSV-README"


def csv_readme(tables: dict):
    """The companion README of a folder of CSV files: one row per file, with what it shows and whose codings it
    counts (the tables' ``title`` and ``caption`` attributes)."""
    import pandas as pd

    return pd.DataFrame([{"file": f"{name}.csv", "table": t.attrs.get("title", name),
                          "what it shows and counts": t.attrs.get("caption", "")} for name, t in tables.items()],
                        columns=["file", "table", "what it shows and counts"])


def write_report_tables(tables: dict, out: Path, formats, title: str = "Findings tables") -> list[Path]:
    """Write every table: CSV one file per table (and ``CSV-README.md`` saying what each counts), the other formats
    one ``findings-tables`` file each."""
    out = outputs.make_folder(out)
    written = []
    for fmt in formats:
        if fmt == "csv":
            for name, table in tables.items():
                written += write("csv", {name: table}, out / name)
            written += write("md", {"files": csv_readme(tables)}, out / README, title="The CSV files in this folder")
        else:
            written += write(fmt, tables, out / "findings-tables", title=title)
    return written
