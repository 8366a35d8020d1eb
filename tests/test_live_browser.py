"""A whole live session in headless Chromium: both views open, the candidate's fix turns the checks
green in both, a hint, a note and a manual score go in, finish writes the packet, and the packet
holds all of it. Screenshots of both views and of the packet are saved in out/screenshots."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import CHROMIUM, REPO
from live_support import live_process
from playwright.sync_api import Page, expect, sync_playwright

from harness.exercise import Exercise

pytestmark = pytest.mark.browser
SCREENSHOTS = REPO / "out" / "screenshots"
#: Long enough for a grading of the toy on a busy machine.
WAIT_MS = 120_000
NOTE = "Talked through the answer <b>clearly</b>"


def _open(browser_page: Page, url: str, errors: list[str]) -> Page:
    browser_page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    browser_page.goto(url)
    return browser_page


def test_a_whole_session_in_the_browser(toy_root: Path, toy: Exercise, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with live_process(toy_root, workspace) as live, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            errors: list[str] = []
            candidate = _open(browser.new_page(viewport={"width": 1200, "height": 800}), live.candidate, errors)
            interviewer = _open(browser.new_page(viewport={"width": 1200, "height": 1000}), live.interviewer, errors)
            expect(candidate.locator("#title")).to_have_text(toy.spec.title, timeout=WAIT_MS)
            expect(interviewer.locator("#budget")).to_have_text("5 min 00 s")

            interviewer.click("#run-hidden")
            expect(interviewer.locator("#hidden li.failed")).to_have_count(2, timeout=WAIT_MS)
            shutil.copytree(toy.paths.solution, workspace, dirs_exist_ok=True)
            expect(candidate.locator("#public li.passed")).to_have_count(1, timeout=WAIT_MS)
            expect(interviewer.locator("#public li.passed")).to_have_count(1, timeout=WAIT_MS)
            interviewer.click("#run-hidden")
            expect(interviewer.locator("#hidden li.passed")).to_have_count(2, timeout=WAIT_MS)

            interviewer.locator("button[data-id='the_number']").click()
            expect(candidate.locator("#hints li")).to_have_text(["The number is forty-two."], timeout=WAIT_MS)
            interviewer.fill("#note-text", NOTE)
            interviewer.click("#add-note")
            expect(interviewer.locator("#notes li")).to_contain_text([NOTE], timeout=WAIT_MS)
            interviewer.locator("button[data-id='explains_answer'][data-score='2']").click()
            expect(interviewer.locator("#manual legend")).to_contain_text(["(2 / 3)"], timeout=WAIT_MS)
            candidate.screenshot(path=str(SCREENSHOTS / "live-candidate.png"), full_page=True)
            interviewer.screenshot(path=str(SCREENSHOTS / "live-interviewer.png"), full_page=True)
            assert NOTE not in candidate.content() and "Explains why" not in candidate.content()

            interviewer.click("#finish")
            expect(interviewer.locator("#packet-link")).to_be_visible(timeout=WAIT_MS)
            interviewer.click("#packet-link")
            interviewer.wait_for_load_state()
            packet = interviewer.content()
            interviewer.screenshot(path=str(SCREENSHOTS / "live-packet.png"), full_page=True)
            # 10/10 points less 2 for the hint: 80%; manual 2/3: 66.7%; weighed 80/20: 77.3%.
            assert re.search(r"Final 77\.3%", packet), packet[:2000]
            for expected in ("The number is forty-two.", "Talked through the answer &lt;b&gt;clearly&lt;/b&gt;",
                             "2 / 3", "Timeline", "The script runs"):  # fmt: skip
                assert expected in packet, expected
            assert interviewer.locator("svg").count() >= 2 and interviewer.locator("script").count() == 0
            assert errors == []
        finally:
            browser.close()
