"""Evidence from the workbench: link a selected passage, promote or dismiss a candidate, unlink."""

import pytest

from ipe import annotate, evidence, project
from webbench import phrase


def link_body(bench, words, **extra):
    start, end = phrase(bench, "colon", words)
    return {"config": "CMO-01", "relation": "supports", "elements": ["context"], "rationale": "co-location",
            "source": "colon", "start": start, "end": end, "quote": words, **extra}


def test_link_a_selected_passage_to_a_configuration(bench):
    response = bench.post("/api/evidence/link", link_body(bench, "sit together, so we know each other"))
    assert response.status_code == 201
    start, end = phrase(bench, "colon", "sit together, so we know each other")
    with bench.store() as store:
        [item] = store.evidence(config_id="CMO-01")
    assert (item.source_id, item.start, item.end, item.relation, item.elements, item.linked_by) == (
        "colon", start, end, "supports", ("context",), "ana")
    page = bench.get("/configurations?config=CMO-01").text
    assert "co-location" in page and "1 supports" in page


@pytest.mark.parametrize("change, status, message", [
    ({"relation": "proves"}, 400, "unknown relation"),
    ({"rationale": " "}, 400, "give a rationale"),
    ({"config": "CMO-99"}, 404, "CMO-99"),
    ({"quote": "not what was selected"}, 409, "do not hold the selected text"),
    ({"elements": ["everything"]}, 400, "unknown element"),
])
def test_bad_links_change_nothing(bench, change, status, message):
    with bench.store() as store:
        before = store.logical_checksum()
    response = bench.post("/api/evidence/link", link_body(bench, "sit together", **change))
    assert response.status_code == status, response.json()
    assert message in response.json()["error"]
    with bench.store() as store:
        assert store.logical_checksum() == before


def test_promote_dismiss_and_unlink(bench):
    with bench.store() as store:
        _, cb = project.current_codebook(store)
        for words, code in (("sit together", "ctx-relationships"), ("know each other", "mech-trust"),
                            ("shared information", "out-timely-sharing")):
            start = store.source("colon", structure=False).text.index(words)
            annotate.add_coding(store, "colon", start, start + len(words), code, "ben")
        found = evidence.candidates(store, cb, "CMO-01")
    assert len(found) >= 2, "the tiny corpus has co-occurring codings on CMO-01"
    page = bench.get("/configurations?config=CMO-01").text
    assert f'data-key="{found[0].key}"' in page
    made = bench.post("/api/evidence/promote", {"key": found[0].key, "relation": "refines", "rationale": "timing"})
    assert made.status_code == 201
    assert bench.post("/api/evidence/dismiss", {"key": found[1].key, "note": "not about trust"}).status_code == 200
    with bench.store() as store:
        decided = {c.key: c.decision for c in evidence.candidates(store, cb, "CMO-01")}
        [item] = store.evidence(config_id="CMO-01")
    assert decided[found[0].key] == "promoted" and decided[found[1].key] == "dismissed"
    assert item.relation == "refines" and item.candidate == found[0].key
    again = bench.post("/api/evidence/dismiss", {"key": found[1].key, "note": ""})
    assert again.status_code == 400
    assert bench.post(f"/api/evidence/{item.id}/unlink").json() == {"unlinked": item.id}
    with bench.store() as store:
        assert store.evidence(config_id="CMO-01") == []
    assert bench.post(f"/api/evidence/{item.id}/unlink").status_code == 404


def test_unknown_candidate_and_configuration(bench):
    assert bench.post("/api/evidence/promote", {"key": "nope", "relation": "supports",
                                                "rationale": "x"}).status_code == 404
    assert bench.get("/configurations?config=CMO-77").status_code == 404


@pytest.mark.parametrize("url", ["/api/evidence/link", "/api/evidence/promote", "/api/evidence/dismiss",
                                 "/api/evidence/1/unlink"])
def test_evidence_writes_need_the_token(bench, url):
    assert bench.post(url, {}, token=False).status_code == 403
