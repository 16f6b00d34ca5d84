"""The survey map: which columns of a survey are closed questions, how each is scored, which make up the
needs-and-planning scale, and which are free text; loaded and validated like a codebook, every problem listed."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ipe.errors import CodebookError, IpeError, ProblemsError
from ipe.strict_yaml import parse as parse_yaml

__all__ = [
    "MODELS", "UNPLACED", "ITEM_TYPES", "DEFAULT_THRESHOLDS", "DEFAULT_MIN_ANSWERED", "SURVEY_FILE", "SURVEY_MAP",
    "SurveyError", "SurveyMapError", "Item", "SurveyMap", "load_map", "loads_map", "check_answer", "check_thresholds",
]

MODELS = ("risk-focused", "hybrid", "needs-and-planning")
UNPLACED = "unplaced"
ITEM_TYPES = ("yesno", "likert", "choice")
DEFAULT_THRESHOLDS = (0.4, 0.7)
DEFAULT_MIN_ANSWERED = 0.5
DEFAULT_MISSING = ("", "n/a", "na", "don't know", "dont know", "not known", "prefer not to say")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
SURVEY_FILE, SURVEY_MAP = "survey.csv", "survey-map.yaml"
MAP_KEYS = {"name", "description", "id_column", "name_column", "thresholds", "min_answered", "missing", "items",
            "free_text", "case_links"}
ITEM_KEYS = {"column", "label", "type", "group", "scale", "points", "choices", "reverse"}
TEXT_KEYS = {"column", "label"}


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
            thresholds = check_thresholds(doc["thresholds"])
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


def check_thresholds(values) -> tuple:
    """Two thresholds ``(t1, t2)`` as floats; raises :class:`SurveyError` unless 0 <= t1 < t2 <= 1.

    >>> check_thresholds([0.4, 0.7])
    (0.4, 0.7)
    """
    if not isinstance(values, (list, tuple)) or len(values) != 2 or any(_number(v) is None for v in values):
        raise SurveyError("thresholds must be two numbers t1,t2 with 0 <= t1 < t2 <= 1, e.g. 0.4,0.7")
    low, high = float(values[0]), float(values[1])
    if not 0 <= low < high <= 1:
        raise SurveyError(f"thresholds {low:g},{high:g}: need 0 <= t1 < t2 <= 1, e.g. 0.4,0.7")
    return low, high
