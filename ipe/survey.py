"""The broad phase: a national survey of MASH, scored and placed on the risk↔needs spectrum.

A survey file (CSV or Excel) has one row per local authority (LA). A *survey map* (YAML) says which columns are
closed questions (``yesno``, ``likert``, ``choice``), how each is scored, which of them make up the "needs and
planning" scale, and which columns are free text. Import stores the closed answers (``store.replace_survey``) and
turns each free-text answer into a source (data type ``survey``) that can be coded like any transcript.

**Scoring.** ``yesno``: yes = 1, no = 0. ``likert`` (1 to ``points``, default 5): ``(v - 1) / (points - 1)``.
``choice``: the score the map gives the answer. ``reverse: true`` turns a score ``s`` into ``1 - s``. An LA's
spectrum score is the mean of its scored scale items that were answered, rounded to 4 decimal places, provided it
answered at least ``min_answered`` of them (default 0.5); otherwise it is ``unplaced``. With thresholds
``t1 < t2`` (default 0.4, 0.7) it is *risk-focused* when ``score < t1``, *hybrid* when ``t1 <= score < t2`` and
*needs-and-planning* when ``score >= t2``. Internal consistency is Cronbach's alpha of the scale's item scores over
the LAs that answered every scale item.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

import pandas as pd

from ipe import corpus, exporters, outputs
from ipe.errors import CodebookError, IpeError, ProblemsError, SourceError
from ipe.records import Source

__all__ = [
    "MODELS", "UNPLACED", "SurveyError", "SurveyMapError", "Item", "SurveyMap", "Spectrum", "load_map", "loads_map",
    "read_table", "parse_survey", "import_survey", "score_item", "cronbach_alpha", "classify", "parse_thresholds",
    "parse_links", "spectrum", "spectrum_tables", "write_chart", "link_cases", "write_outputs", "run_survey",
]

MODELS = ("risk-focused", "hybrid", "needs-and-planning")
UNPLACED = "unplaced"
ITEM_TYPES = ("yesno", "likert", "choice")
DEFAULT_THRESHOLDS = (0.4, 0.7)
DEFAULT_MIN_ANSWERED = 0.5
DEFAULT_MISSING = ("", "n/a", "na", "don't know", "dont know", "not known", "prefer not to say")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
ROW_ITEM = "_row"  # stored for every LA (its row in the file), so an LA that answered nothing is still listed
SURVEY_FILE, SURVEY_MAP = "survey.csv", "survey-map.yaml"
META_MAP, META_MAP_PATH, META_FILE = "survey_map", "survey_map_path", "survey_file"
MAP_KEYS = {"name", "description", "id_column", "name_column", "thresholds", "min_answered", "missing", "items",
            "free_text", "case_links"}
ITEM_KEYS = {"column", "label", "type", "group", "scale", "points", "choices", "reverse"}
TEXT_KEYS = {"column", "label"}
SCORE_DECIMALS = 4
BINS = 10


class SurveyError(IpeError):
    """The survey cannot be used as asked: none imported, an unknown LA, bad thresholds or links."""


class SurveyMapError(ProblemsError):
    """A survey map is malformed; ``problems`` lists every problem found, each with its location."""


@dataclass(frozen=True)
class Item:
    """One closed question: its column, type, scoring and whether it belongs to the needs-and-planning scale."""

    column: str
    type: str
    label: str = ""
    group: str = ""
    scale: bool = False
    points: int = 5
    choices: tuple = ()  # ((answer, score or None), ...) in the map's order
    reverse: bool = False

    @property
    def answers(self) -> tuple:
        """The possible stored answers, in report order."""
        if self.type == "yesno":
            return ("yes", "no")
        if self.type == "likert":
            return tuple(str(v) for v in range(1, self.points + 1))
        return tuple(answer for answer, _ in self.choices)


@dataclass(frozen=True)
class SurveyMap:
    """A parsed, validated survey map."""

    items: tuple
    free_text: tuple = ()  # ((column, label), ...)
    name: str = ""
    id_column: Optional[str] = None
    name_column: Optional[str] = None
    thresholds: tuple = DEFAULT_THRESHOLDS
    min_answered: float = DEFAULT_MIN_ANSWERED
    missing: frozenset = frozenset(DEFAULT_MISSING)
    case_links: tuple = ()  # ((case, la), ...)
    document: str = ""
    path: str = "<survey map>"

    @property
    def scale(self) -> tuple:
        return tuple(i for i in self.items if i.scale)

    @property
    def by_column(self) -> dict:
        return {i.column: i for i in self.items}

    @property
    def groups(self) -> list:
        return list(dict.fromkeys(i.group for i in self.items if i.group))


@dataclass
class ImportSummary:
    """What a survey import stored."""

    file: str
    las: int = 0
    answers: int = 0
    sources: list = field(default_factory=list)  # (source id, status)

    def count(self, status: str) -> int:
        return sum(1 for _, s in self.sources if s == status)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("new", "changed", "attributes updated", "unchanged", "removed")
                 if self.count(s)]
        return (f"{self.las} local authorities, {self.answers} closed answers; free-text sources: "
                f"{', '.join(parts) or 'none'}")


@dataclass
class Spectrum:
    """The survey placed on the spectrum: per-LA table, answers and scores, and the settings used."""

    table: pd.DataFrame
    answers: pd.DataFrame  # LA × item column, stored answer text (NaN when missing)
    scores: pd.DataFrame  # LA × scale item, item score in 0..1 (NaN when missing)
    survey_map: SurveyMap
    thresholds: tuple
    min_answered: float

    @property
    def unplaced(self) -> list:
        return self.table.loc[self.table["model"] == UNPLACED, "la"].tolist()

    def model_of(self, la: str) -> str:
        rows = self.table.loc[self.table["la"] == la, "model"]
        if rows.empty:
            raise SurveyError(f"no local authority '{la}' in the survey")
        return rows.iloc[0]


# -- the survey map ------------------------------------------------------------------------------------------------


def load_map(path: str | os.PathLike) -> SurveyMap:
    """Load and validate a survey map file; raise :class:`SurveyMapError` listing every problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SurveyMapError(path, [f"cannot read the file ({exc.strerror})"]) from None
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise SurveyMapError(path, [f"not UTF-8 text (byte {exc.start})"]) from None
    return loads_map(text, str(path))


def _number(value) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def loads_map(text: str, path: str = "<survey map>") -> SurveyMap:
    """Parse and validate survey-map YAML text.

    Examples
    --------
    >>> m = loads_map("items:\\n  - {column: q1, type: yesno, scale: true}\\n"
    ...               "  - {column: q2, type: likert, scale: true}\\n")
    >>> [i.column for i in m.scale], m.thresholds
    (['q1', 'q2'], (0.4, 0.7))
    """
    from ipe.codebook import parse_yaml

    try:
        doc = parse_yaml(text, path)
    except CodebookError as exc:
        raise SurveyMapError(path, exc.problems) from None
    if not isinstance(doc, dict):
        raise SurveyMapError(path, ["the survey map must be a YAML mapping with an 'items' list"])
    problems: list[str] = [f"unknown key '{k}'" for k in doc if k not in MAP_KEYS]
    items, columns = [], set()
    raw_items = doc.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        problems.append("'items' must be a non-empty list")
        raw_items = []
    for n, raw in enumerate(raw_items, 1):
        item = _parse_item(raw, f"items[{n}]", problems)
        if item is None:
            continue
        if item.column in columns:
            problems.append(f"items[{n}].column: '{item.column}' is listed twice")
        columns.add(item.column)
        items.append(item)
    free_text = []
    raw_text = doc.get("free_text") or []
    if not isinstance(raw_text, list):
        problems.append("'free_text' must be a list")
        raw_text = []
    for n, raw in enumerate(raw_text, 1):
        where = f"free_text[{n}]"
        if isinstance(raw, str):
            raw = {"column": raw}
        if not isinstance(raw, dict) or not isinstance(raw.get("column"), str) or not raw["column"].strip():
            problems.append(f"{where}: needs a 'column' name")
            continue
        problems += [f"{where}: unknown key '{k}'" for k in raw if k not in TEXT_KEYS]
        column = raw["column"].strip()
        if column in columns:
            problems.append(f"{where}.column: '{column}' is already listed")
        columns.add(column)
        free_text.append((column, str(raw.get("label") or column)))
    thresholds = DEFAULT_THRESHOLDS
    if "thresholds" in doc:
        try:
            thresholds = _check_thresholds(doc["thresholds"])
        except SurveyError as exc:
            problems.append(f"thresholds: {exc}")
    min_answered = DEFAULT_MIN_ANSWERED
    if "min_answered" in doc:
        value = _number(doc["min_answered"])
        if value is None or not 0 < value <= 1:
            problems.append("min_answered: must be a share above 0 and at most 1, e.g. 0.5")
        else:
            min_answered = value
    missing = frozenset(DEFAULT_MISSING)
    if "missing" in doc:
        if not isinstance(doc["missing"], list) or not all(isinstance(m, str) for m in doc["missing"]):
            problems.append("missing: must be a list of answers that mean 'not answered'")
        else:
            missing = frozenset(m.strip().casefold() for m in doc["missing"]) | {""}
    links = doc.get("case_links") or {}
    if not isinstance(links, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in links.items()):
        problems.append("case_links: must map case ids to LA ids, e.g. {ashdown: LA014}")
        links = {}
    for key in ("id_column", "name_column", "name", "description"):
        if key in doc and not isinstance(doc[key], str):
            problems.append(f"{key}: must be text")
    if items and len([i for i in items if i.scale]) < 2:
        problems.append("items: the needs-and-planning scale needs at least two items with 'scale: true'")
    if problems:
        raise SurveyMapError(path, problems)
    return SurveyMap(
        items=tuple(items), free_text=tuple(free_text), name=str(doc.get("name") or ""),
        id_column=doc.get("id_column"), name_column=doc.get("name_column"), thresholds=thresholds,
        min_answered=min_answered, missing=missing, case_links=tuple(sorted(links.items())), document=text, path=path,
    )


def _parse_item(raw, where: str, problems: list) -> Optional[Item]:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping with 'column' and 'type'")
        return None
    problems += [f"{where}: unknown key '{k}'" for k in raw if k not in ITEM_KEYS]
    column = raw.get("column")
    if not isinstance(column, str) or not column.strip():
        problems.append(f"{where}.column: required")
        return None
    column = column.strip()
    where = f"items.{column}"
    kind = raw.get("type")
    if kind not in ITEM_TYPES:
        problems.append(f"{where}.type: '{kind}' is not one of {', '.join(ITEM_TYPES)}")
        return None
    scale, reverse = raw.get("scale", False), raw.get("reverse", False)
    for key, value in (("scale", scale), ("reverse", reverse)):
        if not isinstance(value, bool):
            problems.append(f"{where}.{key}: must be true or false")
    points = raw.get("points", 5)
    if kind == "likert" and (isinstance(points, bool) or not isinstance(points, int) or points < 2):
        problems.append(f"{where}.points: must be a whole number of at least 2")
        points = 5
    choices: list = []
    if kind == "choice":
        raw_choices = raw.get("choices")
        if isinstance(raw_choices, list):
            raw_choices = {c: None for c in raw_choices}
        if not isinstance(raw_choices, dict) or not raw_choices:
            problems.append(f"{where}.choices: a choice item needs its answers (a list, or a mapping answer: score)")
            raw_choices = {}
        folded = set()
        for answer, score in raw_choices.items():
            answer = str(answer).strip()
            if answer.casefold() in folded:
                problems.append(f"{where}.choices: '{answer}' is listed twice")
            folded.add(answer.casefold())
            if score is not None and (_number(score) is None or not 0 <= score <= 1):
                problems.append(f"{where}.choices.{answer}: the score must be a number from 0 to 1")
                score = None
            if scale is True and score is None:
                problems.append(f"{where}.choices.{answer}: a scale item needs a score for every answer")
            choices.append((answer, None if score is None else float(score)))
    elif "choices" in raw:
        problems.append(f"{where}.choices: only choice items have choices")
    group = raw.get("group", "")
    if not isinstance(group, str):
        problems.append(f"{where}.group: must be text")
        group = ""
    return Item(column=column, type=kind, label=str(raw.get("label") or column), group=group.strip(),
                scale=scale is True, points=points if kind == "likert" else 5, choices=tuple(choices),
                reverse=reverse is True)


# -- reading and checking the survey file --------------------------------------------------------------------------


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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def check_answer(item: Item, raw: str) -> str:
    """The stored form of an answer (``yes``/``no``, ``1``..``points``, the map's spelling of a choice).

    Raises ``ValueError`` with a short reason when the answer does not fit the item.
    """
    folded = raw.strip().casefold()
    if item.type == "yesno":
        if folded in YES:
            return "yes"
        if folded in NO:
            return "no"
        raise ValueError(f"'{raw}' is not yes or no")
    if item.type == "likert":
        try:
            value = float(folded)
        except ValueError:
            value = math.nan
        if not (value.is_integer() and 1 <= value <= item.points):
            raise ValueError(f"'{raw}' is not a whole number from 1 to {item.points}")
        return str(int(value))
    for answer, _ in item.choices:
        if answer.casefold() == folded:
            return answer
    raise ValueError(f"'{raw}' is not one of {', '.join(a for a, _ in item.choices)}")


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
        slug = _slug(la)
        if slug in seen:
            problems.append(f"{unit} {n}: duplicate id '{la}' (also {unit} {seen[slug]})")
            continue
        seen[slug] = n
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
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise SourceError(path, problems[0] + more)
    sources = []
    for la, column, value, extra in progress(texts, label="Reading free text"):
        text = corpus.normalise(value)
        turns = corpus.split_turns(text)
        if not turns:
            continue
        attributes = {"data_type": "survey", "la": la, "survey_item": column, **extra}
        sources.append(Source(
            id=f"survey-{_slug(la)}-{_slug(column)}", name=f"{path.name}#{la}/{column}", text=text, format=fmt,
            content_hash=corpus.content_hash(text), attributes=attributes, turns=turns,
            sentences=corpus.split_sentences(text, turns, nlp), path=str(path),
        ))
    return responses, sources


def _survey_source_ids(store) -> set[str]:
    return {sid for sid, attrs in store.source_attributes().items()
            if attrs.get("data_type") == "survey" and "survey_item" in attrs}


def import_survey(store, path: str | os.PathLike, map_path: Optional[str | os.PathLike] = None,
                  id_column: Optional[str] = None, actor: Optional[str] = None,
                  progress: Callable = lambda items, **kw: items) -> ImportSummary:
    """Import a survey in one transaction, replacing any survey imported before.

    The map defaults to ``survey-map.yaml`` beside the file. Closed answers replace the stored survey; free-text
    answers become sources ``survey-<la>-<column>``: new ones are added, changed ones replaced (human codings kept
    by their quotes, as for transcripts), and free-text sources of the previous survey that are gone are removed.
    On any error nothing is written.
    """
    from ipe.project import replace_source  # the same re-anchoring as a changed transcript

    path = Path(path)
    map_path = Path(map_path) if map_path else path.with_name(SURVEY_MAP)
    if not map_path.is_file():
        raise SurveyError(f"{path}: no survey map: give --map FILE (or put {SURVEY_MAP} beside the survey)")
    survey_map = load_map(map_path)
    responses, sources = parse_survey(path, survey_map, id_column, progress=progress)
    hashes = store.source_hashes()
    previous = _survey_source_ids(store)
    for src in sources:
        if src.id in hashes and src.id not in previous:
            raise SourceError(path, f"free-text source id '{src.id}' is already used by another source")
    summary = ImportSummary(file=str(path), las=sum(1 for _, item, _ in responses if item == ROW_ITEM),
                            answers=sum(1 for _, item, _ in responses if item in survey_map.by_column))
    coders = store.coders()
    detail = {"file": str(path), "map": str(map_path), "las": summary.las, "answers": summary.answers,
              "free_text": len(sources)}
    with store.transaction(actor, "survey import", detail):
        store.replace_survey(responses)
        store.set_meta(META_MAP, survey_map.document)
        store.set_meta(META_MAP_PATH, str(map_path))
        store.set_meta(META_FILE, str(path))
        for src in sources:
            old = hashes.get(src.id)
            if old is None:
                store.write_source(src)
                summary.sources.append((src.id, "new"))
            elif old == src.content_hash:
                current = store.source_attributes(src.id).get(src.id, {})
                if current != src.attributes:
                    store.set_attributes(src.id, src.attributes)
                    summary.sources.append((src.id, "attributes updated"))
                else:
                    summary.sources.append((src.id, "unchanged"))
            else:
                replace_source(store, src, coders)
                summary.sources.append((src.id, "changed"))
        for sid in sorted(previous - {s.id for s in sources}):
            store.remove_source(sid)
            summary.sources.append((sid, "removed"))
    return summary


def stored_map(store) -> SurveyMap:
    """The survey map saved with the last import."""
    document = store.get_meta(META_MAP)
    if document is None or not store.survey_responses():
        raise SurveyError("no survey in the project yet: run 'ipe survey import FILE --id-column LA' first")
    return loads_map(document, store.get_meta(META_MAP_PATH) or "survey map")


# -- scoring and the spectrum --------------------------------------------------------------------------------------


def score_item(item: Item, value) -> Optional[float]:
    """An answer's score in 0..1, or None when it is missing or its choice has no score.

    Examples
    --------
    >>> score_item(Item("q", "likert"), "4")
    0.75
    >>> score_item(Item("q", "yesno", reverse=True), "yes")
    0.0
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    answer = check_answer(item, str(value))
    if item.type == "yesno":
        score = 1.0 if answer == "yes" else 0.0
    elif item.type == "likert":
        score = (int(answer) - 1) / (item.points - 1)
    else:
        score = dict(item.choices)[answer]
        if score is None:
            return None
    return 1.0 - score if item.reverse else score


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of the columns of ``items`` (one column per item), over rows with no missing value.

    ``alpha = k / (k - 1) * (1 - sum of item variances / variance of the row totals)``, with sample variances
    (n - 1). NaN when fewer than two items or two complete rows, or when the totals do not vary.

    Examples
    --------
    >>> round(cronbach_alpha(pd.DataFrame({"a": [3, 2, 4, 3, 4], "b": [4, 3, 4, 2, 4], "c": [3, 4, 5, 3, 4]})), 6)
    0.732558
    """
    complete = items.dropna().astype(float)
    k = complete.shape[1]
    if k < 2 or len(complete) < 2:
        return math.nan
    total = complete.sum(axis=1).var(ddof=1)
    if total == 0:
        return math.nan
    return float(k / (k - 1) * (1 - complete.var(ddof=1).sum() / total))


def classify(score: Optional[float], thresholds: tuple = DEFAULT_THRESHOLDS) -> str:
    """The MASH model for a spectrum score: below t1 risk-focused, below t2 hybrid, else needs-and-planning.

    Examples
    --------
    >>> [classify(s) for s in (0.39, 0.4, 0.6999, 0.7, None)]
    ['risk-focused', 'hybrid', 'hybrid', 'needs-and-planning', 'unplaced']
    """
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return UNPLACED
    low, high = thresholds
    if score < low:
        return MODELS[0]
    return MODELS[1] if score < high else MODELS[2]


def _check_thresholds(values) -> tuple:
    if not isinstance(values, (list, tuple)) or len(values) != 2 or any(_number(v) is None for v in values):
        raise SurveyError("thresholds must be two numbers t1,t2 with 0 <= t1 < t2 <= 1, e.g. 0.4,0.7")
    low, high = float(values[0]), float(values[1])
    if not 0 <= low < high <= 1:
        raise SurveyError(f"thresholds {low:g},{high:g}: need 0 <= t1 < t2 <= 1, e.g. 0.4,0.7")
    return low, high


def parse_thresholds(text: str) -> tuple:
    """``"0.4,0.7"`` → ``(0.4, 0.7)``; raises :class:`SurveyError` unless 0 <= t1 < t2 <= 1."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise SurveyError(f"thresholds '{text}': need two numbers t1,t2, e.g. 0.4,0.7") from None
    return _check_thresholds(values)


def parse_links(pairs: Iterable[str]) -> dict[str, str]:
    """``["ashdown=LA014", ...]`` → ``{"ashdown": "LA014"}``."""
    links = {}
    for pair in pairs:
        case, sep, la = pair.partition("=")
        if not sep or not case.strip() or not la.strip():
            raise SurveyError(f"'{pair}' is not CASE=LA (e.g. ashdown=LA014)")
        links[case.strip()] = la.strip()
    return links


def spectrum(store, survey_map: Optional[SurveyMap] = None, thresholds: Optional[tuple] = None,
             min_answered: Optional[float] = None) -> Spectrum:
    """Score every LA in the stored survey and place it on the risk↔needs spectrum (see the module docstring)."""
    survey_map = survey_map or stored_map(store)
    thresholds = _check_thresholds(thresholds) if thresholds is not None else survey_map.thresholds
    min_answered = survey_map.min_answered if min_answered is None else min_answered
    if not 0 < min_answered <= 1:
        raise SurveyError(f"minimum share answered {min_answered:g}: must be above 0 and at most 1")
    rows = store.survey_responses()
    if not rows:
        raise SurveyError("no survey in the project yet: run 'ipe survey import FILE --id-column LA' first")
    long = pd.DataFrame(rows, columns=["la", "item", "value"])
    answers = long.pivot(index="la", columns="item", values="value").sort_index()
    answers.columns.name = None
    scale = survey_map.scale
    scores = pd.DataFrame(index=answers.index)
    for item in scale:
        column = answers[item.column] if item.column in answers else pd.Series(math.nan, index=answers.index)
        try:
            scores[item.column] = [score_item(item, v) for v in column]
        except ValueError as exc:
            raise SurveyError(f"stored answer for '{item.column}' does not fit the map ({exc}); "
                              "re-import the survey with this map") from None
    scores = scores.astype(float)
    answered = scores.notna().sum(axis=1)
    share = answered / len(scale)
    mean = scores.mean(axis=1, skipna=True).round(SCORE_DECIMALS)
    score = mean.where(share >= min_answered)
    links = store.case_links()
    cases = {}
    for case, la in links.items():
        cases.setdefault(la, []).append(case)
    table = pd.DataFrame({
        "la": answers.index,
        "la_name": answers[survey_map.name_column].fillna("").values
        if survey_map.name_column and survey_map.name_column in answers else "",
        "answered": answered.values,
        "scale_items": len(scale),
        "share_answered": share.round(SCORE_DECIMALS).values,
        "score": score.values,
        "model": [classify(s, thresholds) for s in score.values],
        "case": [";".join(sorted(cases.get(la, []))) for la in answers.index],
    })
    return Spectrum(table=table.reset_index(drop=True), answers=answers, scores=scores, survey_map=survey_map,
                    thresholds=thresholds, min_answered=min_answered)


# -- tables --------------------------------------------------------------------------------------------------------


def _by_model(spec: Spectrum, items: list) -> pd.DataFrame:
    """Answers × model: for each item and answer, the LAs of each model giving it (n) and their share (%)."""
    models = spec.table.set_index("la")["model"]
    columns = ["item", "label", "answer"] + [f"{m} {x}" for m in (*MODELS, UNPLACED, "all") for x in ("n", "%")]
    out = []
    for item in items:
        values = spec.answers[item.column] if item.column in spec.answers else pd.Series(dtype=object)
        values = values.reindex(models.index)
        for answer in item.answers:
            row = {"item": item.column, "label": item.label, "answer": answer}
            for model in (*MODELS, UNPLACED, "all"):
                chosen = values if model == "all" else values[models == model]
                base = int(chosen.notna().sum())
                n = int((chosen == answer).sum())
                row[f"{model} n"] = n
                row[f"{model} %"] = round(100 * n / base, 1) if base else math.nan
            out.append(row)
    return pd.DataFrame(out, columns=columns)


def _distribution(spec: Spectrum) -> pd.DataFrame:
    placed = spec.table.dropna(subset=["score"])
    out = []
    for b in range(BINS):
        low, high = b / BINS, (b + 1) / BINS
        below = placed["score"] <= high if b == BINS - 1 else placed["score"] < high  # the last bin holds 1.0
        inside = placed[(placed["score"] >= low) & below]
        row = {"bin": f"{low:.1f}-{high:.1f}", "lower": low, "upper": high, "las": len(inside)}
        row.update({m: int((inside["model"] == m).sum()) for m in MODELS})
        out.append(row)
    return pd.DataFrame(out, columns=["bin", "lower", "upper", "las", *MODELS])


def _models(spec: Spectrum) -> pd.DataFrame:
    total = len(spec.table)
    low, high = spec.thresholds
    bands = {MODELS[0]: f"score < {low:g}", MODELS[1]: f"{low:g} <= score < {high:g}", MODELS[2]: f"score >= {high:g}",
             UNPLACED: f"answered < {spec.min_answered:g} of the scale"}
    out = []
    for model in (*MODELS, UNPLACED):
        rows = spec.table[spec.table["model"] == model]
        out.append({"model": model, "band": bands[model], "las": len(rows),
                    "share": round(len(rows) / total, SCORE_DECIMALS) if total else math.nan,
                    "las_listed": ";".join(rows["la"]) if model == UNPLACED else ""})
    return pd.DataFrame(out)


def _missingness(spec: Spectrum) -> pd.DataFrame:
    total = len(spec.answers)
    out = []
    entries = [(i.column, i.label, i.type, i.group, i.scale) for i in spec.survey_map.items]
    for column, label, kind, group, scale in entries:
        answered = int(spec.answers[column].notna().sum()) if column in spec.answers else 0
        out.append({"item": column, "label": label, "type": kind, "group": group, "scale": scale,
                    "answered": answered, "missing": total - answered,
                    "missing %": round(100 * (total - answered) / total, 1) if total else math.nan})
    return pd.DataFrame(out)


def _reliability(spec: Spectrum) -> pd.DataFrame:
    scores = spec.scores
    complete = scores.dropna()
    labels = {i.column: i.label for i in spec.survey_map.scale}
    totals = complete.mean(axis=1)
    out = [{"item": "scale", "label": f"{scores.shape[1]} items, Cronbach's alpha on complete cases",
            "n": len(complete), "mean": round(totals.mean(), SCORE_DECIMALS) if len(complete) else math.nan,
            "sd": round(totals.std(ddof=1), SCORE_DECIMALS) if len(complete) > 1 else math.nan,
            "item_rest_correlation": math.nan, "alpha_if_deleted": math.nan,
            "alpha": round(cronbach_alpha(scores), SCORE_DECIMALS)}]
    for column in scores.columns:
        rest = complete.drop(columns=column)
        corr = complete[column].corr(rest.sum(axis=1)) if len(complete) > 1 else math.nan
        out.append({"item": column, "label": labels.get(column, column), "n": len(complete),
                    "mean": round(complete[column].mean(), SCORE_DECIMALS) if len(complete) else math.nan,
                    "sd": round(complete[column].std(ddof=1), SCORE_DECIMALS) if len(complete) > 1 else math.nan,
                    "item_rest_correlation": round(corr, SCORE_DECIMALS) if pd.notna(corr) else math.nan,
                    "alpha_if_deleted": round(cronbach_alpha(rest), SCORE_DECIMALS), "alpha": math.nan})
    return pd.DataFrame(out)


def spectrum_tables(spec: Spectrum) -> dict[str, pd.DataFrame]:
    """Every survey table by name: the per-LA spectrum, model counts, distribution, missingness, reliability,
    and one answers × model table per item group of the map (``functions``, ``agencies``, ``consent``, ...)."""
    tables = {
        "survey-spectrum": spec.table,
        "survey-models": _models(spec),
        "survey-distribution": _distribution(spec),
        "survey-missingness": _missingness(spec),
        "survey-reliability": _reliability(spec),
    }
    for group in spec.survey_map.groups:
        items = [i for i in spec.survey_map.items if i.group == group]
        tables[f"survey-{_slug(group)}-by-model"] = _by_model(spec, items)
    return tables


# -- chart ---------------------------------------------------------------------------------------------------------

BAND_COLOURS = {MODELS[0]: "#f4c7c3", MODELS[1]: "#fce8b2", MODELS[2]: "#b7e1cd"}
POINT_COLOURS = {MODELS[0]: "#c0392b", MODELS[1]: "#b7950b", MODELS[2]: "#1e8449"}


def write_chart(spec: Spectrum, path: str | os.PathLike) -> Path:
    """A strip chart of the spectrum scores with the three model bands shaded, as a PNG with stable bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    low, high = spec.thresholds
    fig = Figure(figsize=(9, 3.4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for model, (start, end) in zip(MODELS, ((0.0, low), (low, high), (high, 1.0))):
        ax.axvspan(start, end, color=BAND_COLOURS[model], zorder=0, lw=0)
        ax.text((start + end) / 2, 1.04, model, ha="center", va="bottom", fontsize=9)
    placed = spec.table.dropna(subset=["score"]).sort_values(["score", "la"]).reset_index(drop=True)
    # A deterministic jitter (golden-ratio sequence over the sorted LAs) keeps equal scores apart.
    jitter = [0.1 + 0.8 * ((i * 0.6180339887) % 1.0) for i in range(len(placed))]
    for model in MODELS:
        mask = placed["model"] == model
        ax.scatter(placed.loc[mask, "score"], [j for j, m in zip(jitter, mask) if m], s=18,
                   color=POINT_COLOURS[model], edgecolor="white", linewidth=0.4, zorder=3)
    for i, row in placed.iterrows():
        if row["case"]:
            right = row["score"] > 0.8
            ax.annotate(f"{row['case']} ({row['la']})", (row["score"], jitter[i]), xytext=(-4 if right else 4, 6),
                        textcoords="offset points", ha="right" if right else "left", fontsize=8, zorder=4)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.15)
    ax.set_yticks([])
    ax.set_xlabel("needs-and-planning score (0 = risk assessment only, 1 = needs assessment and planning)")
    unplaced = len(spec.table) - len(placed)
    ax.set_title(f"MASH on the risk–needs spectrum: {len(placed)} local authorities placed, {unplaced} unplaced",
                 fontsize=10, pad=18)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return outputs.produce(lambda staged: (fig.savefig(staged, format="png", metadata={"Software": None}), staged)[1],
                           path)


# -- case links and outputs ----------------------------------------------------------------------------------------


def link_cases(store, links: dict[str, str], thresholds: Optional[tuple] = None,
               min_answered: Optional[float] = None, actor: Optional[str] = None) -> list[tuple[str, str, str, int]]:
    """Link case-study sites to their survey rows and set each case's ``mash_model`` from the survey, in one
    transaction. Returns ``(case, la, model, sources updated)``; an unplaced LA is linked but sets no model."""
    spec = spectrum(store, thresholds=thresholds, min_answered=min_answered)
    known = set(spec.table["la"])
    missing = [la for la in links.values() if la not in known]
    if missing:
        raise SurveyError(f"no local authority {', '.join(repr(la) for la in missing)} in the survey")
    out = []
    with store.transaction(actor, "survey link", {"links": dict(sorted(links.items()))}):
        for case, la in sorted(links.items()):
            store.link_case(case, la)
            model = spec.model_of(la)
            updated = store.set_case_attribute(case, "mash_model", model) if model != UNPLACED else 0
            out.append((case, la, model, updated))
    return out


def write_outputs(spec: Spectrum, out_dir: str | os.PathLike) -> list[Path]:
    """Write every survey table as CSV and the spectrum chart as PNG into ``out_dir``; return the paths."""
    out_dir = outputs.make_folder(out_dir)
    paths = []
    for name, table in spectrum_tables(spec).items():
        paths += exporters.write("csv", {name: table}, out_dir / name)
    paths.append(write_chart(spec, out_dir / "survey-spectrum.png"))
    return paths


def run_survey(store, folder: str | os.PathLike, out_dir: str | os.PathLike,
               progress: Callable = lambda items, **kw: items, actor: Optional[str] = None) -> list[Path]:
    """The survey step of ``ipe run``: if ``folder`` holds survey.csv and survey-map.yaml, import the survey,
    link the map's ``case_links``, and write the tables and chart into ``out_dir``. Returns the paths written
    (none when the folder has no survey)."""
    folder = Path(folder)
    survey_file, map_file = folder / SURVEY_FILE, folder / SURVEY_MAP
    if not (survey_file.is_file() and map_file.is_file()):
        return []
    import_survey(store, survey_file, map_file, actor=actor, progress=progress)
    links = dict(stored_map(store).case_links)
    if links:
        link_cases(store, links, actor=actor)
    return write_outputs(spectrum(store), out_dir)
