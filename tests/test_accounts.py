"""Team accounts: password hashing, sign-in, sessions, roles; on both backends through the ``store`` fixture."""

import datetime as dt
import hashlib

import pytest

from ipe import accounts
from ipe.errors import Forbidden, IpeError, NotFound

PASSWORD = "correct horse battery"


@pytest.fixture
def team(store):
    accounts.add_user(store, "lena", "lead", PASSWORD, actor="admin")
    accounts.add_user(store, "cara", "coder", PASSWORD, actor="admin")
    return store


def test_add_user_stores_salted_scrypt_not_the_password(team):
    lena, cara = team.password_hash("lena"), team.password_hash("cara")
    assert PASSWORD not in lena and PASSWORD not in team.logical_checksum()
    scheme, n, r, p, salt, digest = lena.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2 ** 14, 8, 1)
    assert lena != cara and salt != cara.split("$")[4]  # same password, different salt and hash
    assert team.coders()["lena"] == "human"  # the user's name is their coder name
    assert [a.action for a in team.audit_log()][-2:] == ["user add", "user add"]
    assert all(PASSWORD not in a.detail for a in team.audit_log())


def test_users_and_user(team):
    assert [(u.name, u.role) for u in accounts.users(team)] == [("cara", "coder"), ("lena", "lead")]
    assert accounts.user(team, "cara").role == "coder"
    with pytest.raises(NotFound, match="no user 'nobody'"):
        accounts.user(team, "nobody")
    assert accounts.has_accounts(team)


def test_no_accounts(store):
    assert not accounts.has_accounts(store) and accounts.users(store) == []


@pytest.mark.parametrize("name, role, password, message", [
    ("dev", "admin", PASSWORD, "unknown role 'admin'"),
    ("dev", "coder", "short", "password too short"),
    ("dev", "coder", "", "password too short"),
    ("", "coder", PASSWORD, "bad user name"),
    ("two words", "coder", PASSWORD, "bad user name"),
    ("cara", "coder", PASSWORD, "user 'cara' already exists"),
])
def test_add_user_refuses_bad_input_and_changes_nothing(team, name, role, password, message):
    before = team.logical_checksum()
    with pytest.raises(IpeError, match=message):
        accounts.add_user(team, name, role, password, actor="admin")
    assert team.logical_checksum() == before


def test_only_a_lead_manages_accounts(team):
    cara = accounts.user(team, "cara")
    with pytest.raises(Forbidden, match="only a lead"):
        accounts.add_user(team, "vic", "viewer", PASSWORD, actor=cara)
    accounts.add_user(team, "vic", "viewer", PASSWORD, actor=accounts.user(team, "lena"))
    assert team.audit_log()[-1].actor == "lena"


def test_verify_password_right_wrong_unknown(team):
    assert accounts.verify_password(team, "cara", PASSWORD) == accounts.user(team, "cara")
    assert accounts.verify_password(team, "cara", PASSWORD + "x") is None
    assert accounts.verify_password(team, "nobody", PASSWORD) is None
    assert accounts.verify_password(team, "cara", None) is None


def test_unknown_name_costs_a_scrypt(team, monkeypatch):
    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(accounts.hashlib, "scrypt", lambda *a, **k: calls.append(k["n"]) or real(*a, **k))
    accounts.verify_password(team, "nobody", PASSWORD)
    accounts.verify_password(team, "cara", "wrong password")
    assert calls == [2 ** 14, 2 ** 14]


def test_set_password_and_role(team):
    token = accounts.new_session(team, "cara")
    accounts.set_password(team, "cara", "a new passphrase", actor="admin")
    assert accounts.verify_password(team, "cara", PASSWORD) is None
    assert accounts.verify_password(team, "cara", "a new passphrase").name == "cara"
    assert accounts.session_user(team, token) is None  # a new password ends the old sessions
    token = accounts.new_session(team, "cara")
    accounts.set_role(team, "cara", "viewer", actor="admin")
    assert accounts.session_user(team, token).role == "viewer"  # an open session has the new role at once
    with pytest.raises(IpeError, match="unknown role"):
        accounts.set_role(team, "cara", "boss", actor="admin")


def test_the_last_lead_stays(team):
    with pytest.raises(IpeError, match="only lead"):
        accounts.set_role(team, "lena", "coder", actor="admin")
    with pytest.raises(IpeError, match="only lead"):
        accounts.remove_user(team, "lena", actor="admin")
    accounts.set_role(team, "cara", "lead", actor="admin")
    accounts.set_role(team, "lena", "coder", actor="admin")
    assert accounts.user(team, "lena").role == "coder"


def test_sessions_store_only_a_hash(team):
    token = accounts.new_session(team, "cara")
    assert len(token) >= 43 and token != accounts.new_session(team, "cara")
    rows = team.conn.execute("SELECT token_hash FROM sessions").fetchall()
    assert hashlib.sha256(token.encode()).hexdigest() in {r[0] for r in rows}
    assert all(token not in r[0] for r in rows)
    assert accounts.session_user(team, token).name == "cara"
    for bad in (None, "", "x" * 43, token + "x"):
        assert accounts.session_user(team, bad) is None


def test_session_expiry(team, monkeypatch):
    token = accounts.new_session(team, "cara", ttl_seconds=60)
    assert accounts.session_user(team, token).name == "cara"
    later = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=61)
    monkeypatch.setattr(accounts, "_now", lambda: later)
    assert accounts.session_user(team, token) is None
    accounts.new_session(team, "lena")  # clears expired sessions on the way
    count = team.conn.execute("SELECT COUNT(*) FROM sessions WHERE user_name = 'cara'").fetchone()[0]
    assert count == 0


def test_end_session_and_sessions(team):
    one, two = accounts.new_session(team, "cara"), accounts.new_session(team, "cara")
    other = accounts.new_session(team, "lena")
    accounts.end_session(team, one)
    assert accounts.session_user(team, one) is None and accounts.session_user(team, two).name == "cara"
    accounts.end_session(team, "not a token")
    assert accounts.end_sessions(team, "cara") == 1
    assert accounts.session_user(team, two) is None and accounts.session_user(team, other).name == "lena"


def test_remove_user_ends_sessions_keeps_codings(coded_store):
    from ipe import annotate

    accounts.add_user(coded_store, "lena", "lead", PASSWORD, actor="admin")
    accounts.add_user(coded_store, "cara", "coder", PASSWORD, actor="admin")
    auto = coded_store.codings(coders=["auto"])[0]
    annotate.add_coding(coded_store, auto.source_id, auto.start, auto.end, auto.code_id, "cara")
    token = accounts.new_session(coded_store, "cara")
    accounts.remove_user(coded_store, "cara", actor="lena")
    assert accounts.session_user(coded_store, token) is None
    assert [u.name for u in accounts.users(coded_store)] == ["lena"]
    assert len(coded_store.codings(coders=["cara"])) == 1
    with pytest.raises(NotFound):
        accounts.remove_user(coded_store, "cara", actor="lena")


def test_sign_in_does_not_change_the_checksum_of_content(team):
    before = team.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    token = accounts.new_session(team, "cara")
    assert team.audit_log()[-1].action == "session start" and team.audit_log()[-1].actor == "cara"
    assert team.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before + 1
    assert token not in team.audit_log()[-1].detail
