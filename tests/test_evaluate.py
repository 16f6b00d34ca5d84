"""Auto-coder accuracy against a small hand-made gold coding with precision and recall worked out by hand."""

import pytest

from ipe import project
from ipe.evaluate import evaluate


@pytest.fixture
def gold_store(store, transcripts, mini_codebook, tmp_path):
    project.import_sources(store, [transcripts / "colon.txt", transcripts / "caps.txt"])
    project.auto_code(store, mini_codebook)
    gold = tmp_path / "gold.csv"
    gold.write_text(
        "source,code,quote\n"
        "colon,ctx-relationships,\"We sit together, so we know each other.\"\n"
        "colon,out-timely-sharing,Health did not share information with us.\n"
        "colon,grp-fathers,The dad was never asked.\n"
    )
    project.import_codings(store, gold, "gold")
    return store


def test_precision_recall_by_hand(gold_store):
    table = evaluate(gold_store, "auto", "gold", "sentence").set_index("code")
    # auto: ctx-relationships (agrees), out-timely-sharing on the other sentence (1 FP, 1 FN),
    # mech-trust where gold has nothing (FP), grp-fathers (agrees). caps.txt is not in gold's assignment.
    assert table.loc["ctx-relationships", ["tp", "fp", "fn"]].tolist() == [1, 0, 0]
    assert table.loc["out-timely-sharing", ["tp", "fp", "fn"]].tolist() == [0, 1, 1]
    assert table.loc["mech-trust", ["tp", "fp", "fn"]].tolist() == [0, 1, 0]
    assert table.loc["grp-fathers", ["tp", "fp", "fn"]].tolist() == [1, 0, 0]
    assert table.loc["micro", ["precision", "recall", "f1"]].tolist() == [0.5, 0.667, 0.571]
    assert table.loc["macro", "precision"] == pytest.approx((1 + 0 + 0 + 1) / 4)


def test_agreement_between_coders_in_project(gold_store):
    from ipe.agreement import coder_agreement

    table, diffs = coder_agreement(gold_store, ["auto", "gold"], "sentence")
    overall = table.set_index("code").loc["overall"]
    # colon has 5 non-interviewer sentences x 4 codes used = 20 pooled units; the coders differ on 3
    assert overall["units"] == 20
    assert overall["percent_agreement"] == pytest.approx(17 / 20)
    assert sorted(diffs.code) == ["mech-trust", "out-timely-sharing", "out-timely-sharing"]
    assert set(diffs.source) == {"colon"}  # caps.txt is outside gold's assignment: missing, not absent
    row = diffs[diffs.code == "mech-trust"].iloc[0]
    assert (row["auto"], row["gold"], row["text"]) == (1, 0, "I trust her judgement though.")


def test_agreement_unknown_coder(gold_store):
    from ipe.agreement import coder_agreement

    with pytest.raises(ValueError, match="unknown coder: nobody"):
        coder_agreement(gold_store, ["auto", "nobody"])


def test_evaluate_unknown_coder_is_an_error(gold_store):
    from ipe.errors import NotFound

    with pytest.raises(NotFound, match="unknown coder: nobody"):
        evaluate(gold_store, "auto", "nobody")
