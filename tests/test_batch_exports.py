"""A batch's exports, read by what platforms use: a JUnit consumer, Gradescope's documented format,
and the HTML summary in a real headless browser."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CHROMIUM, REPO
from jsonschema import Draft202012Validator
from junitparser import Error, Failure, JUnitXml, Skipped
from playwright.sync_api import sync_playwright

from harness import batch
from harness.batch.runner import BatchRunner
from harness.exercise import Exercise
from harness.model.results import Status

SCREENSHOTS = REPO / "out" / "screenshots"
#: Candidate-controlled text: a candidate id (from the platform's manifest) and what run.sh prints.
HOSTILE_ID = '<img src=x onerror="document.title=1">'
HOSTILE_OUTPUT = "<script>document.title=2</script>]]>&amp;"


@pytest.fixture
def results_dir(toy: Exercise, tmp_path: Path) -> Path:
    """A toy batch: the solution, the starter, a hostile submission, and an unreadable archive."""
    inputs = tmp_path / "in"
    shutil.copytree(toy.paths.solution, inputs / "solution")
    shutil.copytree(toy.paths.starter, inputs / "starter")
    hostile = shutil.copytree(toy.paths.solution, inputs / "hostile")
    (hostile / "run.sh").write_text(f"#!/bin/sh\nprintf '%s\\033[31m' '{HOSTILE_OUTPUT}'\n")
    (inputs / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "candidate_id,path\nana,in/solution\nben,in/starter\n"
        f'"{HOSTILE_ID.replace(chr(34), chr(34) * 2)}",in/hostile\ndee,in/broken.zip\n'
    )
    out = tmp_path / "results"
    store = batch.open_store(out, create=True)
    try:
        BatchRunner(toy, store, "local", jobs=2).run(batch.read_inputs([manifest]))
        batch.export_results(store, toy, out, list(batch.ExportFormat))
    finally:
        store.close()
    return out


def test_junit_reads_one_case_per_check(results_dir: Path) -> None:
    xml = JUnitXml.fromfile(str(results_dir / "junit.xml"))
    suites = {suite.name: suite for suite in xml}
    assert list(suites) == ["ana", "ben", HOSTILE_ID, "dee"]
    assert [case.name for case in suites["ana"]] == ["answer", "script_runs"]
    assert all(case.is_passed for case in suites["ana"])
    assert suites["ben"].failures == 2 and all(isinstance(case.result[0], Failure) for case in suites["ben"])
    [hostile_case] = [case for case in suites[HOSTILE_ID] if not case.is_passed]
    assert HOSTILE_OUTPUT in (hostile_case.result[0].text or "")
    [refused] = list(suites["dee"])
    assert isinstance(refused.result[0], Error) and "refused" in (refused.result[0].message or "")
    assert not any(isinstance(r, Skipped) for suite in xml for case in suite for r in case.result)


def test_gradescope_results_match_the_documented_format(results_dir: Path) -> None:
    schema = json.loads((REPO / "tests" / "data" / "formats" / "gradescope-results.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    written = sorted(p.parent.name for p in (results_dir / "gradescope").glob("*/results.json"))
    assert written == sorted(["ana", "ben", HOSTILE_ID])  # a refused submission has no score to report
    for candidate in written:
        document = json.loads((results_dir / "gradescope" / candidate / "results.json").read_text())
        assert [e.message for e in validator.iter_errors(document)] == []
        assert document["score"] == sum(test["score"] for test in document["tests"])  # the toy has no caps
    ana = json.loads((results_dir / "gradescope" / "ana" / "results.json").read_text())
    assert ana["score"] == sum(t["max_score"] for t in ana["tests"]) and {t["status"] for t in ana["tests"]} == {
        "passed"
    }
    assert all(t["visibility"] == "after_published" for t in ana["tests"])


@pytest.mark.browser
def test_the_html_summary_renders_in_a_browser_and_runs_nothing(results_dir: Path) -> None:
    page_path = results_dir / "summary.html"
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("requestfailed", lambda request: errors.append(request.url))
            page.goto(page_path.as_uri())
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "batch-summary.png"), full_page=True)
            assert page.title() == "opsdrill batch: toy", "candidate text ran as script"
            assert page.locator("img").count() == 0 and page.locator("script").count() == 0
            # Charts: the total, each criterion the toy assesses (two), and the maturity levels.
            assert page.locator("svg").count() == 4
            assert page.locator("table tr").count() == 5
            assert HOSTILE_ID in page.locator("table").inner_text()
            assert errors == []
        finally:
            browser.close()


def test_export_results_writes_what_it_is_asked_for(toy: Exercise, results_dir: Path, tmp_path: Path) -> None:
    store = batch.open_store(results_dir, create=False)
    try:
        assert [r.status for r in store.entries()] == [Status.GRADED] * 3 + [Status.REFUSED]
        written = batch.export_results(store, toy, tmp_path / "again", [batch.ExportFormat.JUNIT])
    finally:
        store.close()
    assert [p.name for p in written] == ["junit.xml"]
    assert (tmp_path / "again" / "junit.xml").read_text() == (results_dir / "junit.xml").read_text()
