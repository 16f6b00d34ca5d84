"""Word: a findings document that reads like a report.

A4, a contents list, one heading and caption per table, code names in the tables with the ids in a key at the
end, each table on pages of the orientation it needs, wide matrices split into column groups that fit the page
(or turned round when they have few rows), numbers right-aligned and header rows repeated on every page. Tables
marked ``attrs["word"] = False`` (the quote bank) are left to the workbook and CSV.
"""

from pathlib import Path

from ipe.exporters import layout, word

FORMAT = "docx"
SUFFIX = ".docx"
KIND = "table"


def code_key(tables: dict) -> dict:
    """``{code id: name}`` over every table: their ``labels``, and any ``code``/``name`` column pairs."""
    key: dict = {}
    for table in tables.values():
        key.update(layout.labels(table))
        if {"code", "name"} <= set(table.columns):
            for code, name in zip(table["code"], table["name"]):
                key.setdefault(code, name)
    return key


def _caption(document, text: str) -> None:
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    run = paragraph.add_run(text)
    run.italic = True
    run.font.size = Pt(9)


def _describe(view, part) -> str:
    parts = []
    if view.attrs.get("turned"):
        parts.append("Codes run down the side.")
    if part.of > 1:
        first, last = part.columns[1], part.columns[-1]
        parts.append(f"Part {part.n} of {part.of}: columns {first.group or first.header} to {last.group or last.header}.")
    return " ".join(parts)


def add_tables(document, contents, tables: dict, level: int = 1) -> None:
    """Each Word-bound table under its heading and caption, in the sections its parts need."""
    for name, table in tables.items():
        if table.attrs.get("word", True) is False:
            continue
        view = layout.word_view(table)
        parts = layout.plan(view) if len(view.columns) else []
        new_section = word.page_for(document, parts[0].landscape if parts else False)
        contents.heading(table.attrs.get("title") or name, level=level, new_page=not new_section)
        if table.attrs.get("caption"):
            _caption(document, table.attrs["caption"])
        if view.empty:
            document.add_paragraph("Nothing to show: no codings of this kind yet.")
            continue
        for i, part in enumerate(parts):
            if i and word.page_for(document, part.landscape) is False:
                document.add_paragraph().paragraph_format.page_break_before = True
            if _describe(view, part):
                _caption(document, _describe(view, part))
            word.add_table(document, view, part)


def add_key(document, contents, key: dict) -> None:
    import pandas as pd

    if not key:
        return
    word.page_for(document, landscape=False)
    contents.heading("Key to codes", level=1)
    _caption(document, "The tables name codes; this key gives each name's id in the codebook, the CSV files and "
                       "the workbook.")
    view = pd.DataFrame({"Name": list(key.values()), "Code id": list(key)})
    for part in layout.plan(view):
        word.add_table(document, view, part)


def write(tables: dict, path: Path, title: str = "") -> list[Path]:
    document = word.new_document(title)
    if title:
        document.add_paragraph(title, style="Title")
    left_out = [name for name, t in tables.items() if t.attrs.get("word", True) is False]
    if left_out:
        document.add_paragraph(
            f"Left out of this document, in the workbook and CSV files instead: {', '.join(left_out)}.")
    contents = word.Contents(document)
    add_tables(document, contents, tables)
    add_key(document, contents, code_key(tables))
    contents.finish()
    return [word.save(document, path)]
