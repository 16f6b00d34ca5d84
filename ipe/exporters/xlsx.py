"""Excel: one workbook, one sheet per table, header row frozen, column widths set, long text wrapped."""

from pathlib import Path

from ipe.exporters import FIXED_TIME, cell_text, fix_zip_timestamps

FORMAT = "xlsx"
SUFFIX = ".xlsx"
KIND = "table"
WRAP_OVER = 60


def _sheet_name(name: str, used: set) -> str:
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "table"
    candidate, i = base, 2
    while candidate in used:
        candidate = f"{base[:28]}-{i}"
        i += 1
    used.add(candidate)
    return candidate


def write(tables: dict, target: Path, title: str = "") -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = workbook.properties.lastModifiedBy = "ipe"
    workbook.properties.title = title or None
    used: set = set()
    for name, table in tables.items():
        sheet = workbook.create_sheet(_sheet_name(name, used))
        sheet.append([str(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.itertuples(index=False):
            sheet.append([v.item() if hasattr(v, "item") else (cell_text(v) if v is None or v != v else v) for v in row])
        sheet.freeze_panes = "A2"
        for i, column in enumerate(table.columns, 1):
            longest = max([len(str(column))] + [len(cell_text(v)) for v in table[column].head(500)])
            sheet.column_dimensions[get_column_letter(i)].width = min(max(8, longest + 2), WRAP_OVER)
            if longest > WRAP_OVER:
                for cell in sheet[get_column_letter(i)][1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    path = target.with_name(target.name + SUFFIX)
    workbook.save(path)
    fix_zip_timestamps(path)
    return [path]
