"""CSV: one UTF-8 file per table (``<name>.csv`` as asked, or ``<name>-<table>.csv`` for several)."""

from pathlib import Path

FORMAT = "csv"
SUFFIX = ".csv"
KIND = "table"


def write(tables: dict, path: Path, title: str = "") -> list[Path]:
    out = []
    for name, table in tables.items():
        stem = path.name[: -len(SUFFIX)]
        file = path if len(tables) == 1 else path.with_name(f"{stem}-{name}{SUFFIX}")
        table.to_csv(file, index=False, lineterminator="\n")
        out.append(file)
    return out
