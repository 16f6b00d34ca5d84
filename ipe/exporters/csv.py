"""CSV: one UTF-8 file per table (``<target>.csv``, or ``<target>-<name>.csv`` for several)."""

from pathlib import Path

FORMAT = "csv"
SUFFIX = ".csv"
KIND = "table"


def write(tables: dict, target: Path, title: str = "") -> list[Path]:
    out = []
    for name, table in tables.items():
        path = target.with_name(f"{target.name}{SUFFIX}") if len(tables) == 1 else target.with_name(f"{target.name}-{name}{SUFFIX}")
        table.to_csv(path, index=False, lineterminator="\n")
        out.append(path)
    return out
