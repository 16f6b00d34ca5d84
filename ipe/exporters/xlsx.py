"""Excel: one workbook, one sheet per table, set up to print.

Each sheet prints A4 landscape, scaled to the page width (or, for a wide matrix, to as few pages across as keep it
readable, with its first column repeated), with the header row repeated on every page and a footer naming the
sheet and page. The header row and first column are frozen; long text wraps and rows are tall enough to show it.
Code names stand beside code ids: a ``name`` column after a bare ``code`` column, and ``name (id)`` in the header
of a column that is a code.
"""

from math import ceil
from pathlib import Path

from ipe.exporters import cell_text
from ipe.exporters.layout import LANDSCAPE_WIDTH, labels
from ipe.zipfiles import FIXED_TIME, fix_zip_timestamps

FORMAT = "xlsx"
SUFFIX = ".xlsx"
KIND = "table"
WRAP_OVER = 50  # characters: wider text wraps inside a column this wide
NUMBER_WIDTH = 7  # characters, for a matrix column whose header stands on end
LINE_POINTS = 12.75  # one line of 11 pt text
CM_PER_CHAR = 0.21  # Excel's width unit (one 11 pt digit) on paper
MIN_SCALE = 0.55  # below this, a sheet prints on more pages across rather than smaller


def _sheet_name(name: str, used: set) -> str:
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "table"
    candidate, i = base, 2
    while candidate in used:
        candidate = f"{base[:28]}-{i}"
        i += 1
    used.add(candidate)
    return candidate


def sheet_view(table):
    """The table with a ``name`` column beside a bare ``code`` column, and headers ``name (id)`` for code columns."""
    names = labels(table)
    view = table
    if names and "code" in table.columns and not {"name", "code_name"} & set(table.columns):
        view = table.copy()
        view.insert(list(table.columns).index("code") + 1, "name", [names.get(c, "") for c in table["code"]])
    headers = [f"{names[c]} ({c})" if c in names else str(c) for c in view.columns]
    return view, headers


def _value(v):
    if hasattr(v, "item"):
        return v.item()
    return cell_text(v) if v is None or v != v else v


def _lines(text: str, width: float) -> int:
    return sum(max(1, ceil(len(line) / max(1.0, width * 1.1))) for line in text.split("\n"))


def _write_sheet(sheet, table) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    view, headers = sheet_view(table)
    sheet.append(headers)
    for row in view.itertuples(index=False):
        sheet.append([_value(v) for v in row])
    numeric = [bool(len(view)) and all(isinstance(_value(v), (int, float)) or cell_text(v) == "" for v in view[c].head(500))
               for c in view.columns]
    matrix = sum(numeric) > 8
    widths, wrapped = [], []
    for i, (column, header) in enumerate(zip(view.columns, headers)):
        longest = max([0] + [len(line) for v in view[column].head(500) for line in cell_text(v).split("\n")])
        if numeric[i] and matrix:
            width = max(NUMBER_WIDTH, longest + 2)
        else:
            head = max(len(w) for w in header.split()) if header.split() else 4
            width = min(max(8, longest + 2, min(head + 2, 24)), WRAP_OVER)
        widths.append(width)
        wrapped.append(longest + 2 > width)
        sheet.column_dimensions[get_column_letter(i + 1)].width = width
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="D9E2F3")
    header_lines = 1
    for cell, width, is_number, header in zip(sheet[1], widths, numeric, headers):
        cell.font, cell.fill = bold, fill
        if is_number and matrix:
            cell.alignment = Alignment(text_rotation=90, wrap_text=True, vertical="bottom", horizontal="center")
            header_lines = max(header_lines, ceil(len(header) / 5))
        else:
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            header_lines = max(header_lines, _lines(header, width))
    sheet.row_dimensions[1].height = min(409, LINE_POINTS * header_lines)
    long_columns = [i for i, w in enumerate(wrapped) if w]
    top, wrap_top = Alignment(vertical="top"), Alignment(wrap_text=True, vertical="top")
    if long_columns:
        for r, row in enumerate(sheet.iter_rows(min_row=2), 2):
            lines = max(_lines(cell_text(row[i].value), widths[i]) for i in long_columns)
            if lines > 1:
                sheet.row_dimensions[r].height = min(409, LINE_POINTS * lines)
                for i, cell in enumerate(row):
                    cell.alignment = wrap_top if wrapped[i] else top
    # The row labels stay in view: the first column, and the name beside a code id.
    label_columns = 2 if list(view.columns[:2]) == ["code", "name"] else 1
    sheet.freeze_panes = f"{get_column_letter(label_columns + 1)}2"
    _print_setup(sheet, sum(widths), label_columns)


def _print_setup(sheet, total_chars: float, label_columns: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    setup = sheet.page_setup
    setup.orientation, setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    page_cm = LANDSCAPE_WIDTH
    across = max(1, ceil(total_chars * CM_PER_CHAR * MIN_SCALE / page_cm))
    setup.fitToWidth, setup.fitToHeight = across, 0
    sheet.print_title_rows = "1:1"
    if across > 1:
        sheet.print_title_cols = f"A:{get_column_letter(label_columns)}"
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_options.gridLines = True
    sheet.oddFooter.center.text = "&A, page &P of &N"
    sheet.oddFooter.center.size = 8


def write(tables: dict, path: Path, title: str = "") -> list[Path]:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = workbook.properties.lastModifiedBy = "ipe"
    workbook.properties.title = title or None
    used: set = set()
    for name, table in tables.items():
        _write_sheet(workbook.create_sheet(_sheet_name(name, used)), table)
    workbook.save(path)
    fix_zip_timestamps(path)
    return [path]
