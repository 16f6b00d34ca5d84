"""Page layout of a table for print: what each column is, how wide, which orientation, which column groups.

Pure functions over a DataFrame and its ``attrs``; the Word and Excel writers render what they return. A table may
carry, in ``DataFrame.attrs``:

- ``labels``: ``{code id: name}``, so headers and cells show names (the ids go in a key);
- ``caption``: one or two sentences saying what the table counts (whose codings, which units);
- ``word``: False to leave the table out of Word documents (the quote bank belongs in the workbook and CSV).

Widths are in centimetres for Arial 8 pt, the body font of the tables.

>>> import pandas as pd
>>> t = pd.DataFrame({"code": ["a"], "name": ["Alpha"], "segments": [3]})
>>> [c.header for c in word_columns(word_view(t))]
['Name', 'segments']
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from ipe.exporters import cell_text

A4 = (21.0, 29.7)
MARGIN = 1.8
PORTRAIT_WIDTH = A4[0] - 2 * MARGIN
LANDSCAPE_WIDTH = A4[1] - 2 * MARGIN
CHAR_CM = 0.17  # Arial 8 pt, an average character
PAD_CM = 0.5  # the cell's left and right margins
TRANSPOSE_ROWS = 8  # a matrix with at most this many rows and more columns than rows is shown turned round
ROTATE_OVER = 8  # tables with more numeric columns than this get vertical headers on them
ROTATED_LINE = 24  # characters of a vertical header on one line (4 cm); longer ones take two lines
ROTATED_TWO_LINES = 1.05  # cm: the width of a column whose vertical header takes two lines
ROW_LABEL_CM = 4.5
LONG_TEXT = 60  # characters: a column whose cells average more than this is prose


@dataclass
class Column:
    """One column as printed: its name in the frame, header text, group header (``x`` of ``x: y``) and width."""

    name: str
    header: str
    group: str
    numeric: bool
    natural: float
    minimum: float
    rotate: bool = False
    width: float = 0.0


@dataclass
class Part:
    """One printed table: the columns it shows (the row labels repeat in every part) and its orientation."""

    columns: list
    landscape: bool
    n: int = 1
    of: int = 1


def labels(table: pd.DataFrame) -> dict:
    return table.attrs.get("labels") or {}


def _is_number(value) -> bool:
    if value is None or isinstance(value, bool):
        return value is None
    if isinstance(value, (int, float)):
        return True
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", str(value))) or (isinstance(value, str) and not value.strip())


def word_view(table: pd.DataFrame) -> pd.DataFrame:
    """The table as a reader sees it: names for code ids, the id column dropped beside a name column, and a matrix
    with few rows and many columns turned round (codes down the side, cases across)."""
    names = labels(table)
    view = table.copy()
    view.attrs = dict(table.attrs)
    if "code" in view.columns:
        if "name" in view.columns:
            view = view.drop(columns=["code"])
        elif names:
            view["code"] = [names.get(v, v) for v in view["code"]]
    coded_columns = [c for c in view.columns if c in names]
    if len(view) <= TRANSPOSE_ROWS and len(view.columns) - 1 > max(len(view), 4) and coded_columns:
        first = view.columns[0]
        turned = view.set_index(first).T
        turned.index.name = "code"
        turned.columns = [str(c) for c in turned.columns]
        view = turned.reset_index()
        view["code"] = [names.get(v, v) for v in view["code"]]
        view.attrs = dict(table.attrs, turned=True)
    view = view.rename(columns={c: names[c] for c in view.columns if c in names})
    # A column with nothing in it (no workshop yet, no chains) only takes width on paper.
    blank = [c for c in view.columns[1:] if not any(cell_text(v).strip() for v in view[c])]
    view = view.drop(columns=blank)
    return view.rename(columns={"code": "Code", "name": "Name"})


def _split(header: str) -> tuple[str, str]:
    if ": " in header:
        group, rest = header.split(": ", 1)
        return group, rest
    return "", header


def word_columns(view: pd.DataFrame) -> list[Column]:
    """Each column's kind and its natural and smallest widths (cm)."""
    sample = view.head(400)
    numeric_count = sum(1 for c in view.columns if all(_is_number(v) for v in sample[c]))
    columns = []
    for name in view.columns:
        values = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in sample[name]]
        numeric = bool(values) and all(_is_number(v) for v in sample[name]) and any(v.strip() for v in values)
        group, header = _split(str(name))
        longest_word = max([len(w) for v in values + [header] for w in v.split()] or [1])
        lengths = [max((len(line) for line in v.split("\n")), default=0) for v in values] or [0]
        if numeric:
            rotate = numeric_count > ROTATE_OVER
            chars = max(lengths + ([2] if rotate else [min(longest_word, 12)]))
            natural = minimum = chars * CHAR_CM + PAD_CM
            if rotate and len(header) > ROTATED_LINE:
                natural = minimum = max(natural, ROTATED_TWO_LINES)  # room for a long name on two lines
        else:
            rotate = False
            mean = sum(len(v) for v in values) / max(1, len(values))
            natural = min(max(lengths + [len(header)]), 48) * CHAR_CM + PAD_CM
            floor = 5.0 if mean > LONG_TEXT else 2.4
            minimum = min(natural, max(floor, min(longest_word, 18) * CHAR_CM + PAD_CM))
        if not columns and not numeric:
            minimum = min(natural, max(minimum, ROW_LABEL_CM))  # the row labels are what a reader scans
        columns.append(Column(str(name), header, group, numeric, natural, minimum, rotate))
    return columns


def _fit(columns: list[Column], page: float) -> None:
    """Give each column its width: natural if all fit, else text columns shrink in proportion, never below minimum."""
    total = sum(c.natural for c in columns)
    if total <= page:
        for c in columns:
            c.width = c.natural
        return
    fixed = sum(c.natural for c in columns if c.numeric)
    text = [c for c in columns if not c.numeric]
    room = page - fixed
    for c in columns:
        c.width = c.natural
    # Shrink text columns towards their minimum, the widest first, until the table fits.
    while text and sum(c.width for c in text) > room + 1e-6:
        over = sum(c.width for c in text) - room
        shrinkable = [c for c in text if c.width > c.minimum + 1e-6]
        if not shrinkable:
            break
        slack = sum(c.width - c.minimum for c in shrinkable)
        for c in shrinkable:
            c.width -= min(c.width - c.minimum, over * (c.width - c.minimum) / slack)
    total = sum(c.width for c in columns)
    if total > page:  # the minimums alone are too wide: every column gives way, so the table stays on the page
        for c in columns:
            c.width *= page / total


def _groups(columns: list[Column]) -> list[list[Column]]:
    """Runs of columns that share a group header (``ashdown: segments``, ``ashdown: sources``) stay together."""
    runs: list[list[Column]] = []
    for c in columns:
        if runs and c.group and runs[-1][0].group == c.group:
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs


def plan(view: pd.DataFrame) -> list[Part]:
    """The printed parts of a table: one part when it fits a page across, else column groups that each fit a
    landscape page with the row labels repeated."""
    columns = word_columns(view)
    if sum(c.natural for c in columns) <= PORTRAIT_WIDTH:
        _fit(columns, PORTRAIT_WIDTH)
        return [Part(columns, landscape=False)]
    matrix = sum(c.numeric for c in columns) > ROTATE_OVER
    if sum(c.minimum for c in columns) > LANDSCAPE_WIDTH and not matrix:
        # A prose table rather has narrower text columns than be split from its ids; split only when it must.
        for c in columns:
            c.minimum = max(1.2, c.minimum * 0.6)
    if sum(c.minimum for c in columns) <= LANDSCAPE_WIDTH:
        _fit(columns, LANDSCAPE_WIDTH)
        return [Part(columns, landscape=True)]
    index, rest = columns[:1], columns[1:]
    runs = _groups(rest)
    room = LANDSCAPE_WIDTH - index[0].minimum
    parts, current, used = [], [], 0.0
    for run in runs:
        width = sum(c.minimum for c in run)
        if current and used + width > room:
            parts.append(current)
            current, used = [], 0.0
        current += run
        used += width
    if current:
        parts.append(current)
    # Even out the parts: the same number of runs in each, when that still fits.
    per = math.ceil(len(runs) / len(parts))
    even = [sum(runs[i:i + per], []) for i in range(0, len(runs), per)]
    if len(even) == len(parts) and all(sum(c.minimum for c in p) <= room for p in even):
        parts = even
    out = []
    for i, part in enumerate(parts, 1):
        cols = [Column(**vars(index[0]))] + part
        for c in cols:
            c.natural = max(c.natural, c.minimum)
        cols[0].natural = min(cols[0].natural, LANDSCAPE_WIDTH - sum(c.minimum for c in part))
        _fit(cols, LANDSCAPE_WIDTH)
        out.append(Part(cols, landscape=True, n=i, of=len(parts)))
    return out
