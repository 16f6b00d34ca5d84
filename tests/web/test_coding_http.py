"""The coding endpoints: add from a selection, remove, move ends, memos, details; bad input changes nothing."""

import pytest

from webbench import phrase


def add(bench, words, code="ctx-relationships", source="colon", **extra):
    start, end = phrase(bench, source, words)
    body = {"source": source, "start": start, "end": end, "code": code, "quote": words, **extra}
    return bench.post("/api/codings", body)


def test_add_a_coding_from_a_selection(bench):
    response = add(bench, "sit together")
    assert response.status_code == 201
    made = response.json()["coding"]
    with bench.store() as store:
        [coding] = store.codings(coders=["ana"])
        text = store.source("colon", structure=False).text
    assert (coding.start, coding.end, coding.code_id, coding.provenance) == (made["start"], made["end"],
                                                                              "ctx-relationships", "workbench")
    assert text[coding.start:coding.end] == "sit together"


def test_a_half_selected_word_snaps_to_the_whole_word(bench):
    start, end = phrase(bench, "colon", "sit together")
    with bench.store() as store:
        text = store.source("colon", structure=False).text
    response = bench.post("/api/codings", {"source": "colon", "start": start + 2, "end": end - 3,
                                           "code": "ctx-relationships", "quote": text[start + 2:end - 3]})
    assert response.status_code == 201
    assert (response.json()["coding"]["start"], response.json()["coding"]["end"]) == (start, end)


@pytest.mark.parametrize("body, status, message", [
    ({"source": "colon", "start": 5, "end": 2, "code": "ctx-relationships"}, 409, "outside the text"),
    ({"source": "colon", "start": 0, "end": 5, "code": "nope"}, 404, "no code 'nope'"),
    ({"source": "gone", "start": 0, "end": 5, "code": "ctx-relationships"}, 404, "no source 'gone'"),
    ({"source": "colon", "start": 0, "end": 5, "code": "ctx-relationships", "quote": "other words"}, 409,
     "do not hold the selected text"),
    ({"source": "colon", "end": 5, "code": "ctx-relationships"}, 400, "missing 'start'"),
])
def test_bad_selections_are_a_short_message_and_change_nothing(bench, body, status, message):
    with bench.store() as store:
        before = store.logical_checksum()
    response = bench.post("/api/codings", body)
    assert response.status_code == status
    assert message in response.json()["error"]
    with bench.store() as store:
        assert store.logical_checksum() == before


def test_not_json_is_refused(bench):
    response = bench.client.post("/api/codings", content=b"{not json", headers={
        "Origin": "http://127.0.0.1:8765", "X-CSRF-Token": bench.settings.token})
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]


def test_overlapping_selection_is_refused(bench):
    assert add(bench, "sit together").status_code == 201
    response = add(bench, "We sit together, so")
    assert response.status_code == 409 and "overlaps your coding" in response.json()["error"]


def test_remove_a_coding(bench):
    made = add(bench, "sit together").json()["coding"]
    assert bench.post(f"/api/codings/{made['id']}/remove").json() == {"removed": made["id"]}
    with bench.store() as store:
        assert store.codings(coders=["ana"]) == []
        assert store.audit_log()[-1].action == "coding remove"
    assert bench.post(f"/api/codings/{made['id']}/remove").status_code == 404


def test_someone_elses_coding_cannot_be_removed(bench):
    with bench.store() as store:
        auto = store.codings(coders=["auto"])[0]
    response = bench.post(f"/api/codings/{auto.id}/remove")
    assert response.status_code == 400 and "only your own" in response.json()["error"]
    with bench.store() as store:
        assert store.coding_exists(auto.id)


def test_move_the_ends_of_a_coding(bench):
    made = add(bench, "sit together").json()["coding"]
    start, end = phrase(bench, "colon", "We sit together, so we know each other.")
    response = bench.post(f"/api/codings/{made['id']}/move", {"start": start, "end": end,
                                                             "quote": "We sit together, so we know each other."})
    assert response.status_code == 200
    with bench.store() as store:
        coding = store.coding(made["id"])
    assert (coding.start, coding.end, coding.quote) == (start, end, "We sit together, so we know each other.")
    bad = bench.post(f"/api/codings/{made['id']}/move", {"start": -3, "end": 2})
    assert bad.status_code == 409


def test_coding_details_show_provenance_and_memos(bench):
    made = add(bench, "sit together").json()["coding"]
    assert bench.post("/api/memos", {"kind": "coding", "target": str(made["id"]), "text": "co-location"}).status_code == 201
    detail = bench.get(f"/api/coding/{made['id']}").json()["coding"]
    assert detail["coder"] == "ana" and detail["mine"] and detail["provenance"] == "workbench"
    assert detail["quote"] == "sit together" and detail["memos"][0]["text"] == "co-location"
    assert bench.get("/api/coding/999999").status_code == 404


@pytest.mark.parametrize("kind, target", [("source", "colon"), ("turn", "colon#2")])
def test_memos_on_a_source_and_a_turn(bench, kind, target):
    assert bench.post("/api/memos", {"kind": kind, "target": target, "text": "worth a look"}).status_code == 201
    with bench.store() as store:
        [memo] = store.memos(kind, target)
    assert (memo.author, memo.text) == ("ana", "worth a look")
    assert "worth a look" in bench.get("/source/colon").text


@pytest.mark.parametrize("body, message", [({"kind": "source", "target": "colon", "text": "  "}, "empty"),
                                           ({"kind": "turn", "target": "colon#99", "text": "x"}, "no turn"),
                                           ({"kind": "banana", "target": "x", "text": "x"}, "a memo goes on")])
def test_bad_memos_change_nothing(bench, body, message):
    response = bench.post("/api/memos", body)
    assert response.status_code in (400, 404) and message in response.json()["error"]
    with bench.store() as store:
        assert store.memos() == []


def test_read_only_without_a_coder_name(web_project):
    from webbench import Workbench

    viewer = Workbench(web_project, coder="")
    assert "read-only" in viewer.get("/").text
    response = viewer.post("/api/codings", {"source": "colon", "start": 0, "end": 5, "code": "ctx-relationships"})
    assert response.status_code == 400 and "--coder NAME" in response.json()["error"]
