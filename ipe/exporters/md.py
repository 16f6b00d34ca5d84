"""Markdown: one file, a heading and a pipe table per table."""

from pathlib import Path

from ipe.exporters import cell_text

FORMAT = "md"
SUFFIX = ".md"
KIND = "table"


def _cell(value) -> str:
    return cell_text(value).replace("|", "\\|").replace("\n", "<br>")


def table_lines(table) -> list[str]:
    header = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return lines


def text(table) -> str:
    """One table as Markdown text (a pipe table), for the screen."""
    return "\n".join(table_lines(table))


def write(tables: dict, path: Path, title: str = "") -> list[Path]:
    lines = [f"# {title}", ""] if title else []
    for name, table in tables.items():
        if len(tables) > 1 or not title:
            lines += [f"## {name}", ""]
        lines += table_lines(table) + [""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return [path]
