"""Assessment from researcher evidence first, human co-occurrence beside, unreviewed auto co-occurrence never."""

import pytest

from ipe import appraisal, evidence, project, theory
from ipe.cmo import assessment_table
from test_evidence import add_auto, make_project


@pytest.fixture
def st(tmp_path):
    store = project.open_store(make_project(tmp_path))
    yield store
    store.close()


@pytest.fixture
def book(st):
    return project.current_codebook(st)[1]


def status(st, book, config="CMO-01", **kw):
    return next(a for a in appraisal.assess_project(st, book, **kw) if a.id == config)


def test_status_moves_as_evidence_is_added(st, book):
    # no researcher evidence: human co-occurrence in s1 (case A) and s2 (case B) supports every link
    a = status(st, book)
    assert (a.status, a.basis, a.auto_candidates) == ("supported", "human co-occurrence", 1)
    # the first judged passage decides: one source from one case is only partial
    evidence.link(st, book, "CMO-01", "supports", "outcome", "fast", quote="Referrals move fast.")
    a = status(st, book)
    assert (a.status, a.basis, a.cooccurrence_status) == ("partial", "researcher evidence", "supported")
    evidence.link(st, book, "CMO-01", "supports", "context,outcome", "quick", quote="Decisions are quick.")
    a = status(st, book)
    assert (a.status, a.evidence_supports, a.evidence_supports_cases) == ("supported", 2, 2)
    # a contradicting passage from a new case contests it
    evidence.link(st, book, "CMO-01", "contradicts", "outcome", "it works for other reasons", quote="It works.")
    a = status(st, book)
    assert (a.status, a.evidence_contradicts, a.evidence_contradicts_cases) == ("contested", 1, 1)
    # unless contradicting sources are under the contest share of the supporting ones
    assert status(st, book, contest_share=0.6).status == "supported"
    row = assessment_table([a]).iloc[0]
    assert row["basis"] == "researcher evidence" and row["evidence_supports (sources/cases)"] == "2/2"
    assert row["evidence_contradicts (sources/cases)"] == "1/1" and row["auto_candidates (unreviewed)"] == 1


def test_unreviewed_auto_co_occurrence_never_counts(st, book):
    # CMO-02 has only auto codings on its links: candidates, no evidence
    add_auto(st, "s3", [("ctx-b", "We share a desk now."), ("res-x", "Nobody has to wait for anyone."),
                        ("resp-y", "It works.")])
    a = status(st, book, "CMO-02")
    assert (a.status, a.basis, a.auto_candidates) == ("no evidence", "human co-occurrence", 2)
    key = next(c.key for c in evidence.candidates(st, book, "CMO-02") if c.kind == evidence.AUTO)
    evidence.promote(st, book, key, "supports", "Sharing a desk is the shared budget here")
    a = status(st, book, "CMO-02")
    assert (a.status, a.basis, a.auto_candidates) == ("partial", "researcher evidence", 1)
    # the auto coder's own co-occurrence can be asked for, labelled with its name
    assert status(st, book, "CMO-02", coders=["auto"]).status == "partial"


def test_chains_and_revisions_are_assessed_as_they_stand(st, book):
    a = status(st, book, "CMO-02")
    assert a.chain_from == "CMO-01" and status(st, book).chains_to == ("CMO-02",)
    theory.revise(st, book, "CMO-01", "the outcome is speed", statement="Sitting together speeds referrals.")
    theory.retire(st, book, "CMO-02", "no budget talk")
    results = appraisal.assess_project(st, book)
    assert [r.id for r in results] == ["CMO-01"] and results[0].statement == "Sitting together speeds referrals."
    assert results[0].chains_to == ()
