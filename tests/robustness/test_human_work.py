"""Human codings survive re-coding, changed sources and codebook changes; nothing is dropped silently."""

import pytest

from ipe import codebook, project
from ipe.errors import CodebookError


@pytest.fixture
def human_store(coded_store, tmp_path):
    csv = tmp_path / "h.csv"
    csv.write_text("source,code,quote\ncolon,mech-trust,I trust her judgement though.\n"
                   "colon,ctx-relationships,\"We sit together, so we know each other.\"\n")
    project.import_codings(coded_store, csv, "ann")
    project.add_memo(coded_store, "cell", "ashdown|mech-trust", "Thin.", "ann")
    return coded_store


def test_rename_carries_codings_and_is_audited(human_store, tmp_path):
    before = len(human_store.codings(codes=["mech-trust"]))
    out = tmp_path / "renamed.yaml"
    version, moved = project.change_code(human_store, "mech-trust", "mech-mutual-trust", merge=False,
                                         name="Mutual trust", out=out)
    assert version == 2 and moved == before
    assert human_store.codings(codes=["mech-trust"]) == []
    assert len(human_store.codings(coders=["ann"], codes=["mech-mutual-trust"])) == 1
    _, cb = project.current_codebook(human_store)
    assert cb.code("mech-mutual-trust").name == "Mutual trust"
    assert cb.theory[0].mechanism == "mech-mutual-trust"
    assert codebook.load(out).content_hash == cb.content_hash
    assert [m.target for m in human_store.memos()] == ["ashdown|mech-mutual-trust"]
    assert human_store.audit_log()[-1].action == "codebook rename"


def test_merge_moves_codings_and_rules(human_store, mini_codebook, tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(mini_codebook.read_text().replace("  - id: mech-trust", """  - id: ctx-colocation
    name: Co-location
    type: context
    parent: contexts
    description: Agencies in one room.
    include: Sitting in one office.
    exclude: Virtual presence.
    examples: ["We are co-located."]
    rules:
      phrases: ["co-located"]
  - id: mech-trust""", 1))
    project.load_codebook(human_store, extra)
    ann_before = len(human_store.codings(coders=["ann"]))
    version, moved = project.change_code(human_store, "ctx-relationships", "ctx-colocation", merge=True)
    assert moved == len(human_store.codings(codes=["ctx-colocation"])) > 0
    _, cb = project.current_codebook(human_store)
    assert "ctx-relationships" not in cb.by_id
    assert "sit together" in cb.code("ctx-colocation").rules.phrases
    assert cb.theory[0].context == "ctx-colocation"
    assert len(human_store.codings(coders=["ann"])) == ann_before
    assert {c.code_id for c in human_store.codings(coders=["ann"])} == {"mech-trust", "ctx-colocation"}
    assert human_store.audit_log()[-1].action == "codebook merge"


def test_rename_onto_existing_code_is_refused(human_store):
    before = human_store.logical_checksum()
    with pytest.raises(CodebookError, match="exists already"):
        project.change_code(human_store, "mech-trust", "grp-fathers", merge=False)
    assert human_store.logical_checksum() == before


def test_codebook_without_a_humanly_coded_code_keeps_and_reports(human_store, tmp_path, mini_codebook):
    text = mini_codebook.read_text()
    start = text.index("  - id: mech-trust")
    end = text.index("  - id: out-timely-sharing")
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(text[:start] + text[end:].replace("mechanism: mech-trust", "mechanism: mech-x").replace(
        "codes: [ctx-relationships, mech-trust]", "codes: [ctx-relationships]").replace(
        "theory:\n  - id: CMO-01\n    context: ctx-relationships\n    mechanism: mech-x\n    outcome: out-timely-sharing\n"
        "    statement: Where practitioners know each other they trust each other, and share information quickly.\n",
        ""))
    report = project.auto_code(human_store, smaller)
    assert report.missing_codes == {"mech-trust": 1}
    assert len(human_store.codings(coders=["ann"], codes=["mech-trust"])) == 1


def test_cli_rename_and_warning(invoke, human_store):
    result = invoke("codebook", "rename", "grp-fathers", "grp-dads", project_dir=human_store.path.parent)
    assert result.exit_code == 0 and "renamed grp-fathers to grp-dads" in result.output


def test_merge_never_duplicates_codings_or_strands_reviews(human_store, mini_codebook, tmp_path):
    """Issue 16 (9): a span coded with both codes by one coder becomes one coding; reviews all follow."""
    extra = tmp_path / "extra.yaml"
    extra.write_text(mini_codebook.read_text().replace("  - id: mech-trust", """  - id: ctx-colocation
    name: Co-location
    type: context
    parent: contexts
    description: Agencies in one room.
    include: Sitting in one office.
    exclude: Virtual presence.
    examples: ["We are co-located."]
    rules:
      phrases: ["co-located"]
  - id: mech-trust""", 1))
    project.load_codebook(human_store, extra)
    quote = "We sit together, so we know each other."
    text = human_store.source("colon").text
    s = text.index(quote)
    csv = tmp_path / "both.csv"
    csv.write_text(f"source,code,quote\ncolon,ctx-colocation,\"{quote}\"\n")
    project.import_codings(human_store, csv, "ann")  # ann now has both context codes on one span
    human_store.add_reviews([("ann", "auto", "colon", s, s + len(quote), "ctx-relationships", "accept"),
                             ("ann", "auto", "colon", s, s + len(quote), "ctx-colocation", "reject")])
    [twin] = [c for c in human_store.codings(coders=["ann"]) if c.code_id == "ctx-relationships"]
    project.add_memo(human_store, "coding", str(twin.id), "On the twin.", "ann")
    project.change_code(human_store, "ctx-relationships", "ctx-colocation", merge=True)
    ann = [(c.source_id, c.start, c.end, c.code_id) for c in human_store.codings(coders=["ann"])]
    assert len(ann) == len(set(ann)) == 2
    assert [r[5] for r in human_store.reviews(status=None)] == ["ctx-colocation"]
    [memo] = [m for m in human_store.memos("coding")]
    assert human_store.coding_exists(int(memo.target))
