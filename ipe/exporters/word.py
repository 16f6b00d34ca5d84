"""Word documents that print: A4 sections in either orientation, headings with a contents list, tables laid out
by ``ipe.exporters.layout`` (fixed column widths, repeated header rows, numbers right-aligned).

Shared by the findings document (``ipe.exporters.docx``) and the workshop pack (``ipe.workshop``).
"""

from __future__ import annotations

from pathlib import Path

from ipe.exporters import cell_text
from ipe.exporters.layout import A4, CHAR_CM, MARGIN, PAD_CM, ROTATED_LINE, Part
from ipe.zipfiles import FIXED_TIME, fix_zip_timestamps

FONT = "Arial"
BODY_PT = 10
TABLE_PT = 8
HEADER_FILL = "D9E2F3"


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _element(tag: str, **attrs):
    from docx.oxml import OxmlElement

    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(_qn(f"w:{key}"), str(value))
    return el


def new_document(title: str = "", subject: str = "", identifier: str = ""):
    """An empty A4 portrait document with fixed properties (same content, same bytes) and Arial body text."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    props = document.core_properties
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.title, props.subject, props.identifier = title, subject, identifier
    props.author = props.last_modified_by = "ipe"
    props.revision = 1
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Quote", "Intense Quote"):
        style = document.styles[name]
        style.font.name = FONT
        style.element.rPr.rFonts.set(_qn("w:eastAsia"), FONT)
    document.styles["Normal"].font.size = Pt(BODY_PT)
    set_page(document.sections[0], landscape=False)
    # Word refreshes the contents' page numbers on opening; LibreOffice works them out as it lays out.
    document.settings.element.append(_element("w:updateFields", val="true"))
    return document


def set_page(section, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    short, long_ = Cm(A4[0]), Cm(A4[1])
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN))


def page_for(document, landscape: bool) -> bool:
    """Make the text that follows sit on a page of the given orientation; True when a new section was started."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    current = document.sections[-1]
    if (current.orientation == WD_ORIENT.LANDSCAPE) == landscape:
        return False
    set_page(document.add_section(WD_SECTION.NEW_PAGE), landscape)
    return True


class Contents:
    """Headings with bookmarks, and the contents list that points at them with page numbers."""

    def __init__(self, document, heading: str = "Contents"):
        self.document = document
        self.entries: list[tuple[str, str, int]] = []
        document.add_heading(heading, level=1)
        self.anchor = document.add_paragraph()

    def heading(self, text: str, level: int = 1, new_page: bool = True):
        paragraph = self.document.add_heading(text, level=level)
        paragraph.paragraph_format.page_break_before = new_page
        paragraph.paragraph_format.keep_with_next = True
        name = f"_Toc_ipe_{len(self.entries) + 1}"
        ident = str(len(self.entries) + 1)
        paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, _element("w:bookmarkStart", id=ident, name=name))
        paragraph._p.append(_element("w:bookmarkEnd", id=ident))
        self.entries.append((text, name, level))
        return paragraph

    def finish(self) -> None:
        """Write the contents list where the document's contents heading stands."""
        from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
        from docx.shared import Cm

        width = Cm(A4[0] - 2 * MARGIN)
        for text, name, level in self.entries:
            paragraph = self.anchor.insert_paragraph_before()
            paragraph.paragraph_format.left_indent = Cm(0.6 * (level - 1))
            paragraph.paragraph_format.space_after = 0
            paragraph.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
            paragraph.add_run(f"{text}\t")
            _field(paragraph, f" PAGEREF {name} \\h ", "1")


def _field(paragraph, instruction: str, shown: str) -> None:
    for kind, text in (("begin", None), (None, instruction), ("separate", None), ("text", shown), ("end", None)):
        run = paragraph.add_run()
        if kind in ("begin", "separate", "end"):
            run._r.append(_element("w:fldChar", fldCharType=kind))
        elif kind == "text":
            run.text = text
        else:
            instr = _element("w:instrText")
            instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            instr.text = text
            run._r.append(instr)


def _header_row(row) -> None:
    """Repeat this row at the top of every page the table runs on, and never split it."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_element("w:cantSplit"))
    tr_pr.append(_element("w:tblHeader"))


def _shade(cell, fill: str = HEADER_FILL) -> None:
    cell._tc.get_or_add_tcPr().append(_element("w:shd", val="clear", color="auto", fill=fill))


def _rotate(cell) -> None:
    cell._tc.get_or_add_tcPr().append(_element("w:textDirection", val="btLr"))


def _write(cell, text: str, numeric: bool = False, bold: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    lines = text.split("\n") if text else [""]
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            paragraph = cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2 if len(lines) > 1 else 0)
        if numeric:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = paragraph.add_run(line)
        run.font.size = Pt(TABLE_PT)
        run.bold = bold or None


def add_table(document, view, part: Part, style: str = "Table Grid"):
    """Render one part of a table view: fixed column widths, one or two header rows repeated on every page."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Cm

    columns = part.columns
    grouped = any(c.group for c in columns)
    table = document.add_table(rows=2 if grouped else 1, cols=len(columns))
    table.style = style
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    tbl_pr.append(_element("w:tblLayout", type="fixed"))
    for column, spec in zip(table.columns, columns):
        column.width = Cm(spec.width)
    header_rows = list(table.rows)
    for row in header_rows:
        _header_row(row)
        for cell, spec in zip(row.cells, columns):
            cell.width = Cm(spec.width)
    sub = header_rows[-1]
    if grouped:
        top = header_rows[0]
        start = 0
        while start < len(columns):
            end = start
            while end + 1 < len(columns) and columns[end + 1].group and columns[end + 1].group == columns[start].group:
                end += 1
            cell = top.cells[start].merge(top.cells[end]) if end > start else top.cells[start]
            _write(cell, columns[start].group or "", bold=True)
            _shade(cell)
            start = end + 1
    for cell, spec in zip(sub.cells, columns):
        _write(cell, spec.header, numeric=spec.numeric and not spec.rotate, bold=True)
        _shade(cell)
        if spec.rotate:
            _rotate(cell)
    rotated = [c for c in columns if c.rotate]
    if rotated:
        longest = max(len(c.header) for c in rotated)
        lines = 1 if longest <= ROTATED_LINE else 2
        sub.height = Cm(min(longest / lines + 2, ROTATED_LINE + 4) * CHAR_CM + PAD_CM)
        sub.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    names = [c.name for c in columns]
    numeric = [c.numeric for c in columns]
    for values in view[names].itertuples(index=False):
        cells = table.add_row().cells
        for cell, value, is_number in zip(cells, values, numeric):
            _write(cell, cell_text(value), numeric=is_number)
    return table


def save(document, path: Path) -> Path:
    document.save(path)
    fix_zip_timestamps(path)
    return path
