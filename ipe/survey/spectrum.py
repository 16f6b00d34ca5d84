"""Scoring a survey and placing each local authority on the risk↔needs spectrum: pure functions over DataFrames.

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
from dataclasses import dataclass
from typing import Iterable, Optional

import pandas as pd

from ipe.corpus import slug
from ipe.survey.map import (
    DEFAULT_THRESHOLDS,
    MODELS,
    UNPLACED,
    Item,
    SurveyError,
    SurveyMap,
    check_answer,
    check_thresholds,
)

__all__ = [
    "SCORE_DECIMALS", "Spectrum", "score_item", "cronbach_alpha", "classify", "parse_thresholds", "parse_links",
    "place", "spectrum_tables",
]

SCORE_DECIMALS = 4
BINS = 10


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


def parse_thresholds(text: str) -> tuple:
    """``"0.4,0.7"`` → ``(0.4, 0.7)``; raises :class:`SurveyError` unless 0 <= t1 < t2 <= 1."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise SurveyError(f"thresholds '{text}': need two numbers t1,t2, e.g. 0.4,0.7") from None
    return check_thresholds(values)


def parse_links(pairs: Iterable[str]) -> dict[str, str]:
    """``["ashdown=LA014", ...]`` → ``{"ashdown": "LA014"}``."""
    links = {}
    for pair in pairs:
        case, sep, la = pair.partition("=")
        if not sep or not case.strip() or not la.strip():
            raise SurveyError(f"'{pair}' is not CASE=LA (e.g. ashdown=LA014)")
        links[case.strip()] = la.strip()
    return links


def place(responses: pd.DataFrame, survey_map: SurveyMap, thresholds: Optional[tuple] = None,
          min_answered: Optional[float] = None, case_links: Optional[dict] = None) -> Spectrum:
    """Score every LA of ``responses`` and place it on the spectrum (see the module docstring).

    Parameters
    ----------
    responses : pandas.DataFrame
        The stored answers in long form: columns ``la``, ``item`` (a column of the survey) and ``value``.
    survey_map : SurveyMap
    thresholds : (float, float), optional
        ``t1, t2``; default the map's.
    min_answered : float, optional
        The share of the scale an LA must answer to be placed; default the map's.
    case_links : dict, optional
        Case-study site → LA id, shown in the ``case`` column.

    Examples
    --------
    >>> from ipe.survey.map import loads_map
    >>> m = loads_map("items:\\n  - {column: q1, type: yesno, scale: true}\\n"
    ...               "  - {column: q2, type: likert, scale: true}\\n")
    >>> answers = pd.DataFrame([("A", "q1", "yes"), ("A", "q2", "5"), ("B", "q1", "no"), ("B", "q2", "2")],
    ...                        columns=["la", "item", "value"])
    >>> place(answers, m, case_links={"ashdown": "A"}).table[["la", "score", "model", "case"]].to_dict("records")
    [{'la': 'A', 'score': 1.0, 'model': 'needs-and-planning', 'case': 'ashdown'}, {'la': 'B', 'score': 0.125, 'model': 'risk-focused', 'case': ''}]
    """
    thresholds = check_thresholds(thresholds) if thresholds is not None else survey_map.thresholds
    min_answered = survey_map.min_answered if min_answered is None else min_answered
    if not 0 < min_answered <= 1:
        raise SurveyError(f"minimum share answered {min_answered:g}: must be above 0 and at most 1")
    if not len(responses):
        raise SurveyError("no survey in the project yet: run 'ipe survey import FILE --id-column LA' first")
    long = pd.DataFrame(responses, columns=["la", "item", "value"])
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
    cases = {}
    for case, la in (case_links or {}).items():
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
        tables[f"survey-{slug(group)}-by-model"] = _by_model(spec, items)
    return tables
