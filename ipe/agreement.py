"""Intercoder agreement: Krippendorff's alpha, Cohen's and Fleiss' kappa, percent agreement, prevalence.

Every function is pure: codings in, one number out. Codings by several coders are a *coders x units* matrix,
one row per coder and one column per unit (a segment, a turn, a transcript), with ``None`` or NaN where a coder
did not code the unit. A unit is *pairable* when at least two coders coded it; only pairable units say anything
about agreement, so the others are left out of every coefficient here.

When every pairable code is one and the same category, chance-corrected coefficients are 0/0: there is no
variation to agree about. They then return ``nan`` rather than raise, so that a table of per-code figures can
show the gap, and the caller can report the prevalence instead.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path
from typing import Optional

import krippendorff
import numpy as np

from ipe.corpus import read_csv_rows
from ipe.errors import IpeError
from ipe.units import UNIT_KINDS, corpus_presence

__all__ = [
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "percent_agreement",
    "prevalence",
]

_LEVELS = ("nominal", "ordinal", "interval", "ratio")
_KAPPA_WEIGHTS = (None, "linear", "quadratic")


def krippendorff_alpha(data, level: str = "nominal") -> float:
    """Krippendorff's alpha for any number of coders, with missing codes allowed.

    Parameters
    ----------
    data : list of lists or 2-D numpy array
        Coders x units matrix; ``None`` or NaN marks a unit the coder did not code. Nominal codes may be any
        hashable labels; the other levels need numbers.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement, which sets the difference function (Krippendorff 2011).

    Returns
    -------
    float
        Alpha, 1 for perfect agreement and 0 for agreement at chance level. ``nan`` when every pairable code
        is the same value: expected disagreement is then 0 and alpha is 0/0, undefined (the ``krippendorff``
        package raises in that case; a single-valued code is reported, not treated as an error).

    Raises
    ------
    ValueError
        If `level` is unknown, `data` is not a matrix of at least 2 coders with rows of equal length, no unit
        was coded by two coders, or a non-nominal level is given labels that are not numbers.

    Examples
    --------
    >>> round(krippendorff_alpha([[1, 2, 3, 3], [1, 2, 3, 1], [None, 2, 3, 3]]), 3)
    0.744
    >>> krippendorff_alpha([["theme", "theme"], ["theme", "theme"]])
    nan
    """
    if level not in _LEVELS:
        raise ValueError(f"unknown level of measurement {level!r}; expected one of {', '.join(_LEVELS)}")
    rows = _coder_rows(data)
    pairable = [value for unit in _pairable_units(rows) for value in unit]
    matrix = _label_codes(rows) if level == "nominal" else _numeric_codes(rows, level)
    if len(set(pairable)) == 1:
        return math.nan
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable], weights: Optional[str] = None) -> float:
    """Cohen's kappa for two coders, unweighted (Cohen 1960) or weighted (Cohen 1968).

    Units where either coder has no code (``None`` or NaN) are dropped before anything is counted.

    Parameters
    ----------
    a, b : sequence of hashable
        The two coders' labels, one per unit, in the same unit order.
    weights : {None, "linear", "quadratic"}
        None counts every disagreement alike. "linear" and "quadratic" penalise a disagreement by the distance,
        or squared distance, between the two categories' positions in the sorted union of both coders' labels.
        Positions, not values, are used (labels 1, 2, 5 are one step apart each), as in Cicchetti and Allison
        (1971) and Fleiss and Cohen (1973). Labels must sort in their intended order, so map ordinal words
        such as "low", "mid", "high" to numbers first.

    Returns
    -------
    float
        Kappa, 1 for perfect agreement and 0 for agreement at chance level. ``nan`` when both coders used one
        and the same category throughout: expected agreement is then 1 and kappa is 0/0, undefined.

    Raises
    ------
    ValueError
        If `weights` is unknown, `a` and `b` differ in length, no unit was coded by both, or weighted kappa is
        asked of labels that cannot be sorted.

    Examples
    --------
    >>> cohen_kappa(["yes", "yes", "no", "no"], ["yes", "no", "no", "no"])
    0.5
    >>> round(cohen_kappa([1, 2, 3, 3], [1, 3, 3, 2], weights="quadratic"), 4)
    0.6364
    >>> cohen_kappa(["yes", None, "yes"], ["yes", "no", "yes"])
    nan
    """
    if weights not in _KAPPA_WEIGHTS:
        raise ValueError(f"unknown kappa weights {weights!r}; expected None, 'linear' or 'quadratic'")
    pairs = _coded_pairs(a, b)
    categories = _sorted_labels({label for pair in pairs for label in pair}, ordered=weights is not None)
    if len(categories) == 1:
        return math.nan
    observed = _confusion_proportions(pairs, categories)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    penalty = _disagreement_weights(len(categories), weights)
    return float(1 - (penalty * observed).sum() / (penalty * expected).sum())


def fleiss_kappa(counts) -> float:
    """Fleiss' kappa for a fixed number of raters per subject (Fleiss 1971).

    Parameters
    ----------
    counts : list of lists or 2-D numpy array
        Subjects x categories table: ``counts[i][j]`` is how many raters put subject ``i`` in category ``j``.
        Every row must sum to the same number of raters, at least 2. The raters need not be the same people
        from one subject to the next.

    Returns
    -------
    float
        Kappa, 1 for perfect agreement and 0 for agreement at chance level. ``nan`` when every rating falls in
        one category: expected agreement is then 1 and kappa is 0/0, undefined.

    Raises
    ------
    ValueError
        If `counts` is not a non-empty 2-D table of non-negative whole numbers, its rows do not all sum to the
        same number of raters, or that number is less than 2.

    Examples
    --------
    >>> round(fleiss_kappa([[3, 0], [0, 3], [2, 1]]), 4)
    0.55
    >>> fleiss_kappa([[0, 4], [0, 4]])
    nan
    """
    table = _count_table(counts)
    raters = table[0].sum()
    if np.count_nonzero(table.sum(axis=0)) == 1:
        return math.nan
    shares = table.sum(axis=0) / table.sum()
    observed = (((table**2).sum(axis=1) - raters) / (raters * (raters - 1))).mean()
    expected = (shares**2).sum()
    return float((observed - expected) / (1 - expected))


def percent_agreement(data) -> float:
    """Share of pairable units on which every coder who coded the unit gave the same code.

    This is *unanimous* agreement, not the mean of pairwise agreements: a unit coded 1, 1, 2 by three coders
    counts as a disagreement. For two coders the two definitions coincide. It is not corrected for chance.

    Parameters
    ----------
    data : list of lists or 2-D numpy array
        Coders x units matrix as for :func:`krippendorff_alpha`; units coded by fewer than two coders are left
        out.

    Returns
    -------
    float
        A proportion between 0 and 1.

    Raises
    ------
    ValueError
        If `data` is not a matrix of at least 2 coders with rows of equal length, or no unit was coded by two
        coders.

    Examples
    --------
    >>> percent_agreement([[1, 2, 3, None], [1, 2, 1, 4], [1, None, 3, None]])
    0.6666666666666666
    """
    units = _pairable_units(_coder_rows(data))
    return sum(len(set(unit)) == 1 for unit in units) / len(units)


def prevalence(data) -> float:
    """Share of pairable codes that are 1 (present) in a binary coders x units matrix.

    Alongside alpha or kappa for one code's presence or absence, it shows when a coefficient is low, or
    undefined, because the code is rare or ubiquitous rather than because coders disagree.

    Parameters
    ----------
    data : list of lists or 2-D numpy array
        Coders x units matrix of 0/1 or False/True, ``None`` or NaN where a coder did not code the unit.
        Codes in units coded by fewer than two coders are left out, as in :func:`krippendorff_alpha`.

    Returns
    -------
    float
        A proportion between 0 and 1.

    Raises
    ------
    ValueError
        If `data` is not a matrix of at least 2 coders with rows of equal length, no unit was coded by two
        coders, or a code is neither 0 nor 1.

    Examples
    --------
    >>> prevalence([[1, 0, 0, None], [1, 0, 1, 1]])
    0.5
    """
    codes = [value for unit in _pairable_units(_coder_rows(data)) for value in unit]
    strays = {repr(value) for value in codes if value not in (0, 1)}
    if strays:
        raise ValueError(f"prevalence needs codes of 0 or 1; got {', '.join(sorted(strays))}")
    return sum(codes) / len(codes)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _is_sequence(value) -> bool:
    # A string is iterable, but a row given as "abc" is a mistake, not three codes.
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes))


def _plain_list(values) -> list:
    # numpy scalars would leak numpy types into labels and error messages.
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def _coder_rows(data) -> list[list]:
    """Return `data` as lists of equal length, one per coder."""
    if not _is_sequence(data):
        raise ValueError("data must be a coders x units matrix: one list of codes per coder")
    rows = _plain_list(data)
    if not all(_is_sequence(row) for row in rows):
        raise ValueError("data must be a coders x units matrix: one list of codes per coder")
    rows = [_plain_list(row) for row in rows]
    if len(rows) < 2:
        raise ValueError(f"agreement needs at least 2 coders; got {len(rows)}")
    lengths = sorted({len(row) for row in rows})
    if len(lengths) > 1:
        raise ValueError(f"ragged data: coder rows must have the same number of units; got lengths {lengths}")
    return rows


def _pairable_units(rows: list[list]) -> list[list]:
    """Return the codes of each unit coded by at least two coders."""
    units = [[value for value in column if not _is_missing(value)] for column in zip(*rows)]
    pairable = [unit for unit in units if len(unit) >= 2]
    if not pairable:
        raise ValueError("no pairable units: no unit was coded by at least two coders")
    return pairable


def _sorted_labels(labels: set, ordered: bool = False) -> list:
    try:
        return sorted(labels)
    except TypeError:
        if ordered:
            kinds = ", ".join(sorted({type(label).__name__ for label in labels}))
            raise ValueError(f"weighted kappa needs labels that sort in order; got a mix of {kinds}") from None
        # Nominal categories have no order; any fixed one keeps results reproducible.
        return sorted(labels, key=repr)


def _label_codes(rows: list[list]) -> np.ndarray:
    """Replace labels by their position among the sorted labels, as the krippendorff package needs numbers."""
    labels = _sorted_labels({value for row in rows for value in row if not _is_missing(value)})
    position = {label: index for index, label in enumerate(labels)}
    return np.array([[math.nan if _is_missing(v) else position[v] for v in row] for row in rows], dtype=float)


def _numeric_codes(rows: list[list], level: str) -> np.ndarray:
    for value in (v for row in rows for v in row if not _is_missing(v)):
        if not isinstance(value, numbers.Real):
            raise ValueError(f"{level} alpha needs numeric codes; got {value!r} (use level='nominal' for labels)")
    return np.array([[math.nan if _is_missing(v) else float(v) for v in row] for row in rows], dtype=float)


def _coded_pairs(a, b) -> list[tuple]:
    if not (_is_sequence(a) and _is_sequence(b)):
        raise ValueError("cohen_kappa needs two sequences of labels, one per coder")
    a, b = _plain_list(a), _plain_list(b)
    if len(a) != len(b):
        raise ValueError(f"the two coders must code the same units; got {len(a)} and {len(b)} labels")
    pairs = [(x, y) for x, y in zip(a, b) if not (_is_missing(x) or _is_missing(y))]
    if not pairs:
        raise ValueError("no pairable units: no unit was coded by both coders")
    return pairs


def _confusion_proportions(pairs: list[tuple], categories: list) -> np.ndarray:
    position = {label: index for index, label in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)))
    for x, y in pairs:
        table[position[x], position[y]] += 1
    return table / len(pairs)


def _disagreement_weights(size: int, weights: Optional[str]) -> np.ndarray:
    # Only the ratio of observed to expected disagreement matters, so the weights need no scaling to [0, 1].
    steps = np.abs(np.subtract.outer(np.arange(size), np.arange(size))).astype(float)
    if weights == "linear":
        return steps
    if weights == "quadratic":
        return steps**2
    return (steps > 0).astype(float)


def _count_table(counts) -> np.ndarray:
    """Return `counts` as a float array after checking it is a subjects x categories table of rater counts."""
    try:
        table = np.asarray(counts, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("counts must be a subjects x categories table of numbers") from None
    if table.ndim != 2 or 0 in table.shape:
        raise ValueError(f"counts must be a non-empty subjects x categories table; got shape {table.shape}")
    if not np.isfinite(table).all() or (table < 0).any() or (table != np.round(table)).any():
        raise ValueError("counts must be non-negative whole numbers of raters")
    raters = sorted(set(table.sum(axis=1).astype(int).tolist()))
    if len(raters) > 1:
        raise ValueError(f"every subject must have the same number of raters; row sums are {raters}")
    if raters[0] < 2:
        raise ValueError(f"fleiss_kappa needs at least 2 raters per subject; got {raters[0]}")
    return table


# -- agreement between coders in a project -------------------------------------------------------------------------
#
# Units: sentences or turns of the stored text (interviewer turns left out, as auto-coding leaves them out);
# "segment" cuts each source at every boundary of every coder's codings, so each piece is coded uniformly by
# each coder; "character" counts each segment once per non-space character it holds. A unit is *present* for a
# coder and code when one of the coder's codings of that code overlaps it by a non-space character.
# A coder's assignment is the set of sources they coded at all: in a source outside it the coder's value is
# missing, not "absent", so it neither agrees nor disagrees.

AGREEMENT_COLUMNS = [
    "code", "units", "prevalence", "percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha",
]


def _unit_matrix(store, coders: list, unit: str, codes: list, sources=None, include_interviewer: bool = False):
    """Units, their weights, and a ``{code: coders x units}`` presence matrix with None outside assignments."""
    units, weights, present, assigned = corpus_presence(store, coders, unit, sources, codes, include_interviewer)
    matrices = {}
    for code in codes:
        matrices[code] = [
            [(1 if (i, code, coder) in present else 0) if u.source_id in assigned[coder] else None
             for i, u in enumerate(units)]
            for coder in coders
        ]
    return units, weights, matrices


def _expand(rows: list, weights: list) -> list:
    if all(w == 1 for w in weights):
        return rows
    return [[v for v, w in zip(row, weights) for _ in range(w)] for row in rows]


def _figures(label: str, rows: list) -> dict:
    pairable = _pairable_units(rows)
    out = {"code": label, "units": len(pairable)}
    if not pairable:
        return {**out, **{k: float("nan") for k in AGREEMENT_COLUMNS[2:]}}
    out["prevalence"] = prevalence(rows)
    out["percent_agreement"] = percent_agreement(rows)
    both = [(a, b) for a, b in zip(rows[0], rows[1]) if a is not None and b is not None] if len(rows) == 2 else []
    out["cohen_kappa"] = cohen_kappa([a for a, _ in both], [b for _, b in both]) if both else float("nan")
    full = [u for u in zip(*rows) if all(v is not None for v in u)]
    out["fleiss_kappa"] = (
        fleiss_kappa([[sum(1 for v in u if v == 0), sum(1 for v in u if v == 1)] for u in full]) if full else float("nan")
    )
    out["krippendorff_alpha"] = krippendorff_alpha(rows, "nominal")
    return out


def coder_agreement(store, coders: list, unit: str = "sentence", codes: Optional[list] = None, sources=None,
                    include_interviewer: bool = False):
    """Agreement of two or more coders per code and overall, and the units they disagree on.

    Returns ``(table, disagreements)``: ``table`` has one row per code used by any of the coders and an
    ``overall`` row that pools every (unit, code) pair; ``disagreements`` lists each unit and code where the
    coders who coded the unit differ, with its text.
    """
    import pandas as pd

    from ipe.project import current_codebook  # loads spaCy, which the statistics above never need

    if len(coders) < 2:
        raise ValueError("give at least two coders")
    if unit not in UNIT_KINDS:
        raise ValueError(f"unit must be one of {', '.join(UNIT_KINDS)}")
    known = store.coders()
    missing = [c for c in coders if c not in known]
    if missing:
        raise ValueError(f"unknown coder{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    _, cb = current_codebook(store)
    used = {c.code_id for c in store.codings(coders=coders, sources=sources)}
    code_ids = [c.id for c in cb.codes if c.id in used and (not codes or c.id in codes)]
    units, weights, matrices = _unit_matrix(store, coders, unit, code_ids, sources, include_interviewer)
    rows, pooled = [], [[] for _ in coders]
    for code in code_ids:
        matrix = _expand(matrices[code], weights)
        rows.append(_figures(code, matrix))
        for k, row in enumerate(matrix):
            pooled[k].extend(row)
    if code_ids:
        rows.append(_figures("overall", pooled))
    table = pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
    texts: dict = {}
    disagreements = []
    for code in code_ids:
        matrix = matrices[code]
        for i, u in enumerate(units):
            values = [matrix[k][i] for k in range(len(coders))]
            coded = [v for v in values if v is not None]
            if len(coded) >= 2 and len(set(coded)) > 1:
                if u.source_id not in texts:
                    texts = {u.source_id: store.source(u.source_id, structure=False).text}
                disagreements.append({"source": u.source_id, "unit": u.n, "start": u.start, "end": u.end,
                                      "code": code, **{c: ("" if v is None else v) for c, v in zip(coders, values)},
                                      "text": texts[u.source_id][u.start:u.end]})
    columns = ["source", "unit", "start", "end", "code", *coders, "text"]
    return table, pd.DataFrame(disagreements, columns=columns)


def matrix_agreement(rows: list, level: str = "nominal") -> dict:
    """Figures for a plain reliability matrix (coders x units): alpha at ``level``, and the nominal statistics."""
    pairable = _pairable_units(rows)
    out = {"coders": len(rows), "units": len(pairable), "level": level,
           "krippendorff_alpha": krippendorff_alpha(rows, level), "percent_agreement": percent_agreement(rows)}
    if len(rows) == 2:
        both = [(a, b) for a, b in zip(rows[0], rows[1]) if not _is_missing(a) and not _is_missing(b)]
        weights = None if level == "nominal" else "quadratic" if level in ("interval", "ratio") else "linear"
        out["cohen_kappa"] = cohen_kappa([a for a, _ in both], [b for _, b in both], weights=weights)
        out["kappa_weights"] = weights or "none"
    full = [u for u in zip(*rows) if all(not _is_missing(v) for v in u)]
    if full:
        categories = _sorted_labels({v for u in full for v in u})
        out["fleiss_kappa"] = fleiss_kappa([[sum(1 for v in u if v == cat) for cat in categories] for u in full])
    return out


def read_matrix(path, level: str = "nominal") -> list[list]:
    """A reliability matrix (coders x units) from CSV: one column per coder, one row per unit, empty cells missing.

    An optional column named ``unit`` holds unit ids and is ignored. Levels other than nominal need numbers.
    """
    header, rows = read_csv_rows(Path(path))
    matrix = []
    for coder in (h for h in header if h.lower() != "unit"):
        values = []
        for line, row in rows:
            cell = row.get(coder, "")
            if cell == "" or level == "nominal":
                values.append(cell or None)
                continue
            try:
                values.append(float(cell))
            except ValueError:
                raise IpeError(f"{path}: line {line}: '{cell}' is not a number ({level} level)") from None
        matrix.append(values)
    return matrix


def file_agreement(path, level: str = "nominal") -> dict:
    """:func:`matrix_agreement` for a reliability matrix CSV (see :func:`read_matrix`), errors naming the file."""
    try:
        return matrix_agreement(read_matrix(path, level), level)
    except ValueError as exc:
        raise IpeError(f"{path}: {exc}") from None
