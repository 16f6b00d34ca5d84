"""Eight coders at once over real HTTP, on both backends: nothing lost, nothing duplicated, every action audited,
and stale edits refused with 409 instead of merged."""

from __future__ import annotations

import random
import re
import threading
from collections import Counter

import pytest

from ipe import accounts, team

from teamclient import HttpCoder, serving_team, team_project

CODERS = [f"coder{i}" for i in range(8)]
ACTIONS = 300
CODES = ["ctx-relationships", "mech-trust", "out-timely-sharing", "grp-fathers"]
JOIN_SECONDS = 600
AUDITED = {"coding add", "coding remove", "coding move", "review decide"}


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]


class Coder(threading.Thread):
    """One coder's session: a seeded mix of adds, removes, moves and reviews; keeps what the server accepted."""

    def __init__(self, base, name, texts, auto):
        super().__init__(daemon=True)
        self.base, self.name, self.texts, self.auto = base, name, texts, auto
        self.random = random.Random(name)
        self.mine: dict[int, dict] = {}  # id -> {key, version} of codings added by hand
        self.reviewed: dict[tuple, str] = {}  # key of an auto coding -> last decision
        self.done = Counter()
        self.refused = Counter()
        self.error = None

    def span(self):
        source = self.random.choice(sorted(self.texts))
        words = self.texts[source]
        i = self.random.randrange(len(words))
        j = min(len(words) - 1, i + self.random.randrange(4))
        return source, words[i][0], words[j][1]

    def run(self):
        try:
            self.http = HttpCoder(self.base, self.name)
            for _ in range(ACTIONS):
                self.act(self.random.choices(["add", "remove", "move", "review"], [4, 2, 2, 2])[0])
            self.http.close()
        except Exception as exc:  # reported by the test, which must not hang on a dead thread
            self.error = exc

    def act(self, kind):
        if kind in ("remove", "move") and not self.mine:
            kind = "add"
        if kind == "add":
            source, start, end = self.span()
            r = self.http.post("/api/codings", {"source": source, "start": start, "end": end,
                                                "code": self.random.choice(CODES)})
            if r.status_code == 201:
                c = r.json()["coding"]
                self.mine[c["id"]] = {"key": (source, c["start"], c["end"], c["code"]), "version": c["version"]}
        elif kind == "remove":
            cid = self.random.choice(sorted(self.mine))
            r = self.http.post(f"/api/codings/{cid}/remove", {"version": self.mine[cid]["version"]})
            if r.status_code == 200:
                del self.mine[cid]
        elif kind == "move":
            cid = self.random.choice(sorted(self.mine))
            source, code = self.mine[cid]["key"][0], self.mine[cid]["key"][3]
            words = self.texts[source]
            i = self.random.randrange(len(words))
            start, end = words[i][0], words[min(len(words) - 1, i + 1)][1]
            r = self.http.post(f"/api/codings/{cid}/move", {"start": start, "end": end,
                                                            "version": self.mine[cid]["version"]})
            if r.status_code == 200:
                c = r.json()["coding"]
                self.mine[cid] = {"key": (source, c["start"], c["end"], code), "version": c["version"]}
        else:
            coding_id, key = self.random.choice(self.auto)
            decision = self.random.choice(["accept", "reject"])
            r = self.http.post("/api/review", {"coding": coding_id, "decision": decision})
            if r.status_code == 200:
                self.reviewed[key] = decision
        if r.status_code >= 500:
            raise AssertionError(f"{self.name}: {kind} → {r.status_code} {r.text}")
        (self.done if r.status_code < 300 else self.refused)[kind] += 1

    def expected(self) -> Counter:
        """The codings this coder must have: their own adds as last moved, and the review codings accepted
        (an accept adds the auto coding's span unless the coder already coded exactly it)."""
        out = Counter(m["key"] for m in self.mine.values())
        for key, decision in self.reviewed.items():
            if decision == "accept" and key not in out:
                out[key] += 1
        return out


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_eight_coders_at_once(backend, request, tmp_path):
    database = request.getfixturevalue("pg_cluster").new_url() if backend == "postgresql" else None
    folder = team_project(tmp_path / "proj", database, users={"lead": "lead", **{c: "coder" for c in CODERS}})
    from ipe import project

    with project.open_store(folder) as store:
        lead = accounts.user(store, "lead")
        sources = store.source_ids()
        team.assign(store, sources, CODERS, blind=False, actor=lead)
        texts = {sid: _words(store.source(sid, structure=False).text) for sid in sources}
        texts = {sid: w for sid, w in texts.items() if len(w) >= 4}
        kinds = store.coders()
        auto = [(c.id, (c.source_id, c.start, c.end, c.code_id))
                for c in store.codings(coders=[n for n, k in kinds.items() if k == "auto"])]
        audit_before = {e.id for e in store.audit_log()}
    assert auto, "the fixture's auto coding gives the coders something to review"
    with serving_team(folder) as (base, _):
        coders = [Coder(base, name, texts, auto) for name in CODERS]
        for c in coders:
            c.start()
        for c in coders:
            c.join(JOIN_SECONDS)
        assert not any(c.is_alive() for c in coders), "a coder did not finish in time"
        for c in coders:
            assert c.error is None, f"{c.name}: {c.error!r}"
        conflicts = [stale_edits(base, c) for c in coders]
    with project.open_store(folder) as store:
        for c in coders:
            got = Counter((x.source_id, x.start, x.end, x.code_id) for x in store.codings(coders=[c.name]))
            assert got == c.expected(), c.name
            entries = [e for e in store.audit_log() if e.id not in audit_before and e.actor == c.name
                       and e.action in AUDITED]
            assert Counter(e.action for e in entries) == Counter(
                {"coding add": c.done["add"], "coding remove": c.done["remove"],
                 "coding move": c.done["move"] + 1, "review decide": c.done["review"]}), c.name
            assert sum(c.done.values()) > ACTIONS // 2, (c.name, c.done, c.refused)
    assert all(conflicts)


def stale_edits(base, coder: Coder) -> bool:
    """Two sessions of one coder edit the same coding from the same version: the second is refused with 409,
    its change not made; then a stale remove is refused too."""
    first, second = HttpCoder(base, coder.name), HttpCoder(base, coder.name)
    try:
        cid = sorted(coder.mine)[0]
        seen = first.get(f"/api/coding/{cid}").json()["coding"]
        source, words = seen["source"], coder.texts[seen["source"]]
        taken = [(k[1], k[2]) for k in coder.expected() if k[0] == source and k[3] == seen["code"]]
        free = [w for w in words if not any(s < w[1] and w[0] < e for s, e in taken)]
        a, b = free[0], free[-1]
        moved = second.post(f"/api/codings/{cid}/move", {"start": a[0], "end": a[1], "version": seen["version"]})
        assert moved.status_code == 200, moved.text
        stale = first.post(f"/api/codings/{cid}/move", {"start": b[0], "end": b[1], "version": seen["version"]})
        assert stale.status_code == 409 and stale.json().get("conflict"), stale.text
        gone = first.post(f"/api/codings/{cid}/remove", {"version": seen["version"]})
        assert gone.status_code == 409, gone.text
        now = first.get(f"/api/coding/{cid}").json()["coding"]
        assert (now["start"], now["end"]) == (moved.json()["coding"]["start"], moved.json()["coding"]["end"])
        coder.mine[cid] = {"key": (source, now["start"], now["end"], now["code"]), "version": now["version"]}
        return True
    finally:
        first.close()
        second.close()
