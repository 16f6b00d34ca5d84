"""Team coding: assignments, blind coding, consensus, optimistic concurrency and the change feed; both backends."""

import threading

import pytest

from ipe import accounts, annotate, project, team
from ipe.errors import Conflict, Forbidden, IpeError

PASSWORD = "correct horse battery"


@pytest.fixture
def crew(coded_store, monkeypatch):
    """The coded tiny project with a lead, two coders and a viewer (hashed cheaply: hashing is test_accounts')."""
    monkeypatch.setattr(accounts, "SCRYPT_N", 2 ** 10)
    for name, role in (("lena", "lead"), ("cara", "coder"), ("dev", "coder"), ("vic", "viewer")):
        accounts.add_user(coded_store, name, role, PASSWORD, actor="admin")
    return coded_store


def person(store, name):
    return accounts.user(store, name)


def two_sources(store):
    return [c.source_id for c in store.codings(coders=["auto"])][:1] + \
        [s for s in store.source_ids() if s != store.codings(coders=["auto"])[0].source_id][:1]


def code_as(store, coder, auto=None):
    """A coding by ``coder`` at an auto coding's span."""
    auto = auto or store.codings(coders=["auto"])[0]
    return annotate.add_coding(store, auto.source_id, auto.start, auto.end, auto.code_id, coder)


def test_only_a_lead_assigns(crew):
    source = two_sources(crew)[0]
    for actor, message in ((person(crew, "cara"), "cara is a coder"), ("vic", "vic is a viewer"),
                           ("nobody", "not a user")):
        before = crew.logical_checksum()
        with pytest.raises(Forbidden, match=message):
            team.assign(crew, [source], ["cara"], blind=True, actor=actor)
        assert crew.logical_checksum() == before


def test_assign_reports_every_unknown_name_at_once(crew):
    before = crew.logical_checksum()
    with pytest.raises(IpeError) as err:
        team.assign(crew, ["nosuch", two_sources(crew)[0]], ["cara", "ghost", "vic"], blind=True, actor="lena")
    assert str(err.value) == ("no source nosuch in the project; no user ghost in the project;"
                              " vic is a viewer, who cannot code")
    assert crew.logical_checksum() == before


def test_assign_is_idempotent_and_attributed(crew):
    source = two_sources(crew)[0]
    made = team.assign(crew, [source], ["cara", "dev"], blind=True, actor=person(crew, "lena"))
    again = team.assign(crew, [source], ["cara", "dev"], blind=True, actor="lena")
    assert [(a.source_id, a.coder, a.blind, a.assigned_by) for a in again] == \
        [(source, "cara", True, "lena"), (source, "dev", True, "lena")]
    assert len(made) == 2 and len(team.assignments(crew)) == 2
    assert [a.coder for a in team.assignments(crew, coder="dev")] == ["dev"]
    assert crew.audit_log()[-1].action == "assign" and crew.audit_log()[-1].actor == "lena"
    assert team.unassign(crew, [source], ["dev"], actor="lena") == 1
    assert [a.coder for a in team.assignments(crew, source_id=source)] == ["cara"]


def test_may_write(crew):
    mine, other = two_sources(crew)
    team.assign(crew, [mine], ["cara"], blind=False, actor="lena")
    assert team.may_write(person(crew, "lena"), crew, other)
    assert team.may_write(person(crew, "cara"), crew, mine)
    assert not team.may_write(person(crew, "cara"), crew, other)  # no assignment at all: not a coder's to write
    assert not team.may_write(person(crew, "dev"), crew, mine)
    assert not team.may_write(person(crew, "vic"), crew, mine)
    assert not team.may_write(None, crew, mine)
    cara = person(crew, "cara")
    accounts.set_role(crew, "cara", "viewer", actor="lena")
    assert not team.may_write(cara, crew, mine)  # the role now, not the role the session started with


def test_blind_coding_shows_each_coder_only_their_own(crew):
    auto = crew.codings(coders=["auto"])[0]
    team.assign(crew, [auto.source_id], ["cara", "dev"], blind=True, actor="lena")
    code_as(crew, "cara", auto)
    code_as(crew, "dev", auto)
    everything = crew.codings(status=None)
    for name in ("cara", "dev", "vic"):
        assert team.visible_coders(crew, person(crew, name), auto.source_id) == frozenset({name})
        seen = team.filter_visible(crew, person(crew, name), everything)
        assert {c.coder for c in seen if c.source_id == auto.source_id} <= {name}
        assert [c for c in seen if c.source_id != auto.source_id] == \
            [c for c in everything if c.source_id != auto.source_id]
    assert team.visible_coders(crew, person(crew, "lena"), auto.source_id) is None
    assert team.filter_visible(crew, person(crew, "lena"), everything) == everything
    assert team.filter_visible(crew, None, everything) == [c for c in everything if c.source_id != auto.source_id]
    assert team.unblind(crew, [auto.source_id], actor="lena") == 2
    assert team.visible_coders(crew, person(crew, "cara"), auto.source_id) is None
    assert team.filter_visible(crew, person(crew, "cara"), everything) == everything
    with pytest.raises(Forbidden):
        team.unblind(crew, [auto.source_id], actor="cara")


def test_resolve_records_who_which_why_and_writes_the_consensus(crew):
    auto = crew.codings(coders=["auto"])[0]
    team.assign(crew, [auto.source_id], ["cara", "dev"], blind=True, actor="lena")
    cara = code_as(crew, "cara", auto)
    res = team.resolve(crew, auto.source_id, auto.code_id, kept_coding_id=cara.id, reason="  cara's span  fits ",
                       actor=person(crew, "lena"))
    assert (res.kept_coding_id, res.kept_coder, res.decided_by, res.reason) == (cara.id, "cara", "lena", "cara's span fits")
    assert (res.source_id, res.code_id, res.start, res.end) == (auto.source_id, auto.code_id, cara.start, cara.end)
    consensus = crew.codings(coders=["consensus"])
    assert [(c.start, c.end, c.code_id, c.quote) for c in consensus] == [(cara.start, cara.end, cara.code_id, cara.quote)]
    assert "cara" in consensus[0].provenance and crew.coders()["consensus"] == "human"
    assert crew.audit_log()[-1].action == "consensus" and crew.audit_log()[-1].actor == "lena"
    # Deciding again replaces the consensus there; "none kept" removes it and is recorded too.
    none = team.resolve(crew, auto.source_id, auto.code_id, kept_coding_id=None, reason="not this code", actor="lena")
    assert none.kept_coding_id is None and none.kept_coder is None
    assert (none.start, none.end) == (cara.start, cara.end)
    assert crew.codings(coders=["consensus"]) == []
    assert [r.id for r in team.resolutions(crew, auto.source_id)] == [res.id, none.id]
    assert team.resolutions(crew, "no-such-source") == []


@pytest.mark.parametrize("kwargs, error, message", [
    ({"actor": "cara"}, Forbidden, "only a lead"),
    ({"reason": "  "}, IpeError, "give a reason"),
    ({"code_id": "NO_SUCH"}, IpeError, "no code 'NO_SUCH'"),
    ({"consensus_coder": "dev"}, IpeError, "cannot be the consensus coder"),
    ({"kept_coding_id": 999999}, IpeError, "no coding 999999"),
])
def test_resolve_refuses_bad_input(crew, kwargs, error, message):
    auto = crew.codings(coders=["auto"])[0]
    cara = code_as(crew, "cara", auto)
    args = {"kept_coding_id": cara.id, "reason": "fits", "actor": "lena", "code_id": auto.code_id, **kwargs}
    before = crew.logical_checksum()
    with pytest.raises(error, match=message):
        team.resolve(crew, auto.source_id, args.pop("code_id"), **args)
    assert crew.logical_checksum() == before


# -- optimistic concurrency ----------------------------------------------------------------------------------------

def test_every_update_raises_the_version(crew):
    auto = crew.codings(coders=["auto"])[0]
    mine = code_as(crew, "cara", auto)
    assert mine.version == 1
    moved = annotate.move_coding(crew, mine.id, mine.start, mine.end - 1, "cara", expected_version=1)
    assert moved.version == 2
    annotate.decide(crew, auto.id, "accept", "dev", expected_version=auto.version)
    assert crew.coding(auto.id).version == auto.version + 1


def test_two_edits_from_the_same_version_exactly_one_wins(crew):
    auto = crew.codings(coders=["auto"])[0]
    mine = code_as(crew, "cara", auto)
    annotate.move_coding(crew, mine.id, mine.start, mine.end - 1, "cara", expected_version=1, actor="cara")
    before = crew.logical_checksum()
    with pytest.raises(Conflict, match=r"changed by cara at .* since you opened it.*reload"):
        annotate.move_coding(crew, mine.id, mine.start, mine.end, "cara", expected_version=1)
    with pytest.raises(Conflict):
        annotate.remove_coding(crew, mine.id, "cara", expected_version=1)
    assert crew.logical_checksum() == before
    annotate.remove_coding(crew, mine.id, "cara", expected_version=2)
    with pytest.raises(Conflict, match="removed by cara"):
        annotate.move_coding(crew, mine.id, mine.start, mine.end, "cara", expected_version=2)
    first = annotate.decide(crew, auto.id, "accept", "cara", expected_version=auto.version)
    assert first["decision"] == "accept"
    with pytest.raises(Conflict):
        annotate.decide(crew, auto.id, "reject", "dev", expected_version=auto.version)


def test_a_race_on_one_coding_has_one_winner(crew):
    database = crew.location.database
    auto = crew.codings(coders=["auto"])[0]
    mine = code_as(crew, "cara", auto)
    folder = crew.location.folder
    results, barrier = [], threading.Barrier(4)

    def edit(k):
        with project.open_store(folder, database) as own:
            barrier.wait()
            try:
                annotate.move_coding(own, mine.id, mine.start, mine.end - 1 - (k % 2), "cara", expected_version=1,
                                     actor=f"tab{k}")
                results.append(("won", k))
            except Conflict as exc:
                results.append(("conflict", str(exc)))

    threads = [threading.Thread(target=edit, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r[0] for r in results) == ["conflict", "conflict", "conflict", "won"]
    winner = next(k for what, k in results if what == "won")
    assert all(f"changed by tab{winner}" in m for what, m in results if what == "conflict")
    assert crew.coding(mine.id).version == 2
    assert [a.actor for a in crew.audit_log() if a.action == "coding move"] == [f"tab{winner}"]


# -- the change feed -------------------------------------------------------------------------------------------------

def test_changes_report_adds_moves_and_removes(crew):
    auto = crew.codings(coders=["auto"])[0]
    since, nothing = team.changes(crew, auto.source_id, 0)
    assert since == crew.audit_log()[-1].id
    assert team.changes(crew, auto.source_id, since) == (since, [])
    mine = code_as(crew, "cara", auto)
    annotate.move_coding(crew, mine.id, mine.start, mine.end - 1, "cara")
    annotate.remove_coding(crew, mine.id, "cara")
    latest, changed = team.changes(crew, auto.source_id, since)
    assert latest == crew.audit_log()[-1].id
    assert [(c["kind"], c["coding"], c["coder"]) for c in changed] == \
        [("add", mine.id, "cara"), ("update", mine.id, "cara"), ("remove", mine.id, "cara")]
    assert team.changes(crew, "some-other-source", since)[1] == []
    accounts.new_session(crew, "cara")  # signing in changes nothing on the page
    assert team.changes(crew, auto.source_id, latest)[1] == []


def test_changes_hide_other_coders_in_blind_coding(crew):
    auto = crew.codings(coders=["auto"])[0]
    team.assign(crew, [auto.source_id], ["cara", "dev"], blind=True, actor="lena")
    since = crew.audit_log()[-1].id
    code_as(crew, "cara", auto)
    code_as(crew, "dev", auto)
    assert [c["coder"] for c in team.changes(crew, auto.source_id, since, user=person(crew, "dev"))[1]] == ["dev"]
    assert [c["coder"] for c in team.changes(crew, auto.source_id, since, user=person(crew, "lena"))[1]] == \
        ["cara", "dev"]
    team.unblind(crew, [auto.source_id], actor="lena")
    latest, changed = team.changes(crew, auto.source_id, since, user=person(crew, "dev"))
    assert [c["kind"] for c in changed] == ["add", "add", "reload"]


# -- the command line --------------------------------------------------------------------------------------------------

@pytest.fixture
def ipe(crew, runner):
    """Run ``ipe`` on the crew's project (on the backend under test)."""
    from ipe.cli import cli

    database = crew.location.database

    base = ["--project", str(crew.location.folder), *(["--database", database] if database else [])]

    def run(*args, input=None):
        return runner.invoke(cli, [*base, *map(str, args)], input=input, catch_exceptions=False)

    return run


def test_cli_users(crew, ipe):
    result = ipe("users", "add", "amira", "--role", "coder", "--password-stdin", input="a long passphrase\n")
    assert result.exit_code == 0, result.output
    assert result.output == "Added amira (coder)\n"
    assert accounts.verify_password(crew, "amira", "a long passphrase").role == "coder"
    prompted = ipe("users", "add", "ben", "--role", "viewer", input="another passphrase\n")
    assert prompted.exit_code == 0 and accounts.user(crew, "ben").role == "viewer"
    assert "another passphrase" not in prompted.output
    listed = ipe("users", "list", "--format", "csv")
    assert [line.split(",")[:2] for line in listed.output.splitlines()] == [
        ["name", "role"], ["amira", "coder"], ["ben", "viewer"], ["cara", "coder"], ["dev", "coder"],
        ["lena", "lead"], ["vic", "viewer"]]
    assert ipe("users", "role", "amira", "lead", "--as", "lena").output == "amira is now a lead\n"
    assert crew.audit_log()[-1].actor == "lena"
    assert ipe("users", "passwd", "amira", "--password-stdin", input="the third one\n").exit_code == 0
    assert accounts.verify_password(crew, "amira", "the third one") is not None
    assert ipe("users", "remove", "amira").exit_code == 0
    assert "amira" not in [u.name for u in accounts.users(crew)]


@pytest.mark.parametrize("args, stdin, message", [
    (("users", "add", "zed", "--role", "coder", "--password-stdin"), "short\n", "Error: password too short"),
    (("users", "add", "cara", "--role", "coder", "--password-stdin"), PASSWORD + "\n", "Error: user 'cara' already"),
    (("users", "add", "zed", "--role", "coder", "--as", "cara", "--password-stdin"), PASSWORD + "\n",
     "Error: cara is not a lead"),
    (("users", "role", "nobody", "lead"), None, "Error: no user 'nobody'"),
    (("users", "remove", "lena"), None, "Error: lena is the only lead"),
    (("assign", "nosuch", "--coder", "cara", "--as", "lena"), None, "Error: no source nosuch in the project"),
    (("assign", "nosuch", "--coder", "cara", "--as", "dev"), None, "Error: dev is a coder; only a lead"),
    (("unblind", "nosuch", "--as", "lena"), None, "Error: no source nosuch"),
    (("consensus", "list", "nosuch"), None, "Error: no source 'nosuch'"),
    (("consensus", "resolve", "x", "y", "--keep", "first", "--reason", "r", "--as", "lena"), None,
     "Error: --keep must be a coding id or 'none'"),
])
def test_cli_bad_input_is_one_line_and_changes_nothing(crew, ipe, args, stdin, message):
    before = crew.logical_checksum()
    result = ipe(*args, input=stdin)
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(message), result.output
    assert len(result.output.strip().splitlines()) == 1
    assert crew.logical_checksum() == before


def test_cli_assign_blind_consensus(crew, ipe):
    auto = crew.codings(coders=["auto"])[0]
    result = ipe("assign", auto.source_id, "--coder", "cara", "--coder", "dev", "--blind", "--as", "lena")
    assert result.exit_code == 0, result.output
    assert [(a.coder, a.blind) for a in team.assignments(crew, source_id=auto.source_id)] == \
        [("cara", True), ("dev", True)]
    listed = ipe("assignments", "--format", "csv").output.splitlines()
    assert listed[0] == "source,coder,blind,assigned_by,assigned_at"
    assert [line.split(",")[1:4] for line in listed[1:]] == [["cara", "yes", "lena"], ["dev", "yes", "lena"]]
    cara = code_as(crew, "cara", auto)
    lonely = ipe("consensus", "list", auto.source_id)
    assert lonely.exit_code == 1 and "1 of its 2 assigned coders coded it" in lonely.output
    other = next(c.id for c in project.current_codebook(crew)[1].codes if c.id != auto.code_id)
    annotate.add_coding(crew, auto.source_id, auto.start, auto.end, other, "dev")  # same words, another code
    diffs = ipe("consensus", "list", auto.source_id, "--format", "json")
    assert diffs.exit_code == 0, diffs.output
    import json

    rows = json.loads(diffs.output)
    mine = [r for r in rows if r["cara"] != "-"]
    assert mine and all(r["code"] == auto.code_id and r["cara"] == str(cara.id) for r in mine)
    assert all(r["dev"] == "-" for r in mine)
    resolved = ipe("consensus", "resolve", auto.source_id, auto.code_id, "--keep", cara.id, "--reason",
                   "cara's reading", "--as", "lena")
    assert resolved.exit_code == 0, resolved.output
    (res,) = team.resolutions(crew)
    assert (res.kept_coding_id, res.decided_by, res.reason) == (cara.id, "lena", "cara's reading")
    assert ipe("unblind", auto.source_id, "--as", "lena").exit_code == 0
    assert not crew.blind_sources()
    assert ipe("unassign", auto.source_id, "--coder", "dev", "--as", "lena").output == "Removed 1 assignment(s)\n"
