"""Team mode's defences, over HTTP: sign-in required, roles, blind coding on every endpoint, rate limits, session
fixation, CSRF, cookies, the pseudonym key. Endpoints are enumerated from the app's routes, never listed by hand."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from ipe import accounts, annotate, team
from ipe.anonymise import KEY_NAME
from ipe.errors import IpeError
from ipe.web import Settings, create_app
from ipe.web.app import check_host
from ipe.web.ratelimit import MAX_FAILURES
from ipe.web.security import SESSION_COOKIE

from teamclient import BASE, PASSWORD, TeamClient, fill, routes, team_project

BLIND = "colon"
BEN_MEMO = "ben-private-memo-7f3a"
SIGN_IN_PAGES = {"/login"}
SIGN_IN_POSTS = {"/login", "/logout"}


# On PostgreSQL these tests are marked slow (each request opens a connection there): they run in CI, not in the
# quick loop, which keeps the SQLite run of every check.
@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql",
                                                                 marks=[pytest.mark.postgres, pytest.mark.slow])])
def coded(request, tmp_path_factory):
    """A team project on each backend: ``colon`` assigned blind to ana and ben, who have each coded it, and
    ``dash`` assigned open to both."""
    database = request.getfixturevalue("pg_cluster").new_url() if request.param == "postgresql" else None
    folder = team_project(tmp_path_factory.mktemp("team") / "proj", database)
    with TeamClient.for_project(folder).store() as store:
        lena = accounts.user(store, "lena")
        team.assign(store, [BLIND], ["ana", "ben"], blind=True, actor=lena)
        team.assign(store, ["dash"], ["ana", "ben"], blind=False, actor=lena)
        text = store.source(BLIND, structure=False).text
        mine = annotate.add_coding(store, BLIND, *_span(text, "We sit together"), "ctx-relationships", "ana")
        ben = [annotate.add_coding(store, BLIND, *_span(text, "How do you work with the police"), "mech-trust", "ben"),
               annotate.add_coding(store, BLIND, *_span(text, "And health"), "ctx-relationships", "ben")]
        from ipe import project

        project.add_memo(store, "coding", str(ben[0].id), BEN_MEMO, "ben")
        others = [c for c in store.codings(status=None) if c.coder != "ben"]
        for c in ben:  # the leak check below relies on ben's quotes being nobody else's
            assert not any(c.quote in o.quote for o in others)
    return {"folder": folder, "ben": ben, "ana": mine}


def _span(text, words):
    start = text.index(words)
    return start, start + len(words)


@pytest.fixture
def client(coded):
    return TeamClient.for_project(coded["folder"])


def _values(coded, store) -> dict:
    """Every value each path parameter takes in the route enumeration."""
    return {"source_id": store.source_ids(), "coding_id": [c.id for c in store.codings(status=None)],
            "fmt": ["csv", "xlsx"], "evidence_id": [1]}


# -- signed out ------------------------------------------------------------------------------------------------


def test_signed_out_pages_go_to_login_and_the_api_answers_401(client, coded):
    with client.store() as store:
        values = _values(coded, store)
    checked = 0
    for route in routes(client.app, {"GET"}):
        for path in fill(route, values):
            if path in SIGN_IN_PAGES:
                continue
            response = client.get(path)
            if path.startswith("/api/"):
                assert response.status_code == 401, path
                assert "Sign in" in response.json()["error"]
            else:
                assert response.status_code == 303, path
                assert response.headers["location"].startswith("/login?next=")
            checked += 1
    assert checked > 20
    assert client.get("/static/ipe.css").status_code == 200
    assert client.get("/login").status_code == 200


def test_signed_out_writes_are_refused_even_with_the_sign_in_pages_token(client, coded):
    token = client.login_token()
    with client.store() as store:
        values, before = _values(coded, store), store.logical_checksum()
    for route in routes(client.app, {"POST"}):
        for path in fill(route, values)[:3]:
            if path in SIGN_IN_POSTS:
                continue
            assert client.post(path, {}, token=token).status_code == 401, path
    with client.store() as store:
        assert store.logical_checksum() == before


# -- roles -----------------------------------------------------------------------------------------------------


def test_a_viewer_cannot_write_through_any_endpoint(client, coded):
    assert client.login("vic").status_code == 303
    with client.store() as store:
        values, before = _values(coded, store), store.logical_checksum()
    posts = [p for r in routes(client.app, {"POST"}) for p in fill(r, values) if p not in SIGN_IN_POSTS]
    assert "/api/codings" in posts and "/team/assign" in posts and "/agreement/resolve" in posts
    body = {"source": BLIND, "start": 0, "end": 5, "code": "mech-trust", "coding": coded["ana"].id,
            "decision": "accept", "kind": "source", "target": BLIND, "text": "x"}
    for path in posts:
        response = client.post(path, body)
        assert response.status_code == 403, path
    with client.store() as store:
        assert store.logical_checksum() == before


def test_a_coder_writes_only_sources_assigned_to_them(client, coded):
    client.login("ana")
    with client.store() as store:
        text = store.source("stamped", structure=False).text
    words = text.split()[3]
    start = text.index(words)
    response = client.post("/api/codings", {"source": "stamped", "start": start, "end": start + len(words),
                                            "code": "mech-trust", "quote": words})
    assert response.status_code == 403 and "assigned" in response.json()["error"]
    # ...and never a lead's work
    response = client.form("/team/assign", {"sources": "stamped", "coders": "ana", "blind": "yes"})
    assert response.status_code == 403


def test_every_write_is_the_signed_in_users_whatever_the_command_line_said(coded):
    client = TeamClient.for_project(coded["folder"], coder="lena")
    client.login("ana")
    with client.store() as store:
        text = store.source("dash", structure=False).text
    start = text.index("social worker")
    response = client.post("/api/codings", {"source": "dash", "start": start, "end": start + 13,
                                            "code": "mech-trust", "quote": "social worker"})
    assert response.status_code == 201, response.text
    with client.store() as store:
        made = store.coding(response.json()["coding"]["id"])
        assert made.coder == "ana"
        added = max((e for e in store.audit_log() if e.action == "coding add"), key=lambda e: e.id)
        assert added.actor == "ana" and f'"coder": "ana"' in added.detail
        annotate.remove_coding(store, made.id, "ana")


# -- blind mode ------------------------------------------------------------------------------------------------


def _coding_ids_in(response) -> set[int]:
    """Coding ids a response shows: in JSON (ids, coding ids, codings keyed by id) and in the page's markup."""
    kind = response.headers.get("content-type", "")
    found: set[int] = set()

    def markup(html):
        for attr in re.findall(r'data-(?:c|ids|coding)="([^"]*)"', html):
            found.update(int(x) for x in attr.split() if x.isdigit())

    if "json" in kind:
        def walk(node, key=""):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k == "codings" and isinstance(v, dict):
                        found.update(int(x) for x in v)
                    walk(v, k)
            elif isinstance(node, list):
                for v in node:
                    walk(v, key)
            elif key in ("id", "coding", "removed", "kept_coding_id") and isinstance(node, int):
                found.add(node)
            elif isinstance(node, str):
                markup(node)  # the redrawn transcript of the live feed
        walk(response.json())
    elif "html" in kind:
        html = response.text
        markup(html)
        data = re.search(r'<script type="application/json" id="codings-data">(.*?)</script>', html, re.S)
        if data:
            found.update(int(x) for x in json.loads(data.group(1)))
    return found


def _text_of(response) -> str:
    if response.headers.get("content-type", "").startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            return " ".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
    return response.text


EXTRA_QUERIES = {"/agreement": ["?coders=ana&coders=ben", "?coders=ana&coders=ben&unit=turn"],
                 "/quotes": ["?coder=ben", "?code=mech-trust"], "/quotes.{fmt:str}": ["?coder=ben"],
                 "/review": [""], "/api/source/{source_id}/changes": ["?since=0"],
                 "/configurations": ["?evidence=CMO-01"], "/": [""]}


def test_a_coder_in_blind_mode_sees_nothing_of_the_other_coder_by_any_endpoint(client, coded):
    client.login("ana")
    ben_ids = {c.id for c in coded["ben"]}
    ben_quotes = [c.quote for c in coded["ben"]]
    with client.store() as store:
        values = _values(coded, store)
    checked = 0
    for route in routes(client.app, {"GET"}):
        for path in fill(route, values):
            for query in [""] + EXTRA_QUERIES.get(route.path, []):
                response = client.get(path + query)
                assert response.status_code < 500, path + query
                shown = _coding_ids_in(response)
                assert not shown & ben_ids, (path + query, shown & ben_ids)
                if not path.startswith(("/source/", "/api/source/", "/review", "/static")):
                    # pages other than the transcript itself (and its live redrawing) show text only as quotes
                    assert not any(q in _text_of(response) for q in ben_quotes), path + query
                assert BEN_MEMO not in _text_of(response), path + query
                checked += 1
    assert checked > 30
    # the coding itself, asked for by id, is not there at all
    for cid in ben_ids:
        assert client.get(f"/api/coding/{cid}").status_code == 404


def test_blind_agreement_shows_no_figures_for_the_blind_source(client, coded):
    client.login("ana")
    html = client.get("/agreement?coders=ana&coders=ben").text
    assert "you code blind" in html and BLIND in html
    assert f"/source/{BLIND}?focus" not in html
    lead = client.other()
    lead.login("lena")
    assert f"/source/{BLIND}?focus" in lead.get("/agreement?coders=ana&coders=ben").text


def test_a_lead_sees_both_coders_and_a_coder_sees_their_own(client, coded):
    client.login("lena")
    shown = _coding_ids_in(client.get(f"/source/{BLIND}"))
    assert {c.id for c in coded["ben"]} | {coded["ana"].id} <= shown
    ana = client.other()
    ana.login("ana")
    assert coded["ana"].id in _coding_ids_in(ana.get(f"/source/{BLIND}"))


def test_no_endpoint_reveals_the_pseudonym_key(tmp_path, coded):
    from ipe.anonymise import pseudonymise_project
    from ipe import project

    folder = team_project(tmp_path / "proj", users={"lena": "lead"})
    names = tmp_path / "names.csv"
    names.write_text("name,kind\nKaren,professional\n")
    with project.open_store(folder) as store:
        pseudonymise_project(store, folder, names)
    key = (folder / KEY_NAME).read_text()
    assert "Karen" in key
    client = TeamClient.for_project(folder)
    client.login("lena")
    with client.store() as store:
        values = _values(coded, store)
    for route in routes(client.app, {"GET"}):
        for path in fill(route, values):
            body = _text_of(client.get(path))
            assert "Karen" not in body and "pseudonyms" not in body, path
    for path in (f"/static/../{KEY_NAME}", f"/{KEY_NAME}", f"/static/{KEY_NAME}", "/static/%2e%2e/" + KEY_NAME):
        assert client.get(path).status_code == 404, path


# -- sign-in ---------------------------------------------------------------------------------------------------


def test_wrong_passwords_are_rate_limited_per_name_and_answer_the_same_for_unknown_names(client):
    for _ in range(MAX_FAILURES):
        wrong = client.login("ana", "not the password")
        assert wrong.status_code == 401 and "Wrong user name or password." in wrong.text
    unknown = client.other(("127.0.0.2", 60000)).login("nobody-at-all", "not the password")
    assert unknown.status_code == 401 and "Wrong user name or password." in unknown.text
    # the same name from another address is refused too, even with the right password
    again = client.other(("127.0.0.9", 50002)).login("ana", PASSWORD)
    assert again.status_code == 429 and int(again.headers["retry-after"]) > 0
    assert SESSION_COOKIE not in again.headers.get("set-cookie", "")
    # another user from a fresh address is not slowed down
    assert client.other(("127.0.0.10", 50003)).login("ben").status_code == 303


def test_wrong_passwords_are_rate_limited_per_address(client):
    for name in ["a1", "a2", "a3", "a4", "a5"][:MAX_FAILURES]:
        client.login(name, "not the password")
    response = client.login("ben", PASSWORD)
    assert response.status_code == 429 and "Too many failed sign-ins" in response.text


def test_session_fixation_is_refused(client):
    planted = "attacker-chosen-token-value"
    client.client.cookies.set(SESSION_COOKIE, planted, domain="127.0.0.1")
    assert client.login("ana").status_code == 303
    issued = client.client.cookies.get(SESSION_COOKIE)
    assert issued and issued != planted
    stranger = client.other()
    stranger.client.cookies.set(SESSION_COOKIE, planted, domain="127.0.0.1")
    assert stranger.get("/").status_code == 303  # the planted value signs nobody in
    # signing in again issues a new token and ends the old session on the server
    old = issued
    client.login("ana", token=client.token())
    assert client.client.cookies.get(SESSION_COOKIE) != old
    with client.store() as store:
        assert accounts.session_user(store, old) is None


def test_logout_ends_the_session_on_the_server(client):
    client.login("ana")
    token = client.client.cookies.get(SESSION_COOKIE)
    response = client.form("/logout", {})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    copy = client.other()
    copy.client.cookies.set(SESSION_COOKIE, token, domain="127.0.0.1")
    assert copy.get("/api/coding/1").status_code == 401


def test_cookie_flags(client, coded):
    response = client.login("ana")
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    for flag in ("HttpOnly", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http on loopback
    proxied = TeamClient.for_project(coded["folder"], behind_proxy=True, public_host="ipe.example.org")
    proxied.client.base_url = "https://ipe.example.org"
    token = re.search(r'name="csrf" value="([^"]+)"', proxied.get("/login").text).group(1)
    secure = proxied.client.post("/login", data={"name": "ana", "password": PASSWORD, "csrf": token},
                                 headers={"Origin": "https://ipe.example.org"})
    assert secure.status_code == 303 and "secure" in secure.headers["set-cookie"].lower()


def test_csrf_is_refused(client, coded):
    client.login("ana")
    other = client.other()
    other.login("ben")
    with client.store() as store:
        before = store.logical_checksum()
    body = {"kind": "source", "target": "dash", "text": "a memo"}
    r = client.post("/api/memos", body, token=False)
    assert r.status_code == 403, r.text
    r = client.post("/api/memos", body, token=client.settings.token)
    assert r.status_code == 403, r.text  # not this session's
    r = client.post("/api/memos", body, token=other.token())
    assert r.status_code == 403, r.text  # another session's
    foreign = client.client.post("/api/memos", json=body, headers={"Origin": "http://evil.example",
                                                                    "X-CSRF-Token": client.token()})
    assert foreign.status_code == 403
    assert client.form("/logout", {}, token="stale").status_code == 403
    login_csrf = client.other().client.post("/login", data={"name": "ana", "password": PASSWORD},
                                            headers={"Origin": BASE})
    assert login_csrf.status_code == 403
    with client.store() as store:
        assert store.logical_checksum() == before


# -- serving rules ---------------------------------------------------------------------------------------------


def test_team_mode_serves_another_address_only_over_tls_or_behind_a_local_proxy(coded, tmp_path):
    folder = coded["folder"]
    with pytest.raises(IpeError, match="only over TLS"):
        check_host(Settings(project=folder, host="192.168.1.5"), team=True)
    with pytest.raises(IpeError, match="loopback only"):
        check_host(Settings(project=folder, host="0.0.0.0", behind_proxy=True, public_host="x"), team=True)
    with pytest.raises(IpeError, match="--public-host"):
        check_host(Settings(project=folder, behind_proxy=True), team=True)
    with pytest.raises(IpeError, match="for team mode"):
        check_host(Settings(project=folder, behind_proxy=True, public_host="x"), team=False)
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("x"), key.write_text("x")
    check_host(Settings(project=folder, host="0.0.0.0", public_host="ipe.example.org", certfile=str(cert),
                        keyfile=str(key)), team=True)
    with pytest.raises(IpeError, match="go together"):
        check_host(Settings(project=folder, host="0.0.0.0", certfile=str(cert)), team=True)
    check_host(Settings(project=folder, behind_proxy=True, public_host="ipe.example.org"), team=True)


def test_the_public_host_is_accepted_and_others_are_not(coded):
    client = TeamClient.for_project(coded["folder"], behind_proxy=True, public_host="ipe.example.org")
    assert client.get("/login", headers={"Host": "ipe.example.org"}).status_code == 200
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 421


def _proxied_login(client, name, password, forwarded_for):
    headers = {"Host": "ipe.example.org", "Origin": "https://ipe.example.org", "X-Forwarded-For": forwarded_for,
               "X-Forwarded-Proto": "https"}
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login", headers=headers).text).group(1)
    return client.client.post("/login", data={"name": name, "password": password, "csrf": token}, headers=headers)


def test_forwarded_headers_are_trusted_only_from_loopback(coded):
    """Behind the proxy the address limit counts the real client (X-Forwarded-For), but only the proxy on this
    machine may say who that is: from anywhere else the header is ignored."""
    proxy = TeamClient.for_project(coded["folder"], behind_proxy=True, public_host="ipe.example.org")
    for n in range(MAX_FAILURES):
        assert _proxied_login(proxy, f"x{n}", "wrong password", "198.51.100.1").status_code == 401
    assert _proxied_login(proxy, "ben", PASSWORD, "198.51.100.1").status_code == 429
    assert _proxied_login(proxy, "ben", PASSWORD, "198.51.100.2").status_code == 303
    far = TeamClient(proxy.app, proxy.settings, client=("203.0.113.7", 4000))
    for n in range(MAX_FAILURES):
        assert _proxied_login(far, f"y{n}", "wrong password", f"192.0.2.{n}").status_code == 401
    assert _proxied_login(far, "ana", PASSWORD, "192.0.2.99").status_code == 429


def test_local_mode_stays_as_it_was_without_accounts(web_project):
    app = create_app(Settings(project=web_project, coder="ana", identifiable=True))
    assert not app.state.team
    assert not any(getattr(r, "path", "") == "/login" for r in app.routes)
