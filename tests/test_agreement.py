"""Agreement coefficients against published worked examples, to the published number of decimals."""

import doctest
import math
import warnings

import numpy as np
import pytest

from ipe import agreement
from ipe.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement, prevalence

_ = None

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for Communication
# Departmental Papers (ASC). The worked example with 4 observers (rows) x 12 units and missing values.
KRIPPENDORFF_2011_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]

# Krippendorff (2011), the worked example with two observers, ten units and binary data.
KRIPPENDORFF_2011_A = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects x 5 categories, 14 raters per subject.
WIKIPEDIA_FLEISS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin, 76(5),
# 378-382, Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (1 depression, 2 personality disorder,
# 3 schizophrenia, 4 neurosis, 5 other). One row per patient, the diagnoses it received, as distributed in
# the R package irr (data set `diagnoses`) and statsmodels' test_inter_rater.py.
FLEISS_1971_DIAGNOSES = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5], [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4], [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4], [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5], [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4], [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4], [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]

# R package irr, data set `anxiety` (20 subjects rated 1-6), raters 2 and 3. Neither rater used 5.
ANXIETY_RATER2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
ANXIETY_RATER3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]


def _labels_from_table(table):
    """Expand a two-coder contingency table (rows coder A, columns coder B) into two label lists."""
    a, b = [], []
    for row, counts in enumerate(table, start=1):
        for column, count in enumerate(counts, start=1):
            a += [row] * count
            b += [column] * count
    return a, b


def _counts(ratings, categories):
    return [[row.count(category) for category in categories] for row in ratings]


def test_agreement_docstring_examples_pass():
    assert doctest.testmod(agreement).failed == 0


# --- Krippendorff's alpha ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published"),
    # Krippendorff (2011), 4 x 12 example: alpha = .743 nominal, .815 ordinal, .849 interval, .797 ratio.
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_alpha_reproduces_krippendorff_2011_missing_data_example(level, published):
    assert round(krippendorff_alpha(KRIPPENDORFF_2011_C, level), 3) == published


def test_krippendorff_alpha_reproduces_krippendorff_2011_binary_example():
    # Krippendorff (2011), binary example: alpha = 0.095.
    assert round(krippendorff_alpha(KRIPPENDORFF_2011_A), 3) == 0.095


def test_krippendorff_alpha_nominal_labels_give_the_same_alpha_as_numbers():
    names = {1: "anger", 2: "blame", 3: "care", 4: "doubt", 5: "envy"}
    labelled = [[names.get(value) for value in row] for row in KRIPPENDORFF_2011_C]
    assert krippendorff_alpha(labelled) == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011_C))


def test_krippendorff_alpha_accepts_numpy_array_with_nan():
    matrix = np.array(KRIPPENDORFF_2011_C, dtype=float)
    assert round(krippendorff_alpha(matrix, "interval"), 3) == 0.849


def test_krippendorff_alpha_ignores_units_coded_once():
    # Unit 12 of the example was coded by one observer only; dropping it must not change alpha.
    without_unit_12 = [row[:11] for row in KRIPPENDORFF_2011_C]
    assert krippendorff_alpha(without_unit_12) == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011_C))


def test_krippendorff_alpha_is_one_when_all_coders_agree():
    assert krippendorff_alpha([["a", "b", "c", None], ["a", "b", "c", "a"], ["a", None, "c", "a"]]) == 1.0


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_alpha_is_nan_when_only_one_value_is_pairable(level):
    # The 2 is unpairable: expected disagreement among pairable values is 0, so alpha is 0/0.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(krippendorff_alpha([[1, 1, 2], [1, 1, None]], level))


@pytest.mark.parametrize(
    ("data", "level", "message"),
    [
        ([[1, 2], [1, 2]], "binary", "unknown level of measurement 'binary'"),
        ([[1, 2, 3]], "nominal", "at least 2 coders; got 1"),
        ([[1, 2, 3], [1, 2]], "nominal", r"ragged data.*\[2, 3\]"),
        ([[1, None], [None, 2]], "nominal", "no pairable units"),
        ([1, 2, 3], "nominal", "coders x units matrix"),
        (["abc", "abd"], "nominal", "coders x units matrix"),
        ([["low", "high"], ["low", "low"]], "ordinal", "ordinal alpha needs numeric codes; got 'low'"),
    ],
)
def test_krippendorff_alpha_rejects_invalid_input(data, level, message):
    with pytest.raises(ValueError, match=message):
        krippendorff_alpha(data, level)


# --- Cohen's kappa ----------------------------------------------------------------------------------------


def test_cohen_kappa_reproduces_wikipedia_worked_example():
    # Wikipedia, "Cohen's kappa", simple example: 50 grant proposals, two readers; yes/yes 20, yes/no 5,
    # no/yes 10, no/no 15; p_o = 0.7, p_e = 0.5, kappa = 0.40.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert round(cohen_kappa(a, b), 2) == 0.40
    assert percent_agreement([a, b]) == pytest.approx(0.7)


def test_cohen_kappa_reproduces_sas_printout_unweighted_and_linear():
    # SAS PROC FREQ / AGREE printout for a 3 x 3 table, recorded in statsmodels'
    # statsmodels/stats/tests/test_inter_rater.py: simple kappa 0.4842, weighted kappa 0.4701 (SAS's default
    # Cicchetti-Allison weights, that is linear weights on category positions).
    a, b = _labels_from_table([[0, 4, 1], [0, 8, 0], [0, 1, 5]])
    assert round(cohen_kappa(a, b), 4) == 0.4842
    assert round(cohen_kappa(a, b, weights="linear"), 4) == 0.4701


@pytest.mark.parametrize(
    ("weights", "irr_value"),
    # irr's kappa2(anxiety[, 2:3]) with weight "unweighted", "equal" and "squared", printed to 7 significant
    # digits and recorded in statsmodels' test_inter_rater.py. irr drops the unused category 5, as positions in
    # the sorted union of labels do here.
    [(None, -0.006289308), ("linear", 0.1459075), ("quadratic", 0.2520325)],
)
def test_cohen_kappa_matches_r_irr_on_anxiety_data(weights, irr_value):
    assert cohen_kappa(ANXIETY_RATER2, ANXIETY_RATER3, weights) == pytest.approx(irr_value, rel=5e-7)


@pytest.mark.parametrize(("weights", "by_hand"), [(None, 1 / 5), ("linear", 3 / 7), ("quadratic", 7 / 11)])
def test_cohen_kappa_small_example_computed_by_hand(weights, by_hand):
    # a = 1 2 3 3, b = 1 3 3 2; both coders' marginals are 1/4, 1/4, 1/2 over categories 1, 2, 3.
    # Unweighted: p_o = 2/4, p_e = 1/16 + 1/16 + 4/16 = 3/8, kappa = (1/2 - 3/8) / (5/8) = 1/5.
    # Linear: observed disagreement (1 + 1)/4 = 1/2; expected = (1*1 + 2*2 + 1*1 + 2*1 + 2*2 + 2*1)/16 = 7/8,
    #   summing marginal products times |i - j| over the off-diagonal cells; kappa = 1 - (1/2)/(7/8) = 3/7.
    # Quadratic: observed (1 + 1)/4 = 1/2; expected = (1*1 + 2*4 + 1*1 + 2*1 + 2*4 + 2*1)/16 = 11/8;
    #   kappa = 1 - (1/2)/(11/8) = 7/11.
    assert cohen_kappa([1, 2, 3, 3], [1, 3, 3, 2], weights) == pytest.approx(by_hand)


def test_cohen_kappa_quadratic_equals_concordance_correlation():
    # Fleiss & Cohen (1973): with categories scored 0..k-1, quadratic-weighted kappa equals
    # 2 cov(a, b) / (var a + var b + (mean a - mean b)^2) with 1/n moments (Lin's concordance correlation).
    a = np.array([1, 2, 2, 3, 4, 5, 5, 3, 1, 2, 4, 4])
    b = np.array([1, 3, 2, 3, 5, 4, 5, 2, 2, 2, 4, 3])
    concordance = 2 * np.cov(a, b, bias=True)[0, 1] / (a.var() + b.var() + (a.mean() - b.mean()) ** 2)
    assert cohen_kappa(a, b, weights="quadratic") == pytest.approx(concordance)


def test_cohen_kappa_weights_make_no_difference_with_two_categories():
    # With two categories every disagreement is one step, so linear and quadratic weights reduce to Cohen (1960).
    a, b = _labels_from_table([[20, 5], [10, 15]])
    assert cohen_kappa(a, b, "linear") == pytest.approx(0.4)
    assert cohen_kappa(a, b, "quadratic") == pytest.approx(0.4)


def test_cohen_kappa_drops_pairs_with_a_missing_label():
    a = ["x", "y", None, "x", "y", float("nan")]
    b = ["x", "y", "x", "y", None, "y"]
    assert cohen_kappa(a, b) == cohen_kappa(["x", "y", "x"], ["x", "y", "y"])


def test_cohen_kappa_is_one_when_coders_agree():
    assert cohen_kappa(["a", "b", "c", "a"], ["a", "b", "c", "a"]) == 1.0
    assert cohen_kappa([1, 2, 3], [1, 2, 3], weights="quadratic") == 1.0


def test_cohen_kappa_is_nan_when_one_category_is_used_throughout():
    assert math.isnan(cohen_kappa(["present"] * 5, ["present"] * 5))


def test_cohen_kappa_is_zero_when_each_coder_uses_a_different_single_category():
    assert cohen_kappa(["a"] * 4, ["b"] * 4) == 0.0


@pytest.mark.parametrize(
    ("a", "b", "weights", "message"),
    [
        ([1, 2], [1, 2], "cubic", "unknown kappa weights 'cubic'"),
        ([1, 2, 3], [1, 2], None, "same units; got 3 and 2"),
        ([1, None], [None, 2], None, "no pairable units"),
        ([1, "a"], [1, "b"], "linear", "labels that sort in order"),
        ("ab", "ab", None, "two sequences of labels"),
    ],
)
def test_cohen_kappa_rejects_invalid_input(a, b, weights, message):
    with pytest.raises(ValueError, match=message):
        cohen_kappa(a, b, weights)


def test_cohen_kappa_unweighted_accepts_unsortable_labels():
    assert cohen_kappa([1, "a", 1], [1, "a", "a"]) == pytest.approx(cohen_kappa([1, 2, 1], [1, 2, 2]))


# --- Fleiss' kappa ----------------------------------------------------------------------------------------


def test_fleiss_kappa_reproduces_wikipedia_worked_example():
    # Wikipedia, "Fleiss' kappa", worked example: P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210.
    assert round(fleiss_kappa(WIKIPEDIA_FLEISS), 3) == 0.210


def test_fleiss_kappa_reproduces_fleiss_1971():
    # Fleiss (1971): kappa = .430 for the 30 patients (irr's kappam.fleiss(diagnoses) gives 0.4302445).
    counts = _counts(FLEISS_1971_DIAGNOSES, [1, 2, 3, 4, 5])
    assert np.sum(counts, axis=0).tolist() == [26, 26, 30, 55, 43]  # transcription check, as in statsmodels
    assert round(fleiss_kappa(counts), 3) == 0.430


def test_fleiss_kappa_is_one_when_raters_agree():
    assert fleiss_kappa([[3, 0, 0], [0, 3, 0], [0, 0, 3]]) == 1.0


def test_fleiss_kappa_is_nan_when_every_rating_is_one_category():
    assert math.isnan(fleiss_kappa([[0, 5], [0, 5], [0, 5]]))


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([[1, 2], [3, 1]], r"same number of raters; row sums are \[3, 4\]"),
        ([[1, 0], [0, 1]], "at least 2 raters per subject; got 1"),
        ([[2, -1], [1, 0]], "non-negative whole numbers"),
        ([[1.5, 0.5], [1, 1]], "non-negative whole numbers"),
        ([1, 2, 3], "subjects x categories table"),
        ([], "subjects x categories table"),
        ([[1, 2], [3]], "subjects x categories table of numbers"),
    ],
)
def test_fleiss_kappa_rejects_invalid_input(counts, message):
    with pytest.raises(ValueError, match=message):
        fleiss_kappa(counts)


# --- percent agreement and prevalence ---------------------------------------------------------------------


def test_percent_agreement_counts_unanimous_pairable_units():
    # In Krippendorff's (2011) 4 x 12 data, units 1-11 are pairable (unit 12 has one value); all observers
    # agree on units 1, 3, 4, 5, 7, 9, 10 and 11, so 8 of 11.
    assert percent_agreement(KRIPPENDORFF_2011_C) == pytest.approx(8 / 11)


def test_percent_agreement_is_unanimity_not_pairwise_mean():
    # Codes 1, 1, 2 agree in one of three pairs; under unanimity the unit is a disagreement.
    assert percent_agreement([[1, 5], [1, 5], [2, 5]]) == 0.5


def test_percent_agreement_is_one_when_all_coders_agree():
    assert percent_agreement([["a", "b", None], ["a", "b", "c"], ["a", None, "c"]]) == 1.0


def test_percent_agreement_rejects_data_without_pairable_units():
    with pytest.raises(ValueError, match="no pairable units"):
        percent_agreement([[1, None], [None, 1]])


def test_prevalence_of_krippendorff_2011_binary_example():
    # Krippendorff (2011), binary example: the coincidence matrix's margins are n_0 = 14, n_1 = 6, of n = 20.
    assert prevalence(KRIPPENDORFF_2011_A) == pytest.approx(6 / 20)


def test_prevalence_ignores_unpairable_codes_and_accepts_booleans():
    assert prevalence([[True, False, True], [True, False, None]]) == 0.5


def test_prevalence_rejects_non_binary_codes():
    with pytest.raises(ValueError, match="codes of 0 or 1; got 2"):
        prevalence([[0, 1, 2], [0, 1, 2]])
