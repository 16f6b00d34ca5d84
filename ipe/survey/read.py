"""Reading a survey file (CSV or Excel): its rows, every answer checked against the map, free-text answers as
sources. Nothing here writes to the store."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ipe import corpus
from ipe.corpus import slug
from ipe.errors import SourceError
from ipe.records import Source
from ipe.survey.map import SurveyError, SurveyMap, check_answer

__all__ = ["ROW_ITEM", "ImportSummary", "read_table", "parse_survey"]

ROW_ITEM = "_row"  # stored for every LA (its row in the file), so an LA that answered nothing is still listed


@dataclass
class ImportSummary:
    """What a survey import stored."""

    file: str
    las: int = 0
    answers: int = 0
    sources: list = field(default_factory=list)  # (source id, status)
    kept: list = field(default_factory=list)  # free-text sources gone from the file but kept for their human work

    def count(self, status: str) -> int:
        return sum(1 for _, s in self.sources if s == status)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("new", "changed", "attributes updated", "unchanged", "removed")
                 if self.count(s)]
        if self.kept:
            parts.append(f"{len(self.kept)} kept although gone from the file, for their human work: "
                         + ", ".join(self.kept))
        return (f"{self.las} local authorities, {self.answers} closed answers; free-text sources: "
                f"{', '.join(parts) or 'none'}")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return corpus.normalise(str(value)).strip()


def read_table(path: str | os.PathLike) -> tuple[list[str], list[tuple[int, dict]], str]:
    """``(header, rows, unit)`` of a CSV or .xlsx survey: rows are ``(line or row number, {column: text})``.

    ``unit`` is the word that numbers rows in messages: ``line`` for CSV, ``row`` for Excel (its first sheet).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, rows = corpus.read_csv_rows(path)
        return header, rows, "line"
    if suffix != ".xlsx":
        raise SourceError(path, f"unsupported survey file type '{path.suffix}' (use .csv or .xlsx)")
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            cells = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors) for a broken workbook
        detail = " ".join(str(exc).split())[:120]
        raise SourceError(path, f"cannot read the Excel workbook ({type(exc).__name__}: {detail})") from None
    if not cells or not any(cells[0]):
        raise SourceError(path, "empty workbook (no header row on the first sheet)")
    header = [h.strip() for h in cells[0]]
    while header and not header[-1]:
        header.pop()
    if len(set(header)) != len(header) or "" in header:
        raise SourceError(path, "empty or duplicate column names in the header row")
    rows = []
    for n, values in enumerate(cells[1:], 2):
        if not any(values):
            continue
        if any(values[len(header):]):
            raise SourceError(path, f"row {n}: more cells than columns")
        rows.append((n, {h: (values[i] if i < len(values) else "") for i, h in enumerate(header)}))
    return header, rows, "row"


def parse_survey(path: str | os.PathLike, survey_map: SurveyMap, id_column: Optional[str] = None, nlp=None,
                 progress: Callable = lambda items, **kw: items) -> tuple[list[tuple[str, str, str]], list[Source]]:
    """Read and check a survey file (nothing is written): ``(responses, free-text sources)``.

    ``responses`` are ``(la, item, value)`` rows: every closed item answered (in its stored form), every other
    non-empty column as given, and ``_row`` (the LA's row in the file). Every problem in the answers is found
    before one error reports the first of them and how many more there are.
    """
    path = Path(path)
    id_column = id_column or survey_map.id_column
    if not id_column:
        raise SurveyError(f"{path}: no id column: give --id-column or 'id_column' in the survey map")
    header, rows, unit = read_table(path)
    if id_column not in header:
        raise SourceError(path, f"no id column '{id_column}' in the header")
    named = [i.column for i in survey_map.items] + [c for c, _ in survey_map.free_text]
    named += [survey_map.name_column] if survey_map.name_column else []
    unknown = [c for c in named if c not in header]
    if unknown:
        listed = ", ".join(f"'{c}'" for c in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise SourceError(path, f"the survey map ({Path(survey_map.path).name}) names column{plural} {listed}, "
                                "not in the file")
    if nlp is None:
        from ipe.nlp import pipeline

        nlp = pipeline(lemmas=False)
    items = survey_map.by_column
    text_columns = dict(survey_map.free_text)
    fmt = path.suffix.lower().lstrip(".")
    responses: list[tuple[str, str, str]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    texts: list[tuple[str, str, str, dict]] = []
    for n, row in rows:
        la = row.get(id_column, "").strip()
        if not la:
            problems.append(f"{unit} {n}: empty id in column '{id_column}'")
            continue
        key = slug(la)
        if key in seen:
            problems.append(f"{unit} {n}: duplicate id '{la}' (also {unit} {seen[key]})")
            continue
        seen[key] = n
        responses.append((la, ROW_ITEM, str(n)))
        for column in header:
            value = row.get(column, "")
            if column == id_column or column in text_columns:
                continue
            if column in items:
                if value.strip().casefold() in survey_map.missing:
                    continue
                try:
                    responses.append((la, column, check_answer(items[column], value)))
                except ValueError as exc:
                    problems.append(f"{unit} {n} ({la}), column '{column}': {exc}")
            elif value:
                responses.append((la, column, value))
        name = row.get(survey_map.name_column, "") if survey_map.name_column else ""
        for column in text_columns:
            value = row.get(column, "")
            if value.strip().casefold() not in survey_map.missing:
                texts.append((la, column, value, {"la_name": name} if name else {}))
    if problems:
        raise SourceError(path, problems)
    sources = []
    for la, column, value, extra in progress(texts, label="Reading free text"):
        text = corpus.normalise(value)
        turns = corpus.split_turns(text)
        if not turns:
            continue
        attributes = {"data_type": "survey", "la": la, "survey_item": column, **extra}
        sources.append(Source(
            id=f"survey-{slug(la)}-{slug(column)}", name=f"{path.name}#{la}/{column}", text=text, format=fmt,
            content_hash=corpus.content_hash(text), attributes=attributes, turns=turns,
            sentences=corpus.split_sentences(text, turns, nlp), path=str(path),
        ))
    return responses, sources
