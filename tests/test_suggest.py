"""Suggestions that learn: document folds, thresholds, determinism, and human codings left alone."""

import numpy as np
import pytest

from ipe import project, store as store_module
from ipe import suggest as suggest_module
from ipe.errors import IpeError, ProjectError
from ipe.records import Coding

SHARING = ["The police shared the information with us within the hour.",
           "Health shared what they knew the same morning, so we could act.",
           "Education passed the information to the hub straight away.",
           "The police officer shared the record with the social worker quickly."]
FILLER = ["The car park was full again on Monday.", "We had a new printer delivered in the spring.",
          "The canteen now opens at eight.", "My desk is by the window on the second floor.",
          "The lift was broken for most of the week.", "Parking permits are renewed every March."]


def _document(i: int) -> str:
    lines = ["Interviewer: Tell me about last week."]
    said = []
    for j in range(6):
        said.append(FILLER[(i + j) % len(FILLER)])
        if j % 2 == 0:
            said.append(SHARING[(i + j) % len(SHARING)])
    lines.append("Karen: " + " ".join(said))
    return "\n".join(lines) + "\n"


@pytest.fixture
def learned(store, tmp_path, mini_codebook):
    """Six documents; the human coder 'ana' coded the sharing sentences of the first four."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(6):
        (folder / f"doc-{i}.txt").write_text(_document(i), encoding="utf-8")
    project.import_sources(store, [folder])
    project.load_codebook(store, mini_codebook)
    rows = []
    for i in range(4):
        text = store.source(f"doc-{i}", structure=False).text
        for s in SHARING:
            at = text.find(s)
            while at >= 0:
                rows.append(Coding(f"doc-{i}", at, at + len(s), "out-timely-sharing", "ana", quote=s,
                                   codebook_version=1))
                at = text.find(s, at + 1)
        if i == 3:
            continue  # three sentences of this code: too few to learn
        at = text.find(FILLER[i])
        rows.append(Coding(f"doc-{i}", at, at + len(FILLER[i]), "ctx-relationships", "ana", quote=FILLER[i],
                           codebook_version=1))
    with store.transaction():
        store.ensure_coder("ana", "human")
        store.add_codings(rows)
    return store


def test_document_folds_never_put_a_document_in_its_own_training_fold(learned):
    _, cb = project.current_codebook(learned)
    training = suggest_module.training_set(learned, cb, ["ana"], vectors=False)
    folds = suggest_module.document_folds(training.groups, k=3)
    assert len(folds) == 3
    tested = []
    for train, test in folds:
        train_docs = {training.groups[i] for i in train}
        test_docs = {training.groups[i] for i in test}
        assert not train_docs & test_docs
        assert suggest_module.EXAMPLES_GROUP in train_docs and suggest_module.EXAMPLES_GROUP not in test_docs
        tested += sorted(test_docs)
    assert sorted(tested) == ["doc-0", "doc-1", "doc-2", "doc-3"]


def test_cross_validation_scores_each_sentence_with_a_model_that_never_saw_its_document(learned, monkeypatch):
    _, cb = project.current_codebook(learned)
    training = suggest_module.training_set(learned, cb, ["ana"], vectors=False)
    seen = []
    real = suggest_module._fit_scores

    def spy(training_, codes, train_rows, score_examples, score_vectors):
        seen.append(({training_.groups[i] for i in train_rows}, {e.text for e in score_examples}))
        return real(training_, codes, train_rows, score_examples, score_vectors)

    monkeypatch.setattr(suggest_module, "_fit_scores", spy)
    suggest_module.cross_validate(training, ["out-timely-sharing"], k=4)
    assert len(seen) == 4
    for train_docs, _ in seen:
        assert len(train_docs - {suggest_module.EXAMPLES_GROUP}) == 3


def test_choose_threshold_reaches_the_asked_precision_when_it_can():
    scores = [0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
    labels = [1, 1, 1, 0, 1, 0, 1, 0, 0, 0]
    threshold, precision, recall = suggest_module.choose_threshold(scores, labels, 0.8)
    assert precision >= 0.8 and threshold == 0.7 and recall == 0.8
    assert suggest_module.choose_threshold(scores, labels, 1.0) == (0.85, 1.0, 0.6)
    assert suggest_module.choose_threshold([0.9, 0.8], [0, 1], 0.9) is None


def test_suggest_reaches_the_asked_precision_and_skips_codes_with_too_few_examples(learned):
    result = suggest_module.suggest(learned, ["ana"], min_precision=0.9, semantic=False)
    by_code = {r.code: r for r in result.per_code}
    sharing = by_code["out-timely-sharing"]
    assert sharing.status == "suggested" and sharing.cv_precision >= 0.9 and sharing.suggestions > 0
    assert by_code["ctx-relationships"].status == "skipped" and "too few examples" in by_code["ctx-relationships"].reason
    suggested = learned.suggestions("suggest")
    assert {c.source_id for c, _ in suggested} <= {"doc-4", "doc-5"}
    assert all(c.status == "suggested" and c.code_id == "out-timely-sharing" for c, _ in suggested)
    quotes = {c.quote for c, _ in suggested}
    assert quotes & set(SHARING) and not quotes & set(FILLER)
    coding, provenance = suggested[0]
    assert provenance["score"] >= provenance["threshold"] and provenance["method"].startswith("logistic regression")
    assert provenance["features"].startswith("ngrams,question,role,rules,cues")
    assert len(provenance["model_hash"]) == 64 and len(provenance["training_hash"]) == 64
    # Suggestions are not codings in force: counts and the quote bank leave them out.
    assert not learned.codings(coders=["suggest"])


def test_suggestions_never_alter_human_codings(learned):
    def human():
        return [(c.id, c.source_id, c.start, c.end, c.code_id, c.coder, c.status, c.quote)
                for c in learned.codings(coders=["ana"], status=None)]

    before = human()
    suggest_module.suggest(learned, ["ana"], semantic=False)
    suggest_module.suggest(learned, ["ana"], semantic=False)
    assert human() == before
    with pytest.raises(ProjectError):
        suggest_module.suggest(learned, ["ana"], coder="ana", semantic=False)
    with pytest.raises(IpeError):
        suggest_module.suggest(learned, ["suggest"], semantic=False)
    assert human() == before


def test_the_same_inputs_give_the_same_suggestions(learned):
    def run():
        result = suggest_module.suggest(learned, ["ana"], semantic=False)
        rows = [((c.source_id, c.start, c.end, c.code_id), p) for c, p in learned.suggestions("suggest")]
        return result.model_hash, result.training_hash, rows

    first, second = run(), run()
    assert first == second and first[2]


def test_accept_and_reject_reviews_teach_the_next_round(learned):
    _, cb = project.current_codebook(learned)
    text = learned.source("doc-5", structure=False).text
    at = text.find(FILLER[0])
    with learned.transaction():
        learned.add_reviews([("ana", "suggest", "doc-5", at, at + len(FILLER[0]), "out-timely-sharing", "accept")])
    training = suggest_module.training_set(learned, cb, ["ana"], vectors=False)
    rows = [i for i, sp in enumerate(training.spans) if sp and sp[0] == "doc-5"]
    assert rows and all(training.labels["out-timely-sharing"][i] == 1 for i in rows)
    assert all(i not in training.labels["ctx-relationships"] for i in rows)


def test_suggest_cli_writes_and_reports(invoke, tmp_path, learned):
    folder = learned.path.parent
    result = invoke("suggest", "--from", "ana", "--min-precision", "0.9", "--lexical", project_dir=folder)
    assert result.exit_code == 0, result.output
    assert "suggestions as 'suggest'" in result.output and "ctx-relationships: too few examples" in result.output
    shown = invoke("suggest", "--report", "--format", "csv", project_dir=folder)
    assert shown.stdout.splitlines()[0].startswith("code,type,positives,negatives,documents,status,threshold")
    assert "out-timely-sharing,outcome" in shown.stdout
    missing = invoke("suggest", "--report", "--coder", "nobody", project_dir=folder)
    assert missing.exit_code == 1 and missing.output.startswith("Error: no suggestions written as 'nobody'")


def test_migration_keeps_codings_and_allows_suggested_status(tmp_path, monkeypatch, database):
    monkeypatch.setattr(store_module.migrations, "SCHEMA_VERSION", 4)
    folder = project.init(tmp_path / "old", database)
    with project.open_store(folder) as old:
        with old.transaction():
            old.write_source(_source())
            old.ensure_coder("ana", "human")
            old.add_codings([Coding("s1", 0, 3, "x", "ana", quote="abc")])
        assert old.schema_version == 4
    monkeypatch.setattr(store_module.migrations, "SCHEMA_VERSION", len(store_module.MIGRATIONS))
    with project.open_store(folder) as new:
        assert [c.quote for c in new.codings()] == ["abc"]  # the rebuilt table's new keys go on after the old ones
        with new.transaction():
            new.ensure_coder("s", "auto")
            new.replace_suggestions("s", [(Coding("s1", 0, 3, "x", "s", quote="abc"),
                                           {"score": 0.9, "threshold": 0.5, "method": "m", "features": "f",
                                            "model_hash": "h", "training_hash": "t"})])
        assert [p["score"] for _, p in new.suggestions("s")] == [0.9]
        assert len(new.codings()) == 1


def _source():
    from ipe.records import Source

    return Source(id="s1", name="s1", text="abc def", format="txt", content_hash="h")


def test_review_export_puts_the_most_uncertain_suggestions_first(invoke, learned):
    folder = learned.path.parent
    suggest_module.suggest(learned, ["ana"], min_precision=0.5, semantic=False)
    from ipe.queue import review_queue

    _, cb = project.current_codebook(learned)
    sheet = review_queue(learned, cb, "suggest", "uncertain")
    assert len(sheet) == len(learned.suggestions("suggest")) > 1
    assert list(sheet.uncertainty) == sorted(sheet.uncertainty)
    assert {"score", "threshold", "decision"} <= set(sheet.columns)
    out = folder / "review.csv"
    result = invoke("review", "export", out, "--coder", "suggest", "--order", "uncertain", project_dir=folder)
    assert result.exit_code == 0, result.output
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[-1] == "decision" and "uncertainty" in header


def test_review_queue_of_rule_codings_puts_codes_with_fewest_decisions_first(coded_store, mini_codebook):
    from ipe.queue import review_queue

    _, cb = project.current_codebook(coded_store)
    plain = review_queue(coded_store, cb, "auto", "text")
    first = plain.iloc[0]
    with coded_store.transaction():
        coded_store.add_reviews([("ana", "auto", first.source, int(first.start), int(first.end), first.code, "accept")])
    ordered = review_queue(coded_store, cb, "auto", "uncertain")
    assert sorted(map(tuple, ordered.values.tolist())) == sorted(map(tuple, plain.values.tolist()))
    assert ordered.iloc[0].code != first.code or (plain.code == first.code).all()


def test_learning_curve_reports_each_type_after_1_2_and_3_documents(learned):
    from ipe.learning import learning_curve, sizes_for

    assert sizes_for(2) == [1] and sizes_for(9) == [1, 2, 4, 8]
    table = learning_curve(learned, "ana", semantic=False)
    assert list(table.columns) == ["type", "documents", "precision", "recall", "f1", "tp", "fp", "fn", "tests"]
    outcome = table[table.type == "outcome"]
    assert list(outcome.documents) == [1, 2, 3]
    assert (outcome.recall > 0).all() and outcome.iloc[-1].precision >= 0.5
    assert table.type.iloc[-1] == "all"
    assert learning_curve(learned, "ana", semantic=False).equals(table)


def test_evaluate_cv_cli_prints_the_curve(invoke, learned):
    result = invoke("evaluate", "--cv", "ana", "--lexical", "--format", "csv", project_dir=learned.path.parent)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "type,documents,precision,recall,f1,tp,fp,fn,tests"
    missing = invoke("evaluate", project_dir=learned.path.parent)
    assert missing.exit_code == 2 and "--gold" in missing.output


def test_suggestion_stage_learns_on_development_only_and_compares_per_type(learned, tmp_path):
    from ipe.accuracy import suggestion_stage

    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "splits.csv").write_text("source,split\ndoc-0,development\ndoc-1,development\ndoc-2,development\n"
                                         "doc-3,held out\n", encoding="utf-8")
    text = learned.source("doc-0", structure=False).text
    at = text.find(SHARING[0])
    with learned.transaction():
        learned.ensure_coder("ben", "human")
        learned.add_codings([Coding("doc-0", at, at + len(SHARING[0]), "out-timely-sharing", "ben",
                                    quote=SHARING[0], codebook_version=1)])
    _, cb = project.current_codebook(learned)
    result, table = suggestion_stage(learned, cb, gold_dir, ["ana", "ben"], semantic=False, min_precision=0.5)
    assert result.trained_on == ["ana"]
    assert {c.source_id for c, _ in learned.suggestions("suggest")} <= {"doc-3", "doc-4", "doc-5"}
    assert set(table.coder) == {"rules", "suggestions (cross-validated)", "suggestions", "ben"}
    assert set(table.documents) == {"development", "held out"}
    held = table[(table.coder == "suggestions") & (table.type == "outcome")].iloc[0]
    assert held.tp > 0 and held.sources == 1
    assert list(table[table.coder == "rules"].type.unique()) == ["context", "mechanism", "outcome", "all codes"]
