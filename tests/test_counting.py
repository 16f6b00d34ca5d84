"""Whose codings a table counts: human and accepted auto codings by default, never unreviewed auto codings."""

import csv

import pytest

from ipe import findings, project, tables
from ipe.errors import IpeError
from ipe.in_force import current_codings
from ipe.selection import Selection


@pytest.fixture
def mixed_store(store, transcripts, mini_codebook, tmp_path):
    """Two human coders (one span coded by both), the auto-coder, and one auto coding a reviewer accepted."""
    project.import_sources(store, [transcripts])
    project.load_codebook(store, mini_codebook)
    for coder, rows in {"h": ["colon,mech-trust,I trust her judgement though.",
                              "colon,grp-fathers,The dad was never asked."],
                        "g": ["colon,mech-trust,I trust her judgement though."]}.items():
        path = tmp_path / f"{coder}.csv"
        path.write_text("source,code,quote\n" + "\n".join(rows) + "\n")
        project.import_codings(store, path, coder)
    project.auto_code(store, mini_codebook)
    auto = store.codings(coders=["auto"])
    assert auto, "the mini codebook codes the fixture transcripts"
    accepted = next(c for c in auto if c.code_id != "mech-trust")
    review = tmp_path / "review.csv"
    with open(review, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "code", "start", "end", "decision"])
        writer.writerow([accepted.source_id, accepted.code_id, accepted.start, accepted.end, "accept"])
    project.apply_review(store, review, "ana")
    return store, auto, accepted


def _segments(store, selection):
    _, cb = project.current_codebook(store)
    counts = tables.code_counts(store, cb, selection).set_index("code")["segments"]
    return {code: n for code, n in counts.items() if n}


def test_default_counts_human_and_accepted_codings_only(mixed_store):
    store, auto, accepted = mixed_store
    counted = current_codings(store, Selection())
    assert {c.coder for c in counted} == {"ana", "g", "h"}
    # The span both humans coded counts once; the accepted auto coding counts once, as the reviewer's.
    expected = {"mech-trust": 1, "grp-fathers": 1}
    expected[accepted.code_id] = expected.get(accepted.code_id, 0) + 1
    assert _segments(store, Selection()) == expected
    assert sum(_segments(store, Selection()).values()) == 3
    with_auto = _segments(store, Selection(include_auto=True))
    assert sum(with_auto.values()) > 3
    assert sum(_segments(store, Selection.of(["auto"])).values()) == len({(c.source_id, c.start, c.end, c.code_id)
                                                                          for c in auto})
    assert _segments(store, Selection.of(["h"])) == {"mech-trust": 1, "grp-fathers": 1}
    with pytest.raises(IpeError, match="unknown coder nobody"):
        current_codings(store, Selection.of(["nobody"]))


def test_every_table_says_what_it_counts(mixed_store, tmp_path):
    store, _, _ = mixed_store
    _, cb = project.current_codebook(store)
    all_tables = findings.all_tables(store, cb)
    assert "auto" not in set(all_tables["quote-bank"]["coder"])
    for name, table in all_tables.items():
        caption = table.attrs["caption"]
        assert table.attrs["title"] and "Counts: Human codings (ana, g, h)" in caption, name
        assert "unreviewed auto codings and suggestions are not counted" in caption
    auto_tables = findings.all_tables(store, cb, Selection(include_auto=True))
    assert "unreviewed auto codings in force (auto)" in auto_tables["code-counts"].attrs["caption"]
    assert "auto" in set(auto_tables["quote-bank"]["coder"])


def test_cli_tables_coder_options_and_readme(mixed_store, invoke, tmp_path):
    store, auto, _ = mixed_store
    proj = store.path.parent
    out = tmp_path / "o"
    result = invoke("tables", "--out", out, "--format", "csv", "--only", "code-counts", "--coder", "h",
                    "--allow-identifiable", project_dir=proj)
    assert result.exit_code == 0, result.output
    with open(out / "code-counts.csv", newline="") as fh:
        rows = {r["code"]: int(r["segments"]) for r in csv.DictReader(fh) if int(r["segments"])}
    assert rows == {"mech-trust": 1, "grp-fathers": 1}
    readme = (out / "CSV-README.md").read_text()
    assert "| code-counts.csv | Code counts |" in readme and "Human codings (h)" in readme
    result = invoke("tables", "--out", out, "--format", "csv", "--only", "code-counts", "--include-auto",
                    "--allow-identifiable", project_dir=proj)
    assert result.exit_code == 0 and "unreviewed auto codings in force (auto)" in (out / "CSV-README.md").read_text()
    result = invoke("tables", "--out", out, "--coder", "nobody", "--allow-identifiable", project_dir=proj)
    assert result.exit_code == 1 and result.output.startswith("Error: unknown coder nobody (coders: ")


def test_suggestions_count_only_when_asked(mixed_store):
    from ipe.records import Coding

    store, _, _ = mixed_store
    text = store.source("colon", structure=False).text
    start = text.index("The dad was never asked.")
    suggestion = Coding("colon", start, start + 24, "ctx-relationships", "suggest", provenance="model",
                        quote=text[start:start + 24])
    provenance = {"score": 0.9, "threshold": 0.5, "method": "tfidf", "features": "", "model_hash": "m",
                  "training_hash": "t"}
    before = sum(_segments(store, Selection()).values())
    with store.transaction("test", "suggest", {}) as tx:
        tx.ensure_coder("suggest", "auto")
        tx.replace_suggestions("suggest", [(suggestion, provenance)])
    assert sum(_segments(store, Selection()).values()) == before == 3  # a suggestion is never counted by default
    assert sum(_segments(store, Selection(include_suggestions=True)).values()) == before + 1
    statuses = {c.status for c in current_codings(store, Selection(include_suggestions=True))}
    assert statuses == {"ok", "suggested"}
    assert "scored suggestions not yet reviewed" in Selection(include_suggestions=True).describe(store.coders())
