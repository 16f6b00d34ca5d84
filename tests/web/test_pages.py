"""Every page of the workbench through the test client: what it shows, and its short messages for bad input."""

import pytest

from ipe import project
from webbench import Workbench, phrase


def test_project_page_lists_sources_coders_waiting_reviews_and_the_codebook(bench):
    html = bench.get("/").text
    assert 'href="/source/colon"' in html
    assert "ctx-relationships" in html and "Practitioner relationships" in html
    with bench.store() as store:
        waiting = len(store.codings(coders=["auto"]))
    assert f"<b>{waiting}</b> auto codings" in html
    assert "coding as <b>ana</b>" in html


def test_project_page_counts_what_each_coder_coded(bench):
    start, end = phrase(bench, "colon", "sit together")
    assert bench.post("/api/codings", {"source": "colon", "start": start, "end": end,
                                       "code": "ctx-relationships"}).status_code == 201
    html = bench.get("/").text
    assert "<th class=\"num\" title=\"codings, and share of the text coded\">ana</th>" in html


def test_source_page_draws_every_character_once_with_turns_and_layers(bench):
    html = bench.get("/source/colon").text
    assert 'class="who">Karen' in html
    assert 'id="transcript"' in html and 'data-s="0"' in html
    for label in ("Mine", "Other coders", "Auto", "Suggestions"):
        assert label in html
    assert "class=\"chip La" in html  # auto codings in the margin


def test_source_transcript_rebuilds_the_stored_text(bench):
    import html as html_lib
    import re

    page = bench.get("/source/colon").text
    spans = re.findall(r'<span data-s="(\d+)"[^>]*>([^<]*)</span>', page)
    with bench.store() as store:
        text = store.source("colon", structure=False).text
    rebuilt = "".join(html_lib.unescape(piece) for _, piece in sorted(spans, key=lambda s: int(s[0])))
    assert rebuilt == text


def test_layers_can_be_switched_off_by_the_address(bench):
    html = bench.get("/source/colon?layer=mine&layer=other").text
    assert "hide-auto" in html and "hide-suggestion" in html and "hide-mine" not in html


def test_unknown_source_is_a_short_message(bench):
    response = bench.get("/source/nope")
    assert response.status_code == 404
    assert "no source &#39;nope&#39; in the project" in response.text


def test_unpseudonymised_text_needs_the_explicit_switch(web_project):
    hidden = Workbench(web_project, identifiable=False)
    for url in ("/source/colon", "/review", "/quotes", "/agreement", "/configurations", "/quotes.csv"):
        response = hidden.get(url)
        assert response.status_code == 403, url
        assert "not pseudonymised" in response.text
    assert "Identifiable text" not in hidden.get("/").text
    shown = Workbench(web_project, identifiable=True)
    page = shown.get("/source/colon").text
    assert "Identifiable text" in page and "identifiable-banner" in page


def test_pseudonymised_text_is_shown_and_marked(web_project):
    with project.open_store(web_project) as store:
        store.set_meta("pseudonymised", "yes")
    page = Workbench(web_project, identifiable=False).get("/source/colon").text
    assert "Pseudonymised" in page and "identifiable-banner" not in page


def test_quote_bank_filters_and_downloads(bench):
    html = bench.get("/quotes?code=ctx-relationships").text
    assert "sit together" in html.lower()
    assert "mech-trust</span>" not in html
    csv = bench.get("/quotes.csv?code=ctx-relationships")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("ref,source,case")
    assert all(",ctx-relationships," in line for line in lines[1:]) and len(lines) > 1
    xlsx = bench.get("/quotes.xlsx?type=outcome")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row > 1


@pytest.mark.parametrize("url, message", [("/quotes?type=nonsense", "unknown code type"),
                                          ("/quotes?code=zzz", "no code"), ("/quotes.pdf", "csv or xlsx")])
def test_quote_bank_bad_filters(bench, url, message):
    response = bench.get(url)
    assert response.status_code == 400 and message in response.text


def test_agreement_page_gives_what_ipe_agree_gives(bench):
    from ipe import agreement

    for coder, words in (("ana", "sit together"), ("ben", "trust her judgement")):
        with bench.store() as store:
            text = store.source("colon", structure=False).text
            start = text.index(words)
            from ipe import annotate

            annotate.add_coding(store, "colon", start, start + len(words), "ctx-relationships", coder)
    html = bench.get("/agreement?coders=ana&coders=ben&unit=sentence").text
    with bench.store() as store:
        table, diffs = agreement.coder_agreement(store, ["ana", "ben"], "sentence")
    overall = table[table.code == "overall"].iloc[0]
    assert f"{overall.percent_agreement:.3f}" in html
    assert f"Disagreements ({len(diffs)})" in html
    first = diffs.iloc[0]
    assert f'/source/colon?focus={first.start}-{first.end}&amp;code=ctx-relationships' in html


def test_agreement_needs_known_coders(bench):
    response = bench.get("/agreement?coders=ana&coders=nobody")
    assert response.status_code == 400 and "unknown coder" in response.text
    assert "Choose at least two coders" in bench.get("/agreement?coders=ana").text


def test_configurations_page_shows_status_graph_and_evidence(bench):
    html = bench.get("/configurations").text
    assert "CMO-01" in html and "<svg" in html and 'class="status' in html
    evidence = bench.get("/configurations?evidence=CMO-01").text
    assert "Co-occurrence evidence: CMO-01" in evidence
    assert bench.get("/configurations?evidence=nope").status_code == 404


def test_codes_stylesheet_holds_only_checked_colours(bench):
    css = bench.get("/codes.css")
    assert css.headers["content-type"].startswith("text/css")
    assert ".k0{--k:#" in css.text and "<" not in css.text
