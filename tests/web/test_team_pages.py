"""The lead's pages in team mode: assignments and blinding from the Team page, consensus from the agreement page."""

import re

from ipe import accounts, annotate, team

from teamclient import TeamClient, team_project


def test_a_lead_assigns_blind_unblinds_and_resolves_a_disagreement(tmp_path):
    folder = team_project(tmp_path / "proj")
    lead = TeamClient.for_project(folder)
    lead.login("lena")
    made = lead.form("/team/assign", {"sources": "colon", "coders": ["ana", "ben"], "blind": "yes"})
    assert made.status_code == 303 and made.headers["location"] == "/team"
    with lead.store() as store:
        assert {(a.coder, a.blind) for a in team.assignments(store, source_id="colon")} == {("ana", True),
                                                                                            ("ben", True)}
        text = store.source("colon", structure=False).text
        start = text.index("We sit together")
        ana = annotate.add_coding(store, "colon", start, start + 15, "mech-trust", "ana")
        other = text.index("I trust her judgement")
        annotate.add_coding(store, "colon", other, other + 21, "mech-trust", "ben")  # they agree here
    page = lead.get("/team").text
    assert "colon" in page and "blind" in page
    ana_page = lead.other()
    ana_page.login("ana")
    assert "Blind" in ana_page.get("/source/colon").text
    assert ana_page.form("/team/unblind", {"sources": "colon"}).status_code == 403
    assert lead.form("/team/unblind", {"sources": "colon"}).status_code == 303
    assert "Blind" not in ana_page.get("/source/colon").text
    agreement = lead.get("/agreement?coders=ana&coders=ben").text
    assert 'action="/agreement/resolve"' in agreement
    kept = re.search(r'name="kept" value="(\d+)"', agreement).group(1)
    assert int(kept) == ana.id
    resolved = lead.form("/agreement/resolve", {"source": "colon", "code": "mech-trust", "kept": kept,
                                                "reason": "ana's reading fits the codebook", "coders": ["ana", "ben"],
                                                "unit": "sentence"})
    assert resolved.status_code == 303 and resolved.headers["location"].startswith("/agreement?coders=ana")
    with lead.store() as store:
        [r] = team.resolutions(store, "colon")
        assert (r.kept_coding_id, r.decided_by, r.reason) == (ana.id, "lena", "ana's reading fits the codebook")
        assert accounts.user(store, "lena").role == "lead"
    assert "Resolved." in lead.get("/agreement?coders=ana&coders=ben").text


def test_a_form_error_answers_a_page_not_json(tmp_path):
    folder = team_project(tmp_path / "proj", users={"lena": "lead"})
    lead = TeamClient.for_project(folder)
    lead.login("lena")
    response = lead.form("/team/assign", {"sources": "no-such-source", "coders": "lena"})
    assert response.status_code in (400, 404) and "<html" in response.text
