"""Team mode in real headless Chromium: sign in, watch another coder's coding arrive without a reload, sign out."""

import pytest
from playwright.sync_api import sync_playwright

from browser import CHROMIUM, CHROMIUM_ARGS, screenshot_dir
from ipe import accounts, project, team

from teamclient import PASSWORD, HttpCoder, serving_team, team_project

pytestmark = pytest.mark.slow


def test_sign_in_see_a_colleagues_coding_arrive_live_and_sign_out(tmp_path):
    folder = team_project(tmp_path / "proj")
    with project.open_store(folder) as store:
        team.assign(store, ["colon"], ["ana", "ben"], blind=False, actor=accounts.user(store, "lena"))
        text = store.source("colon", structure=False).text
    shots = screenshot_dir(tmp_path / "screenshots")
    words = "the same morning"
    start = text.index(words)
    errors = []
    with serving_team(folder, max_requests=2000) as (base, _), sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_context(viewport={"width": 1400, "height": 900}).new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.set_default_timeout(10_000)
            page.goto(f"{base}/source/colon")
            assert page.url.startswith(f"{base}/login?next=")
            page.fill("input[name=name]", "ana")
            page.fill("input[name=password]", PASSWORD)
            page.screenshot(path=str(shots / "team-login.png"))
            with page.expect_navigation():
                page.click("button[type=submit]")
            assert page.url == f"{base}/source/colon"
            assert "ana · coder" in page.locator(".who-am-i").inner_text()
            assert page.locator("#transcript .h.Lo").count() == 0
            ben = HttpCoder(base, "ben")
            made = ben.post("/api/codings", {"source": "colon", "start": start, "end": start + len(words),
                                             "code": "out-timely-sharing", "quote": words})
            assert made.status_code == 201, made.text
            ben.close()
            other = page.locator("#transcript .h.Lo")
            other.first.wait_for(timeout=8_000)  # the page polls every 2 s: no reload
            assert words in " ".join(other.all_inner_texts())
            assert page.locator('[data-count="other"]').inner_text() == "1"
            page.screenshot(path=str(shots / "team-source.png"))
            with page.expect_navigation():
                page.click(".logout button")
            assert page.url == f"{base}/login"
            page.goto(f"{base}/source/colon")
            assert page.url.startswith(f"{base}/login")
        finally:
            chromium.close()
    assert errors == [], f"script errors in the page: {errors}"
