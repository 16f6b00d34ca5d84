"""Word and Excel layout: A4 sections in the orientation a table needs, widths inside the page, print settings."""

import docx
import openpyxl
import pandas as pd
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm

from ipe import exporters
from ipe.exporters import layout

CODES = {f"code-{i:02d}": f"Code number {i} with a longer name" for i in range(40)}


def _tables():
    counts = pd.DataFrame({"code": list(CODES), "name": list(CODES.values()), "type": ["context"] * 40,
                           "segments": range(40), "sources": range(40)})
    matrix = pd.DataFrame([[c] + [i * j for j in range(40)] for i, c in enumerate(CODES)],
                          columns=["code", *CODES])
    cases = pd.DataFrame([[case] + [f"n={i}\n\u201cA quote that runs on for a while, as quotes do.\u201d (s:1-2)"
                                    for i in range(12)] for case in ("ashdown", "bramwell", "corrington")],
                         columns=["case", *list(CODES)[:12]])
    grouped = pd.DataFrame({"code": list(CODES), "name": list(CODES.values()),
                            **{f"{area}: {n}": range(40) for area in [f"area {k}" for k in range(12)]
                               for n in ("segments", "sources", "participants")}})
    bank = pd.DataFrame({"ref": ["s:1-2"], "quote": ["Hello."]})
    tables = {"code-counts": counts, "co-occurrence": matrix, "framework-x": cases, "by-area": grouped,
              "quote-bank": bank}
    for name, table in tables.items():
        table.attrs.update(labels=CODES, caption=f"What {name} counts.")
    bank.attrs["word"] = False
    return tables


@pytest.fixture
def written(tmp_path):
    tables = _tables()
    paths = exporters.write_report_tables(tables, tmp_path, ["docx", "xlsx"])
    return tables, {p.suffix: p for p in paths}


def _usable(section) -> int:
    return section.page_width - section.left_margin - section.right_margin


def test_word_is_a4_and_tables_fit_their_pages(written):
    _, paths = written
    document = docx.Document(paths[".docx"])
    sections = document.sections
    for section in sections:
        size = sorted([section.page_width, section.page_height])
        assert abs(size[0] - Cm(21.0)) < Cm(0.05) and abs(size[1] - Cm(29.7)) < Cm(0.05)
        assert (section.orientation == WD_ORIENT.LANDSCAPE) == (section.page_width > section.page_height)
    assert {s.orientation for s in sections} == {WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE}
    # Each table's fixed grid fits the usable width of the section it sits in.
    body = document.element.body
    section_of, index = [], 0
    for child in body.iterchildren():
        if child.tag == qn("w:tbl"):
            section_of.append(index)
        elif child.tag == qn("w:p") and child.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
            index += 1
    assert len(section_of) == len(document.tables)
    for table, i in zip(document.tables, section_of):
        grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(grid) * 635 <= _usable(sections[i]) + Cm(0.05)  # twips to EMU


def test_word_names_codes_repeats_headers_and_aligns_numbers(written):
    _, paths = written
    document = docx.Document(paths[".docx"])
    text = "\n".join(p.text for p in document.paragraphs)
    assert "quote-bank" not in [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert "Left out of this document" in text and "What code-counts counts." in text
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "Contents" and headings[-1] == "Key to codes"
    assert "PAGEREF" in document.element.xml
    counts = document.tables[0]
    assert [c.text for c in counts.rows[0].cells] == ["Name", "type", "segments", "sources"]
    assert counts.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert counts.rows[5].cells[2].paragraphs[0].alignment == 2  # right
    # The 40-column matrix is split into column groups, each repeating the row labels, named not numbered.
    matrix_parts = [t for t in document.tables if t.rows[0].cells[0].text == "Code" and len(t.rows) == 41]
    assert len(matrix_parts) >= 2
    assert matrix_parts[0].rows[1].cells[0].text == "Code number 0 with a longer name"
    assert "code-01" not in " ".join(c.text for c in matrix_parts[0].rows[0].cells)
    # Three cases by twelve codes is turned round: codes down the side.
    turned = next(t for t in document.tables if [c.text for c in t.rows[0].cells][1:] == ["ashdown", "bramwell",
                                                                                           "corrington"])
    assert len(turned.rows) == 13
    key = document.tables[-1]
    assert [c.text for c in key.rows[1].cells] == ["Code number 0 with a longer name", "code-00"]


def test_word_groups_keep_their_columns_together():
    view = layout.word_view(_tables()["by-area"])
    parts = layout.plan(view)
    assert len(parts) > 1
    for part in parts:
        assert part.columns[0].header == "Name"
        groups = [c.group for c in part.columns[1:]]
        assert all(groups.count(g) == 3 for g in groups)
        assert sum(c.width for c in part.columns) <= layout.LANDSCAPE_WIDTH + 1e-6


def test_workbook_prints_landscape_fitted_with_frozen_labels(written):
    tables, paths = written
    book = openpyxl.load_workbook(paths[".xlsx"])
    assert book.sheetnames == list(tables)
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "landscape" and int(setup.paperSize) == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and setup.fitToHeight == 0 and setup.fitToWidth >= 1
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.oddFooter.center.text
    assert book["code-counts"].freeze_panes == "C2"  # code and name stay in view
    assert book["code-counts"].page_setup.fitToWidth == 1
    assert book["co-occurrence"].freeze_panes == "C2"
    assert book["co-occurrence"]["B1"].value == "name" and book["co-occurrence"]["B2"].value == CODES["code-00"]
    assert book["co-occurrence"]["C1"].value == f"{CODES['code-00']} (code-00)"
    framework = book["framework-x"]
    assert framework["B2"].alignment.wrap_text and framework.row_dimensions[2].height >= 2 * 12.75


def test_layout_is_deterministic(tmp_path):
    first = exporters.write_report_tables(_tables(), tmp_path / "a", ["docx", "xlsx"])
    second = exporters.write_report_tables(_tables(), tmp_path / "b", ["docx", "xlsx"])
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_a_wide_prose_table_is_split_with_its_ids_and_every_part_fits():
    wide = pd.DataFrame({"id": ["CMO-01", "CMO-02"],
                         **{f"text {i}": ["A statement that runs on for a good many words, as statements do. " * 2] * 2
                            for i in range(14)}})
    parts = layout.plan(layout.word_view(wide))
    assert len(parts) >= 2 and all(p.columns[0].header == "id" for p in parts)
    assert all(sum(c.width for c in p.columns) <= layout.LANDSCAPE_WIDTH + 1e-6 for p in parts)
    assert sorted(c.header for p in parts for c in p.columns[1:]) == sorted(wide.columns[1:])
