"""Realist evidence: linking passages to configurations, candidates and their review, re-anchoring, quote ranking.

The project: three interviews from cases A, B and C, coded by a human (``ana``) and, on s3, by the auto coder.

- ``s1`` (case A): ctx-a, mech-m, out-o in one turn (a human co-occurrence on every link of CMO-01).
- ``s2`` (case B): the same codes, one turn.
- ``s3`` (case C): ctx-a and mech-m coded by the auto coder only, in one turn (an auto co-occurrence).
"""

import dataclasses
import json

import pytest

from ipe import evidence, project, theory
from ipe.errors import EvidenceError, IpeError, NotFound
from ipe.records import Coding

CODEBOOK = """\
name: Evidence test theory
codes:
{codes}
theory:
  - id: CMO-01
    context: ctx-a
    mechanism: mech-m
    outcome: out-o
    statement: Sitting together builds reliance, so referrals move fast.
  - id: CMO-02
    context: ctx-b
    mechanism: {{resource: res-x, response: resp-y}}
    outcome: out-o
    chain_from: CMO-01
    statement: With a shared budget staff feel confident and outcomes are good.
"""
CODES = [("ctx-a", "context", None), ("ctx-b", "context", None), ("mech-m", "mechanism", None),
         ("res-x", "mechanism", "resource"), ("resp-y", "mechanism", "response"), ("out-o", "outcome", None)]
TRANSCRIPTS = {
    "s1": "Interviewer: Tell me about the hub.\nAnn: We sit in one room. So we trust each other. Referrals move fast.\n",
    "s2": "Interviewer: How does it work?\nBob: Being in one office means I rely on colleagues. Decisions are quick.\n",
    "s3": "Interviewer: And here?\nCara: We share a desk now. Nobody has to wait for anyone. It works.\n",
}
MANIFEST = "file,case,agency,data_type\ns1.txt,A,police,interview\ns2.txt,B,health,interview\ns3.txt,C,police,interview\n"
CODINGS = """\
source,code,quote
s1,ctx-a,We sit in one room.
s1,mech-m,So we trust each other.
s1,out-o,Referrals move fast.
s2,ctx-a,Being in one office
s2,mech-m,I rely on colleagues
s2,out-o,Decisions are quick.
"""


def make_project(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in TRANSCRIPTS.items():
        (corpus / f"{name}.txt").write_text(text)
    (corpus / "manifest.csv").write_text(MANIFEST)
    blocks = "".join(
        f"  - id: {cid}\n    name: Code {cid}\n    type: {ctype}\n" + (f"    mechanism: {kind}\n" if kind else "")
        + f"    description: About {cid}.\n    include: Talk of {cid}.\n    exclude: Anything else.\n"
        + f"    examples: [\"An example of {cid}.\"]\n    rules:\n      phrases: [\"zzq {cid}\"]\n"
        for cid, ctype, kind in CODES)
    (tmp_path / "book.yaml").write_text(CODEBOOK.format(codes=blocks))
    (tmp_path / "ana.csv").write_text(CODINGS)
    folder = project.init(tmp_path / "proj")
    with project.open_store(folder) as store:
        project.import_sources(store, [corpus], corpus / "manifest.csv")
        project.load_codebook(store, tmp_path / "book.yaml")
        project.import_codings(store, tmp_path / "ana.csv", "ana")
        add_auto(store, "s3", [("ctx-a", "We share a desk now."), ("mech-m", "Nobody has to wait for anyone.")])
    return folder


def add_auto(store, sid, rows, coder="auto"):
    text = store.source(sid).text
    with store.transaction():
        store.ensure_coder(coder, "auto")
        store.add_codings(Coding(sid, text.index(q), text.index(q) + len(q), code, coder, "rule test", 1, q)
                          for code, q in rows)


@pytest.fixture
def folder(tmp_path):
    return make_project(tmp_path)


@pytest.fixture
def st(folder):
    store = project.open_store(folder)
    yield store
    store.close()


@pytest.fixture
def book(st):
    return project.current_codebook(st)[1]


# -- linking ---------------------------------------------------------------------------------------------------------


def test_link_by_span_coding_and_quote_round_trip(st, book):
    text = st.source("s1").text
    start = text.index("So we trust")
    by_span = evidence.link(st, book, "CMO-01", "supports", "context,mechanism", "Trust follows sitting together",
                            source="s1", start=start, end=start + 23, actor="ana")
    coding = next(c for c in st.codings() if c.source_id == "s2" and c.code_id == "out-o")
    by_coding = evidence.link(st, book, "CMO-01", "supports", ["outcome"], "Speed is the outcome", coding=coding.id,
                              actor="ana")
    by_quote = evidence.link(st, book, "CMO-01", "refines", "outcome", "Speed, not quality", quote="Decisions are quick",
                             actor="ben")
    assert by_span.quote == "So we trust each other." and by_span.elements == ("context", "resource", "response")
    assert (by_coding.source_id, by_coding.start, by_coding.end, by_coding.coding_id) == \
        (coding.source_id, coding.start, coding.end, coding.id)
    assert by_quote.source_id == "s2" and by_quote.quote == "Decisions are quick"
    stored = st.evidence(config_id="CMO-01")
    assert [dataclasses.replace(e, created_at="") for e in stored] == \
        sorted([dataclasses.replace(e, created_at="") for e in (by_span, by_coding, by_quote)],
               key=lambda e: (e.source_id, e.start, e.end, e.id))
    actions = [(a.action, a.actor) for a in st.audit_log()]
    assert actions[-3:] == [("evidence link", "ana"), ("evidence link", "ana"), ("evidence link", "ben")]
    assert json.loads(st.audit_log()[-1].detail)["ref"] == by_quote.ref


@pytest.mark.parametrize("kwargs, message", [
    ({"config_id": "CMO-99"}, "no configuration 'CMO-99'"),
    ({"relation": "proves"}, "unknown relation 'proves'"),
    ({"rationale": "  "}, "give a rationale"),
    ({"elements": "weather"}, "unknown element 'weather'"),
    ({"quote": "not in any text"}, "quote not found in any source"),
    ({"quote": "Interviewer:"}, "quote found in 3 sources"),
    ({"quote": None, "source": "s1", "start": 5, "end": 5000}, "outside the text of 's1'"),
    ({"quote": None, "source": "zz", "start": 0, "end": 5}, "no source 'zz'"),
    ({"coding": 4242}, "give the passage one way"),
])
def test_link_refuses_bad_input_and_changes_nothing(st, book, kwargs, message):
    args = {"config_id": "CMO-01", "relation": "supports", "elements": "outcome", "rationale": "why",
            "quote": "Referrals move fast.", **kwargs}
    before = st.logical_checksum()
    with pytest.raises((IpeError, NotFound), match=message):
        evidence.link(st, book, **args)
    assert st.logical_checksum() == before


def test_the_same_passage_is_not_linked_twice_and_unlink_removes_it(st, book):
    item = evidence.link(st, book, "CMO-01", "supports", "outcome", "fast", quote="Referrals move fast.")
    with pytest.raises(IpeError, match=f"already linked as supports \\(evidence {item.id}\\)"):
        evidence.link(st, book, "CMO-01", "supports", "outcome", "again", quote="Referrals move fast.")
    evidence.link(st, book, "CMO-01", "contradicts", "outcome", "a second reading", quote="Referrals move fast.")
    assert evidence.unlink(st, item.id).id == item.id
    assert [e.relation for e in st.evidence()] == ["contradicts"]
    assert st.audit_log()[-1].action == "evidence unlink"
    with pytest.raises(NotFound, match=f"no evidence {item.id}"):
        evidence.unlink(st, item.id)


# -- candidates ------------------------------------------------------------------------------------------------------


def test_candidates_tell_human_from_auto_co_occurrence(st, book):
    found = evidence.candidates(st, book, "CMO-01")
    kinds = {(c.source_id, c.src, c.dst): c.kind for c in found}
    assert kinds == {("s1", "ctx-a", "mech-m"): evidence.HUMAN, ("s1", "mech-m", "out-o"): evidence.HUMAN,
                     ("s2", "ctx-a", "mech-m"): evidence.HUMAN, ("s2", "mech-m", "out-o"): evidence.HUMAN,
                     ("s3", "ctx-a", "mech-m"): evidence.AUTO}
    auto = next(c for c in found if c.kind == evidence.AUTO)
    # the negation word is a flag for the reviewer, nothing more
    assert auto.negation and auto.dst_quote == "Nobody has to wait for anyone." and auto.decision == ""
    assert evidence.candidates(st, book, "CMO-02") == []
    with pytest.raises(NotFound):
        evidence.candidates(st, book, "CMO-77")


def test_promote_and_dismiss_are_stored(st, book):
    auto = next(c for c in evidence.candidates(st, book, "CMO-01") if c.kind == evidence.AUTO)
    item = evidence.promote(st, book, auto.key, "supports", "Sharing a desk removes the wait", actor="ana")
    assert item.quote == "We share a desk now. Nobody has to wait for anyone."
    assert item.elements == ("context", "resource", "response") and item.candidate == auto.key
    again = next(c for c in evidence.candidates(st, book, "CMO-01") if c.key == auto.key)
    assert (again.decision, again.evidence_id) == ("promoted", item.id)
    with pytest.raises(IpeError, match="already evidence"):
        evidence.promote(st, book, auto.key, "supports", "twice")
    human = next(c for c in evidence.candidates(st, book, "CMO-01") if c.kind == evidence.HUMAN)
    evidence.dismiss(st, book, human.key, "Trust here is about the weather", actor="ben")
    decisions = st.candidate_decisions()
    assert decisions[(human.key, "CMO-01")][:4] == ("dismissed", None, "ben", "Trust here is about the weather")
    with pytest.raises(IpeError, match="unlink it first"):
        evidence.dismiss(st, book, auto.key, "no")
    # unlinking the evidence opens the candidate again
    evidence.unlink(st, item.id)
    assert next(c for c in evidence.candidates(st, book, "CMO-01") if c.key == auto.key).decision == ""
    with pytest.raises(NotFound, match="no candidate 'C-0000000000'"):
        evidence.promote(st, book, "C-0000000000", "supports", "x")


# -- importing -------------------------------------------------------------------------------------------------------


def test_import_csv_all_or_nothing_and_idempotent(st, book, tmp_path):
    good = tmp_path / "evidence.csv"
    good.write_text("config,source,quote,relation,elements,rationale,linked_by\n"
                    "CMO-01,s1,Referrals move fast.,supports,outcome,Speed is the outcome,ana\n"
                    "CMO-01,s3,It works.,refines,\"context,outcome\",Works only with a shared desk,ben\n")
    assert evidence.import_csv(st, book, good) == (2, 0)
    assert evidence.import_csv(st, book, good) == (0, 2)
    assert [(e.source_id, e.linked_by) for e in st.evidence()] == [("s1", "ana"), ("s3", "ben")]
    bad = tmp_path / "bad.csv"
    bad.write_text("config,source,quote,relation,elements,rationale\n"
                   "CMO-01,s1,Decisions are quick.,supports,outcome,wrong source\n"
                   "CMO-09,s1,Referrals move fast.,supports,outcome,x\n"
                   "CMO-01,s2,Decisions are quick.,proves,outcome,x\n")
    before = st.logical_checksum()
    with pytest.raises(EvidenceError, match=r"bad.csv: line 2: quote not found in 's1'.*\(and 2 more rows\)"):
        evidence.import_csv(st, book, bad)
    assert st.logical_checksum() == before


# -- keeping evidence in place ---------------------------------------------------------------------------------------


def test_evidence_survives_re_coding_and_a_changed_transcript(folder, st, book, tmp_path):
    auto = next(c for c in st.codings(coders=["auto"]) if c.code_id == "mech-m")
    by_auto = evidence.link(st, book, "CMO-01", "supports", "mechanism", "No waiting", coding=auto.id)
    kept = evidence.link(st, book, "CMO-01", "supports", "outcome", "fast", quote="Referrals move fast.")
    lost = evidence.link(st, book, "CMO-01", "supports", "context", "room", quote="We sit in one room.")
    # re-coding drops and rewrites auto codings: the evidence keeps its own passage
    with st.transaction():
        st.delete_codings("auto")
    assert st.evidence(evidence_id=by_auto.id)[0].quote == "Nobody has to wait for anyone."
    # re-import a changed s1: text added before the quote, and one quoted sentence rewritten
    corpus = tmp_path / "corpus"
    (corpus / "s1.txt").write_text("Interviewer: Tell me about the hub, please, at length.\n"
                                   "Ann: We share a building. So we trust each other. Referrals move fast.\n")
    report = project.import_sources(st, [corpus], corpus / "manifest.csv", replace=True)  # it orphans human work
    changed = [detail for sid, status, detail in report.rows if status == "changed"]
    assert len(changed) == 1 and changed[0].endswith("; 1 evidence passages re-anchored, 1 orphaned")
    moved = st.evidence(evidence_id=kept.id)[0]
    text = st.source("s1").text
    assert moved.status == "ok" and text[moved.start:moved.end] == "Referrals move fast." and moved.start != kept.start
    assert st.evidence(evidence_id=lost.id)[0].status == "orphaned"


def test_follow_rewrite_carries_evidence_through_pseudonymisation(st, book):
    item = evidence.link(st, book, "CMO-01", "supports", "outcome", "fast", quote="So we trust each other. Referrals")
    src = st.source("s1")
    new = dataclasses.replace(src, text=src.text.replace("Ann:", "Participant 1:").replace("we trust", "we all trust"))
    with st.transaction():
        st.rewrite_source(new, [])
        assert evidence.follow_rewrite(st, src.text, new) == 1
    moved = st.evidence(evidence_id=item.id)[0]
    assert new.text[moved.start:moved.end] == moved.quote == "So we all trust each other. Referrals"


# -- quotes for a configuration ---------------------------------------------------------------------------------------


def test_rank_quotes_puts_evidence_first_and_never_unreviewed_auto(st, book):
    contra = evidence.link(st, book, "CMO-01", "contradicts", "outcome", "slow", quote="Decisions are quick.")
    support = evidence.link(st, book, "CMO-01", "supports", "outcome", "fast", quote="Referrals move fast.")
    quotes = evidence.rank_quotes(st, book, "CMO-01")
    assert [(q.kind, q.relation) for q in quotes[:2]] == [("evidence", "supports"), ("evidence", "contradicts")]
    assert quotes[0].ref == support.ref and quotes[1].ref == contra.ref and quotes[0].case == "A"
    assert {q.kind for q in quotes[2:]} == {"human coding"}
    assert all(q.source_id != "s3" for q in quotes)  # s3 holds only unreviewed auto codings
    assert len(evidence.rank_quotes(st, book, "CMO-01", limit=3)) == 3
    with_auto = evidence.rank_quotes(st, book, "CMO-01", include_auto=True)
    assert with_auto[-1].kind == "auto coding" and with_auto[-1].source_id == "s3"
    # a dismissed candidate is never offered
    auto = next(c for c in evidence.candidates(st, book, "CMO-01") if c.kind == evidence.AUTO)
    evidence.dismiss(st, book, auto.key, "not about co-location")
    assert all(q.source_id != "s3" for q in evidence.rank_quotes(st, book, "CMO-01", include_auto=True))
    # chosen quotes never overlap each other
    for a in quotes:
        assert not any(b is not a and b.source_id == a.source_id and b.start < a.end and a.start < b.end
                       for b in quotes)


# -- the CLI ---------------------------------------------------------------------------------------------------------


def test_cli_link_list_promote_dismiss_unlink(folder, runner):
    from ipe.cli import cli

    def run(*args):
        return runner.invoke(cli, ["--project", str(folder), *args], catch_exceptions=False)

    result = run("cmo", "link", "CMO-01", "--quote", "Referrals move fast.", "--relation", "supports",
                 "--elements", "outcome", "--note", "Speed is the outcome", "--by", "ana")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Evidence 1: s1:") and "supports CMO-01 (outcome)" in result.output
    shown = run("cmo", "evidence", "CMO-01").output
    assert shown.index("Researcher evidence for CMO-01: 1") < shown.index("Candidates, human co-occurrence")
    assert "note: Speed is the outcome" in shown and "Candidates, auto co-occurrence (not evidence until reviewed): 1, 1 open" in shown
    listed = json.loads(run("cmo", "candidates", "CMO-01", "--kind", "auto", "--format", "json").output)
    assert [c["source"] for c in listed] == ["s3"] and listed[0]["negation"] is True
    result = run("cmo", "promote", listed[0]["key"], "--relation", "refines", "--note", "Only with a shared desk")
    assert result.exit_code == 0 and "refines CMO-01" in result.output
    human = json.loads(run("cmo", "candidates", "CMO-01", "--open", "--format", "json").output)[0]
    assert run("cmo", "dismiss", human["key"], "--note", "not it").exit_code == 0
    table = json.loads(run("cmo", "evidence", "CMO-01", "--format", "json").output)
    assert [r["kind"] for r in table][:2] == ["evidence", "evidence"]
    assert {r["decision"] for r in table if r["kind"] != "evidence"} >= {"promoted", "dismissed"}
    with project.open_store(folder) as store:
        assert [e.relation for e in store.evidence()] == ["supports", "refines"]
    assert run("cmo", "unlink", "1").output.startswith("Unlinked evidence 1:")
    bad = runner.invoke(cli, ["--project", str(folder), "cmo", "link", "CMO-01", "--quote", "nowhere at all",
                              "--relation", "supports", "--elements", "outcome", "--note", "x"])
    assert bad.exit_code == 1 and bad.output == 'Error: quote not found in any source: "nowhere at all"\n'
