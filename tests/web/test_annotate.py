"""Human coding edits in the library: snapping, checks, the store's transactions and the audit log."""

import pytest

from ipe import annotate, project
from ipe.errors import CodingError, IpeError, NotFound


def text_of(store, sid):
    return store.source(sid, structure=False).text


def test_snap_takes_half_selected_words_whole_and_drops_white_space():
    text = "We all sit together here."
    assert annotate.snap(text, 9, 15) == (7, 19)
    assert annotate.snap(text, 2, 7) == (3, 6)
    assert annotate.snap(text, 0, len(text)) == (0, len(text))
    assert annotate.snap("it's mine", 1, 3) == (0, 4)


def test_add_coding_stores_exact_offsets_and_an_audit_entry(store, transcripts, mini_codebook):
    project.import_sources(store, [transcripts])
    project.load_codebook(store, mini_codebook)
    text = text_of(store, "colon")
    start = text.index("sit together")
    coding = annotate.add_coding(store, "colon", start + 1, start + 9, "ctx-relationships", "ana",
                                 quote=text[start + 1:start + 9])
    assert (coding.start, coding.end, coding.quote) == (start, start + len("sit together"), "sit together")
    assert text[coding.start:coding.end] == coding.quote
    assert store.coders()["ana"] == "human"
    entry = store.audit_log()[-1]
    assert (entry.actor, entry.action) == ("ana", "coding add")
    assert f'"start": {start}' in entry.detail


@pytest.fixture
def coded(store, transcripts, mini_codebook):
    project.import_sources(store, [transcripts])
    project.auto_code(store, mini_codebook)
    return store


@pytest.mark.parametrize("args, error, message", [
    (("colon", 10, 5, "ctx-relationships"), CodingError, "outside the text"),
    (("colon", 0, 99999, "ctx-relationships"), CodingError, "outside the text"),
    (("colon", "a", 5, "ctx-relationships"), CodingError, "whole numbers"),
    (("colon", 0, 12, "no-such-code"), NotFound, "no code 'no-such-code'"),
    (("gone", 0, 12, "ctx-relationships"), NotFound, "no source 'gone'"),
])
def test_bad_selections_change_nothing(coded, args, error, message):
    before = coded.logical_checksum()
    with pytest.raises(error, match=message):
        annotate.add_coding(coded, *args, coder="ana")
    assert coded.logical_checksum() == before


def test_a_selection_of_white_space_or_a_stale_quote_is_refused(coded):
    text = text_of(coded, "colon")
    gap = text.index("\n\n")
    with pytest.raises(CodingError, match="white space"):
        annotate.add_coding(coded, "colon", gap, gap + 2, "ctx-relationships", "ana")
    with pytest.raises(CodingError, match="do not hold the selected text"):
        annotate.add_coding(coded, "colon", 0, 5, "ctx-relationships", "ana", quote="something else")


def test_overlapping_own_coding_with_the_same_code_is_refused(coded):
    text = text_of(coded, "colon")
    start = text.index("sit together")
    annotate.add_coding(coded, "colon", start, start + 12, "ctx-relationships", "ana")
    with pytest.raises(CodingError, match="overlaps your coding"):
        annotate.add_coding(coded, "colon", start + 4, start + 20, "ctx-relationships", "ana")
    # another code, or another coder, may overlap
    annotate.add_coding(coded, "colon", start + 4, start + 20, "mech-trust", "ana")
    annotate.add_coding(coded, "colon", start + 4, start + 20, "ctx-relationships", "ben")


def test_the_auto_coders_name_is_not_a_human_coder(coded):
    with pytest.raises(IpeError, match="auto-coder's name"):
        annotate.add_coding(coded, "colon", 0, 5, "ctx-relationships", "auto")


def test_remove_and_move_only_your_own(coded):
    text = text_of(coded, "colon")
    start = text.index("sit together")
    mine = annotate.add_coding(coded, "colon", start, start + 3, "ctx-relationships", "ana")
    theirs = annotate.add_coding(coded, "colon", start, start + 3, "ctx-relationships", "ben")
    with pytest.raises(IpeError, match="ben's"):
        annotate.remove_coding(coded, theirs.id, "ana")
    moved = annotate.move_coding(coded, mine.id, start, start + 12, "ana")
    assert (moved.start, moved.end, moved.quote) == (start, start + 12, "sit together")
    project.add_memo(coded, "coding", str(mine.id), "a note", "ana")
    annotate.remove_coding(coded, mine.id, "ana")
    assert not coded.coding_exists(mine.id)
    assert coded.memos("coding", str(mine.id)) == []
    assert [e.action for e in coded.audit_log()[-3:]] == ["coding move", "memo add", "coding remove"]


def test_decide_writes_what_review_apply_writes(coded, tmp_path):
    auto = coded.codings(coders=["auto"])
    accepted, rejected = auto[0], auto[1]
    annotate.decide(coded, accepted.id, "accept", "ana")
    annotate.decide(coded, rejected.id, "reject", "ana")
    sheet = tmp_path / "review.csv"
    sheet.write_text("source,code,start,end,decision\n"
                     f"{accepted.source_id},{accepted.code_id},{accepted.start},{accepted.end},accept\n"
                     f"{rejected.source_id},{rejected.code_id},{rejected.start},{rejected.end},reject\n")
    project.apply_review(coded, sheet, "cli-reviewer")
    by = {}
    for reviewer, *rest in coded.reviews():
        by.setdefault(reviewer, set()).add(tuple(rest))
    assert by["ana"] == by["cli-reviewer"]
    web = [(c.source_id, c.start, c.end, c.code_id, c.provenance, c.quote) for c in coded.codings(coders=["ana"])]
    cli = [(c.source_id, c.start, c.end, c.code_id, c.provenance, c.quote) for c in coded.codings(coders=["cli-reviewer"])]
    assert web == cli == [(accepted.source_id, accepted.start, accepted.end, accepted.code_id, "review of auto",
                           accepted.quote)]


def test_changing_an_accept_into_a_reject_removes_the_accepted_coding(coded):
    target = coded.codings(coders=["auto"])[0]
    annotate.decide(coded, target.id, "accept", "ana")
    assert len(coded.codings(coders=["ana"])) == 1
    annotate.decide(coded, target.id, "reject", "ana")
    assert coded.codings(coders=["ana"]) == []
    assert [r[-1] for r in coded.reviews() if r[0] == "ana"] == ["reject"]


def test_only_auto_codings_are_reviewed(coded):
    human = annotate.add_coding(coded, "colon", 0, 5, "ctx-relationships", "ben")
    with pytest.raises(IpeError, match="not an auto coding"):
        annotate.decide(coded, human.id, "accept", "ana")
    with pytest.raises(IpeError, match="accept or reject"):
        annotate.decide(coded, coded.codings(coders=["auto"])[0].id, "maybe", "ana")


def test_memo_on_a_turn(coded):
    project.add_memo(coded, "turn", "colon#2", "first mention of co-location", "ana")
    assert coded.memos("turn", "colon#2")[0].text == "first mention of co-location"
    with pytest.raises(NotFound, match="no turn"):
        project.add_memo(coded, "turn", "colon#999", "x", "ana")
