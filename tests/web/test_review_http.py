"""The review queue page and its decision endpoint."""

from ipe import project
from ipe.records import Coding


def test_review_shows_the_first_waiting_coding_in_context(bench):
    with bench.store() as store:
        first = store.codings(coders=["auto"])[0]
        _, cb = project.current_codebook(store)
    html = bench.get("/review").text
    assert f'data-coding="{first.id}"' in html
    assert first.quote.split()[0] in html
    assert cb.by_id[first.code_id].description in html
    assert "Accept" in html and "Reject" in html


def test_accept_and_reject_record_the_decision_and_answer_the_next(bench):
    with bench.store() as store:
        auto = store.codings(coders=["auto"])
    response = bench.post("/api/review", {"coding": auto[0].id, "decision": "accept"})
    assert response.status_code == 200 and response.json()["next"] == auto[1].id
    bench.post("/api/review", {"coding": auto[1].id, "decision": "reject"})
    with bench.store() as store:
        decisions = {(r[2], r[3], r[4], r[5]): r[6] for r in store.reviews() if r[0] == "ana"}
        mine = store.codings(coders=["ana"])
    assert decisions[(auto[0].source_id, auto[0].start, auto[0].end, auto[0].code_id)] == "accept"
    assert decisions[(auto[1].source_id, auto[1].start, auto[1].end, auto[1].code_id)] == "reject"
    assert [(c.start, c.end, c.provenance) for c in mine] == [(auto[0].start, auto[0].end, "review of auto")]
    html = bench.get("/review").text
    assert f'data-coding="{auto[2].id}"' in html and "2 of" in html
    assert "accepted" in bench.get(f"/review?at={auto[0].id}").text


def test_review_bad_input(bench):
    assert bench.get("/review?at=abc").status_code == 404
    assert bench.get("/review?coder=nobody").status_code == 404
    assert bench.post("/api/review", {"coding": 1}).status_code == 400
    response = bench.post("/api/review", {"coding": 1, "decision": "perhaps"})
    assert response.status_code == 400 and "accept or reject" in response.json()["error"]
    with bench.store() as store:
        assert store.reviews() == []


def test_suggestions_wait_in_the_queue_and_an_accepted_one_becomes_the_reviewers_coding(bench):
    with bench.store() as store:
        auto = store.codings(coders=["auto"])[0]
        suggestion = Coding(source_id=auto.source_id, start=auto.start, end=auto.end, code_id=auto.code_id,
                            coder="suggest", provenance="suggest", codebook_version=auto.codebook_version,
                            quote=auto.quote)
        provenance = {"score": 0.8, "threshold": 0.5, "method": "test", "features": "words", "model_hash": "m",
                      "training_hash": "t"}
        with store.transaction("test", "suggest") as tx:
            tx.ensure_coder("suggest", "auto")
            tx.replace_suggestions("suggest", [(suggestion, provenance)])
        waiting = store.codings(coders=["suggest"], status="suggested")[0]
    html = bench.get("/review?coder=suggest").text
    assert f'data-coding="{waiting.id}"' in html
    assert bench.post("/api/review", {"coding": waiting.id, "decision": "accept"}).status_code == 200
    with bench.store() as store:
        mine = store.codings(coders=["ana"])
    assert [(c.start, c.end, c.code_id, c.provenance) for c in mine] == [
        (auto.start, auto.end, auto.code_id, "review of suggest")]
