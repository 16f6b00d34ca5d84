"""The workbench in real headless Chromium (Debian's, driven by Playwright): what only a browser can show."""

import pytest
from playwright.sync_api import sync_playwright

from browser import CHROMIUM, CHROMIUM_ARGS, drag_select, screenshot_dir, serving
from ipe import annotate, project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
    assert errors == [], f"script errors in the page: {errors}"


@pytest.fixture
def shots(tmp_path):
    return screenshot_dir(tmp_path / "screenshots")


def test_select_a_phrase_pick_a_code_reload_and_find_it(page, web_project, shots):
    with serving(web_project) as base:
        page.goto(f"{base}/source/colon")
        drag_select(page, "sit together")
        picker = page.locator("#picker")
        picker.wait_for(state="visible")
        page.keyboard.type("relation")
        assert page.locator("#picker-list li").first.get_attribute("data-code") == "ctx-relationships"
        assert "work together" in page.locator("#picker-def").inner_text()
        page.screenshot(path=str(shots / "source-picker.png"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.reload()
        mine = page.locator("#transcript .h.Lm")
        mine.first.wait_for()
        assert "sit together" in " ".join(mine.all_inner_texts())
        page.screenshot(path=str(shots / "source.png"))
    with project.open_store(web_project) as store:
        [coding] = store.codings(coders=["ana"])
        text = store.source("colon", structure=False).text
    start = text.index("sit together")
    assert (coding.start, coding.end, coding.code_id) == (start, start + len("sit together"), "ctx-relationships")


def test_click_a_coding_then_remove_it(page, web_project):
    with project.open_store(web_project) as store:
        text = store.source("colon", structure=False).text
        start = text.index("know each other")
        made = annotate.add_coding(store, "colon", start, start + 15, "ctx-relationships", "ana")
    with serving(web_project) as base:
        page.goto(f"{base}/source/colon?layer=mine")
        page.locator("#transcript .h.Lm").first.click()
        card = page.locator(f'.coding-card[data-id="{made.id}"]')
        card.wait_for()
        assert "workbench" in card.inner_text() and "know each other" in card.inner_text()
        with page.expect_navigation():
            card.get_by_role("button", name="Remove").click()
        assert page.locator("#transcript .h.Lm").count() == 0
    with project.open_store(web_project) as store:
        assert store.codings(coders=["ana"]) == []


def test_accept_and_reject_in_the_review_queue_with_the_keyboard(page, web_project, shots):
    with project.open_store(web_project) as store:
        first, second = store.codings(coders=["auto"])[:2]
    with serving(web_project) as base:
        page.goto(f"{base}/review")
        assert page.locator("#review").get_attribute("data-coding") == str(first.id)
        page.screenshot(path=str(shots / "review.png"))
        with page.expect_navigation():
            page.keyboard.press("a")
        assert page.locator("#review").get_attribute("data-coding") == str(second.id)
        with page.expect_navigation():
            page.keyboard.press("r")
        with page.expect_navigation():
            page.keyboard.press("b")
        assert page.locator("#review").get_attribute("data-coding") == str(second.id)
        assert "rejected" in page.locator(".review-card").inner_text().lower()
    with project.open_store(web_project) as store:
        decided = {(r[2], r[3], r[4], r[5]): r[6] for r in store.reviews() if r[0] == "ana"}
        accepted = store.codings(coders=["ana"])
    assert decided == {(first.source_id, first.start, first.end, first.code_id): "accept",
                       (second.source_id, second.start, second.end, second.code_id): "reject"}
    assert [(c.start, c.end, c.code_id) for c in accepted] == [(first.start, first.end, first.code_id)]


def test_open_a_disagreement_from_the_agreement_page(page, web_project, shots):
    with project.open_store(web_project) as store:
        text = store.source("colon", structure=False).text
        for coder, words in (("ana", "sit together"), ("ben", "trust her judgement"), ("ben", "sit together")):
            start = text.index(words)
            annotate.add_coding(store, "colon", start, start + len(words), "ctx-relationships", coder)
    with serving(web_project) as base:
        page.goto(f"{base}/agreement?coders=ana&coders=ben&unit=sentence")
        assert page.locator("#agreement tbody tr").count() >= 2
        page.screenshot(path=str(shots / "agreement.png"))
        with page.expect_navigation():
            page.locator("#disagreements a").first.click()
        focus = page.locator("#transcript .focus").first
        focus.wait_for()
        assert "trust her judgement" in " ".join(page.locator("#transcript .focus").all_inner_texts())
        card = page.locator(".coding-card").first
        card.wait_for()
        assert "ben" in card.inner_text() and "ctx-relationships" in card.inner_text()
        assert page.evaluate("() => { const r = document.querySelector('#transcript .focus').getBoundingClientRect();"
                             " return r.top >= 0 && r.bottom <= window.innerHeight; }")
        page.screenshot(path=str(shots / "disagreement.png"))


def test_link_a_passage_to_a_configuration(page, web_project, shots):
    with serving(web_project) as base:
        page.goto(f"{base}/source/colon")
        drag_select(page, "shared information the same morning")
        page.locator("#picker").wait_for(state="visible")
        page.keyboard.press("Escape")
        form = page.locator("#link-form")
        assert "the same morning" in form.locator("#link-selected").inner_text()
        form.locator("select[name=config]").select_option("CMO-01")
        form.locator("input[value=supports]").check()
        form.locator("input[value=outcome]").check()
        form.locator("textarea[name=rationale]").fill("Sharing within the morning after co-located working")
        form.get_by_role("button", name="Link passage").click()
        page.locator("#message").wait_for()
        assert "Linked colon:" in page.locator("#message").inner_text()
        page.goto(f"{base}/configurations?config=CMO-01")
        assert "Sharing within the morning" in page.locator("#detail").inner_text()
        page.screenshot(path=str(shots / "configurations.png"), full_page=True)
    with project.open_store(web_project) as store:
        [item] = store.evidence(config_id="CMO-01")
        text = store.source("colon", structure=False).text
    start = text.index("shared information the same morning")
    assert (item.start, item.end, item.relation, item.elements, item.linked_by) == (
        start, start + len("shared information the same morning"), "supports", ("outcome",), "ana")


def test_an_error_is_a_message_in_the_page_and_changes_nothing(page, web_project):
    with project.open_store(web_project) as store:
        text = store.source("colon", structure=False).text
        start = text.index("sit together")
        annotate.add_coding(store, "colon", start, start + 12, "ctx-relationships", "ana")
        before = store.logical_checksum()
    with serving(web_project) as base:
        page.goto(f"{base}/source/colon")
        drag_select(page, "We sit together")
        page.locator("#picker").wait_for(state="visible")
        page.keyboard.type("ctx-relationships")
        page.keyboard.press("Enter")
        message = page.locator("#message")
        message.wait_for(state="visible")
        assert "overlaps your coding" in message.inner_text()
    with project.open_store(web_project) as store:
        assert store.logical_checksum() == before


def test_a_sample_interview_coded_in_the_browser(page, tmp_path, shots):
    """The README's screenshot: a pseudonymised sample interview with the auto coder's and a human coder's codings."""
    from pathlib import Path

    from ipe.anonymise import pseudonymise_project

    root = Path(__file__).parents[2]
    sample = root / "corpora" / "mash-sample"
    folder = project.init(tmp_path / "sample")
    with project.open_store(folder) as store:
        project.import_sources(store, [sample / "ashdown" / "ash-int-01.txt"])
        project.auto_code(store, root / "codebooks" / "mash-programme-theory.yaml")
        project.import_codings(store, sample / "gold" / "coder-a" / "ash-int-01.csv", "coder-a")
        pseudonymise_project(store, folder, sample / "names.csv", sample / "orgs.csv")
    with serving(folder, identifiable=False, coder="coder-a") as base:
        page.goto(f"{base}/source/ash-int-01")
        assert page.locator(".badge.ok").inner_text() == "Pseudonymised"
        drag_select(page, "The police team sit with us")
        page.locator("#picker").wait_for(state="visible")
        page.keyboard.type("co-loc")
        page.screenshot(path=str(shots / "workbench.png"))
        assert page.locator("#transcript .h.Lm").count() > 0 and page.locator("#transcript .h.La").count() > 0
