"""Auto-coder accuracy against a small hand-made gold coding with precision and recall worked out by hand."""

import pytest

from ipe import project
from ipe.evaluate import evaluate, machine_only, machine_only_line


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
    # The macro average is over the three codes the gold coder used; mech-trust (gold support 0) is left out.
    assert table.loc["mech-trust", "support"] == 0
    assert table.loc["macro", "precision"] == pytest.approx((1 + 0 + 1) / 3)
    assert table.loc["macro", "recall"] == pytest.approx((1 + 0 + 1) / 3)
    assert table.loc["macro", "f1"] == pytest.approx((1 + 0 + 1) / 3)
    assert table.loc["macro", ["tp", "fp", "fn", "support"]].tolist() == [2, 1, 1, 3]


def test_codes_only_the_machine_used_are_named_apart(gold_store):
    table = evaluate(gold_store, "auto", "gold", "sentence")
    assert machine_only(table) == ["mech-trust"]
    assert machine_only_line(table) == ("Coded by the machine but never by the gold coder (not in the macro "
                                        "average): 1 code: mech-trust")


def test_a_code_only_the_gold_coder_used_counts_in_the_macro_average(store, transcripts, mini_codebook, tmp_path):
    project.import_sources(store, [transcripts / "colon.txt"])
    project.auto_code(store, mini_codebook)
    sparse = tmp_path / "sparse.csv"
    sparse.write_text("source,code,quote\ncolon,ctx-relationships,\"We sit together, so we know each other.\"\n")
    project.import_codings(store, sparse, "sparse")
    # The sparse coder judged against the auto-coder's four codes: three it never used have gold support.
    table = evaluate(store, "sparse", "auto", "sentence").set_index("code")
    assert table.loc["mech-trust", ["tp", "fp", "fn", "support"]].tolist() == [0, 0, 1, 1]
    assert machine_only(table.reset_index()) == []
    assert table.loc["macro", "recall"] == pytest.approx((1 + 0 + 0 + 0) / 4)
    assert table.loc["macro", "precision"] == pytest.approx((1 + 0 + 0 + 0) / 4)


def test_cli_evaluate_shows_machine_only_codes_beside_the_table(invoke, transcripts, mini_codebook, tmp_path):
    invoke("init", tmp_path / "cliproj")
    invoke("import", transcripts / "colon.txt")
    invoke("code", "--codebook", mini_codebook)
    gold = tmp_path / "gold.csv"
    gold.write_text("source,code,quote\ncolon,ctx-relationships,\"We sit together, so we know each other.\"\n")
    assert invoke("codings", "import", gold, "--coder", "gold").exit_code == 0
    result = invoke("evaluate", "--gold", "gold")
    assert result.exit_code == 0
    shown = [line for line in result.output.splitlines() if line.startswith("Coded by the machine")]
    assert shown == [machine_only_line(evaluate_cli_table(tmp_path / "cliproj"))]
    assert shown[0].startswith("Coded by the machine but never by the gold coder (not in the macro average): ")
    # In CSV the note goes to stderr, so stdout stays one CSV document.
    csv = invoke("evaluate", "--gold", "gold", "--format", "csv")
    assert "Coded by the machine" not in csv.stdout and "Coded by the machine" in csv.stderr
    assert csv.stdout.splitlines()[0] == "code,tp,fp,fn,precision,recall,f1,support"


def evaluate_cli_table(folder):
    with project.open_store(folder) as store:
        return evaluate(store, "auto", "gold", "sentence")


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
