"""The workshop sense-check pack (Word): a :class:`ipe.pack.Pack` laid out for practitioners to read, mark and return.

A cover (how to respond, returning the pack, data protection, the pack id in small print), the programme theory as
a picture on an A4 landscape page, one page per configuration (heading, statement, diagram, status in words,
quotes, response table), the emergent links, a closing page. ``pack.copies`` numbered copies are written beside
the pack as ``<name>-copy-NN.docx``; each carries its copy number, so a returned copy is counted once. The response
tables use the words :mod:`ipe.workshop` reads back.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ipe.cmo.drawing import draw, draw_configuration
from ipe.exporters import word
from ipe.workshop import DIFFERENT_ROW, EMPTY_BOX, FIT_ROW, MISSING_ROW, RESPONSES

FORMAT = "docx"
SUFFIX = ".docx"
KIND = "pack"

TABLE_STYLE = "Table Grid"
LINK_ROW = "Is this link real in your MASH? What sits between the two?"
ABOUT_ROWS = ["Anything else?", "Your agency (optional, no names)",
              "Your MASH model (optional): risk-focused / hybrid / needs and planning"]


def copy_path(path: Path, copy: int) -> Path:
    """Where numbered copy ``copy`` of a pack at ``path`` goes (copy 0 is the pack itself)."""
    return path if copy == 0 else path.with_name(f"{path.stem}-copy-{copy:02d}{path.suffix}")


def write(pack, path: Path, title: str = "") -> list[Path]:
    """Write the pack and its numbered copies; ``title`` (default: the pack's) is the cover title."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        picture = draw(pack.graph, Path(tmp) / "theory.png", "png", min_sources=pack.min_sources)
        diagrams = {s.id: draw_configuration(pack.graph, s.context, s.mechanisms, s.outcome, Path(tmp) / f"{s.id}.png")
                    for s in pack.sections}
        files = []
        for copy in range(pack.copies + 1):
            document = _document(pack, title or pack.title, copy, picture, diagrams)
            files.append(word.save(document, copy_path(path, copy)))
    return files


def _document(pack, title: str, copy: int, picture: Path, diagrams: dict):
    from docx.shared import Cm, Pt

    document = word.new_document(title, subject=f"{pack.ident} copy {copy}" if copy else pack.ident,
                                 identifier=pack.ident)
    document.core_properties.keywords = " ".join(s.id for s in pack.sections)
    document.add_paragraph(title, style="Title")
    if pack.date:
        document.add_paragraph(pack.date)
    document.add_paragraph(
        "This pack sets out what our evaluation of Multi-Agency Safeguarding Hubs (MASH) has found so far, as "
        "context\u2013mechanism\u2013outcome statements: in what circumstances, through what, a MASH leads to "
        "what. We would like to know whether they match your experience.")
    _heading(document, "How to respond", level=2, new_page=False)
    document.add_paragraph(
        "For each statement, mark one box (type X, \u2713 or \u2612, or replace a \u2610) to say whether it "
        "matches your experience, and write in the boxes below it what is different in your area or what is "
        "missing. There is space at the end for anything else. It takes about 20 minutes.")
    _heading(document, "Returning the pack", level=2, new_page=False)
    document.add_paragraph(f"Please return it by {pack.return_by or '____________'}: the last page says how.")
    _heading(document, "Data protection", level=2, new_page=False)
    document.add_paragraph(
        "The quotes are pseudonymised: names and other identifiers have been replaced by labels such as "
        "[Person 1]. Please do not share this pack further, and do not write anyone's name in it.")
    small = document.add_paragraph(f"Pack id: {pack.ident}" + (f" copy {copy}" if copy else ""))
    for run in small.runs:
        run.font.size = Pt(7)
    word.page_for(document, landscape=True)
    _heading(document, "The emerging programme theory", new_page=False)
    document.add_paragraph(pack.summary)
    document.add_picture(str(picture), **_fit(picture, width=Cm(25.5), height=Cm(13.0)))
    word.page_for(document, landscape=False)
    for i, section in enumerate(pack.sections):
        _heading(document, section.heading, new_page=i > 0)
        document.add_paragraph(section.statement)
        document.add_picture(str(diagrams[section.id]), width=Cm(15.5))
        document.add_paragraph(section.status, style="Intense Quote")
        for text, role in section.quotes:
            _quote(document, text, role)
        if not section.quotes:
            document.add_paragraph("No passage has been chosen to illustrate this statement yet.")
        response_table(document, f"Response to {section.id}", [*RESPONSES, FIT_ROW, DIFFERENT_ROW, MISSING_ROW])
    if pack.links:
        _heading(document, "Links the data suggest")
        document.add_paragraph(
            "In the interviews and observations these things were often talked about together, but the "
            "programme theory does not connect them. Are they connected in your MASH, and how?")
        for link in pack.links:
            _heading(document, link.heading, level=2, new_page=False)
            document.add_paragraph(link.status)
            if link.quote:
                _quote(document, *link.quote)
            response_table(document, f"Response to {link.source}->{link.target}", [*RESPONSES, LINK_ROW])
    _heading(document, "Anything else")
    response_table(document, "About you", ABOUT_ROWS, answer="")
    _heading(document, "Thank you", level=2, new_page=False)
    document.add_paragraph(
        "Thank you for your time and for what you know about your MASH. Your answers will be read alongside "
        "everyone else's, and the programme theory revised where practitioners tell us it is wrong or "
        "incomplete; nothing you write will be quoted with your name.")
    _heading(document, "How to return this pack", level=2, new_page=False)
    document.add_paragraph(
        f"By {pack.return_by or '____________'}: save this Word file with your answers and email it to the "
        "facilitator below, or hand your printed copy to them at the workshop.")
    document.add_paragraph(f"Facilitator: {pack.contact or '________________________________'}")
    document.add_paragraph("Email or phone: ________________________________")
    return document


def _cell(cell, text: str, bold: bool = False) -> None:
    cell.text = ""
    cell.paragraphs[0].add_run(text).bold = bold


def response_table(document, header: str, rows: list[str], answer: str = EMPTY_BOX):
    """A response table: a header row naming what it answers, boxes to mark, room to write by hand."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Cm

    table = document.add_table(rows=0, cols=2)
    table.style = TABLE_STYLE
    first = table.add_row().cells
    _cell(first[0], header, bold=True)
    _cell(first[1], "Mark one box with X" if answer == EMPTY_BOX else "")
    for label in rows:
        row = table.add_row()
        _cell(row.cells[0], label)
        _cell(row.cells[1], answer if label in RESPONSES else "")
        if label not in RESPONSES:
            row.height, row.height_rule = Cm(2.2), WD_ROW_HEIGHT_RULE.AT_LEAST
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = Cm(9.5), Cm(7.9)
    return table


def _heading(document, text: str, level: int = 1, new_page: bool = True):
    paragraph = document.add_heading(text, level=level)
    paragraph.paragraph_format.page_break_before = new_page
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _quote(document, text: str, role: str) -> None:
    document.add_paragraph(f"\u201c{text}\u201d \u2014 {role}", style="Quote")


def _fit(png: Path, width, height) -> dict:
    """The one size argument that fits a PNG inside ``width`` × ``height`` (docx lengths), keeping its proportions."""
    header = png.read_bytes()[16:24]  # the PNG IHDR chunk: width and height, big-endian
    w, h = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")
    return {"width": width} if w / h >= width / height else {"height": height}
