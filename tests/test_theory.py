"""Theory versions: revisions keep every version, history and diff show how and why the theory changed."""

import json

import pytest

from ipe import evidence, project, theory
from ipe.errors import IpeError, NotFound
from ipe.records import Configuration
from test_evidence import make_project


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


def test_revisions_keep_every_version(st, book):
    first = evidence.link(st, book, "CMO-01", "supports", "outcome", "fast", quote="Referrals move fast.")
    assert st.theory_version() == 1 and first.config_version == 1
    rev = theory.revise(st, book, "CMO-01", "Interviews say speed, not trust", statement="Sitting together   speeds"
                        " referrals.", actor="ana")
    assert (rev.theory_version, rev.stage, rev.status, rev.actor) == (2, "refined", "revised", "ana")
    later = evidence.link(st, book, "CMO-01", "refines", "outcome", "quick", quote="Decisions are quick.")
    assert later.config_version == 2
    theory.add(st, book, Configuration("CMO-03", "ctx-b", "out-o", "A shared budget speeds help.",
                                       mechanism="mech-m"), "Seen in s3", emergent=True)
    theory.retire(st, book, "CMO-02", "Nobody spoke of budgets")
    assert [t.id for t in theory.current(st, book)] == ["CMO-01", "CMO-03"]
    assert [t.id for t in theory.current(st, book, 1)] == ["CMO-01", "CMO-02"]
    assert theory.current(st, book, 1)[0].statement == book.theory[0].statement  # the codebook stays version 1
    assert theory.current(st, book, 2)[0].statement == "Sitting together speeds referrals."
    assert theory.config_versions(st, book) == {"CMO-01": 2, "CMO-02": 1, "CMO-03": 1}
    with pytest.raises(NotFound, match="'CMO-02' was retired"):
        evidence.link(st, book, "CMO-02", "supports", "outcome", "x", quote="It works.")
    history = theory.history(st, book, "CMO-01")
    assert list(history["config_version"]) == [1, 2]
    assert list(history["supports"]) == [1, 0] and list(history["refines"]) == [0, 1]
    assert list(theory.history(st, book)["change"]) == ["initial", "initial", "revised", "emergent", "retired"]
    assert {"theory revised", "theory emergent", "theory retired"} <= {a.action for a in st.audit_log()}


def test_diff_between_versions(st, book):
    theory.revise(st, book, "CMO-01", "speed", statement="Sitting together speeds referrals.")
    theory.revise(st, book, "CMO-02", "a single mechanism", mechanism="mech-m")
    theory.add(st, book, Configuration("CMO-03", "ctx-b", "out-o", "New.", mechanism="mech-m"), "from the data")
    theory.retire(st, book, "CMO-03", "not borne out")
    table = theory.diff(st, book, 1, 3)
    assert list(table["config_id"]) == ["CMO-01", "CMO-02"]
    assert list(table["fields"]) == ["statement", "mechanism, resource, response"]
    assert table.loc[1, "before"].splitlines()[:3] == ["mechanism: -", "resource: res-x", "response: resp-y"]
    assert table.loc[0, "reasons"] == "v2 revised: speed"
    assert list(theory.diff(st, book, 3, 4)["change"]) == ["added"]
    assert list(theory.diff(st, book, 4, 5)["change"]) == ["retired"]
    assert theory.diff(st, book, 1, 5)["config_id"].tolist() == ["CMO-01", "CMO-02"]  # added then retired: no change
    with pytest.raises(NotFound, match="no theory version 9"):
        theory.diff(st, book, 1, 9)


@pytest.mark.parametrize("kwargs, message", [
    ({"config_id": "CMO-09"}, "no configuration 'CMO-09'"),
    ({"reason": " "}, "give a reason"),
    ({"statement": None}, "changes nothing"),
    ({"context": "out-o"}, "'out-o' is a outcome code, not a context"),
    ({"outcome": "nope"}, "no code 'nope'"),
    ({"stage": "later"}, "unknown stage"),
])
def test_revise_refuses_bad_changes(st, book, kwargs, message):
    args = {"config_id": "CMO-01", "reason": "why", "statement": "A new statement.", **kwargs}
    before = st.logical_checksum()
    with pytest.raises((IpeError, NotFound), match=message):
        theory.revise(st, book, **args)
    assert st.logical_checksum() == before


def test_workshop_verdicts_stay_in_the_history(st, book):
    with st.transaction():
        st.add_revision("CMO-01", "workshop", "confirmed", "5 responses: 4 agree, 1 disagree")
    table = theory.history(st, book, "CMO-01")
    assert list(table["change"]) == ["initial", "workshop: confirmed"]
    assert st.theory_version() == 1  # a verdict changes no statement


def test_cli_theory(folder, invoke):
    def run(*args):
        return invoke(*args, project_dir=folder)

    out = run("theory", "revise", "CMO-01", "--statement", "Sitting together speeds referrals.", "--reason", "speed",
              "--stage", "tested").output
    assert out == "Theory version 2: CMO-01 revised\n"
    out = run("theory", "add", "CMO-03", "--context", "ctx-b", "--mechanism", "mech-m", "--outcome", "out-o",
              "--statement", "New.", "--emergent", "--reason", "from s3").output
    assert out == "Theory version 3: CMO-03 added (emergent)\n"
    assert run("theory", "retire", "CMO-02", "--reason", "no budget talk").output == \
        "Theory version 4: CMO-02 retired\n"
    shown = json.loads(run("theory", "show", "--format", "json").output)
    assert [(c["id"], c["version"]) for c in shown] == [("CMO-01", 2), ("CMO-03", 1)]
    assert [c["id"] for c in json.loads(run("theory", "show", "--version", "1", "--format", "json").output)] == \
        ["CMO-01", "CMO-02"]
    diff = run("theory", "diff", "1", "4").output
    assert "CMO-01: revised (statement)\n  - Sitting together builds" in diff and "  why: v2 revised: speed" in diff
    assert "CMO-02: retired" in diff and "CMO-03: added" in diff
    history = json.loads(run("theory", "history", "CMO-01", "--format", "json").output)
    assert [(h["change"], h["stage"]) for h in history] == [("initial", "initial"), ("revised", "tested")]
