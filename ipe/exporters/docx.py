"""Word: one document with a heading and a styled table per table (Word styles, so it can be edited)."""

from pathlib import Path

from ipe.exporters import FIXED_TIME, cell_text, fix_zip_timestamps

FORMAT = "docx"
SUFFIX = ".docx"
KIND = "table"
TABLE_STYLE = "Light Grid Accent 1"


def new_document(title: str):
    import docx

    document = docx.Document()
    props = document.core_properties
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.title = title
    props.author = props.last_modified_by = "ipe"
    props.revision = 1
    if title:
        document.add_heading(title, level=0)
    return document


def add_table(document, table) -> None:
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = TABLE_STYLE
    for cell, name in zip(grid.rows[0].cells, table.columns):
        cell.text = str(name)
    for row in table.itertuples(index=False):
        cells = grid.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = cell_text(value)


def save(document, path: Path) -> Path:
    document.save(path)
    fix_zip_timestamps(path)
    return path


def write(tables: dict, target: Path, title: str = "") -> list[Path]:
    document = new_document(title)
    for name, table in tables.items():
        if len(tables) > 1 or not title:
            document.add_heading(name, level=1)
        add_table(document, table)
    return [save(document, target.with_name(target.name + SUFFIX))]
