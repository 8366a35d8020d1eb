"""Reports: JSON meets the schema, Markdown and terminal output neutralise candidate text."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from harness.exercise import Exercise
from harness.grade import grade
from harness.model.flags import FlagKind
from harness.model.scorecard import CapResult, Scorecard
from harness.report import html, markdown, terminal
from harness.report.files import ReportFormat, write_reports
from harness.report.jsonfile import schema_errors

HOSTILE = "<script>alert(1)</script> [red]x[/red] \x1b[2J | **bold** ![img](http://x) \n# heading"


@pytest.fixture
def card(toy: Exercise) -> Scorecard:
    return grade(toy, toy.paths.starter, "local")


def test_written_reports_are_valid(card: Scorecard, tmp_path: Path, valid_scorecard: Callable[[Path], Any]) -> None:
    paths = write_reports(card, tmp_path / "out", list(ReportFormat))
    document = valid_scorecard(paths[0])
    assert document["backend"] == "local" and document["total"]["percent"] == 0
    assert paths[1].read_text().startswith("# Toy exercise")
    assert paths[2].read_text().startswith("<!doctype html>")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["scorecard.html", "scorecard.json", "scorecard.md"]


def test_schema_rejects_broken_documents(card: Scorecard) -> None:
    document = json.loads(card.model_dump_json())
    for breakage in ("criteria", "status", "percent"):
        broken = copy.deepcopy(document)
        if breakage == "criteria":
            del broken["criteria"]["iac"]
        elif breakage == "status":
            broken["checks"][0]["status"] = "sort-of"
        else:
            broken["total"]["percent"] = 140
        assert schema_errors(broken), breakage


def test_schema_knows_every_flag_kind() -> None:
    schema = json.loads(resources.files("harness.report").joinpath("scorecard.schema.json").read_text())
    assert schema["$defs"]["flag"]["properties"]["kind"]["enum"] == [kind.value for kind in FlagKind]


def test_markdown_escapes_candidate_text(card: Scorecard) -> None:
    hostile = card.model_copy(
        update={"submission": card.submission.model_copy(update={"source": HOSTILE}),
                "checks": [c.model_copy(update={"detail": HOSTILE}) for c in card.checks]}
    )  # fmt: skip
    text = markdown.render(hostile)
    assert "<script>" not in text and "\x1b" not in text and "\n# heading" not in text
    assert "&lt;script&gt;" in text and "\\*\\*bold\\*\\*" in text and "\\|" in text


def test_html_escapes_candidate_text(card: Scorecard) -> None:
    hostile = card.model_copy(
        update={"submission": card.submission.model_copy(update={"source": HOSTILE + '"><img src=x onerror=alert(1)>'}),
                "checks": [c.model_copy(update={"detail": HOSTILE}) for c in card.checks]}
    )  # fmt: skip
    page = html.render(hostile)
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert "default-src 'none'" in page  # and the page would not run scripts anyway


def test_terminal_strips_ansi_and_markup(card: Scorecard) -> None:
    assert terminal.safe(HOSTILE).count("\x1b") == 0
    console = Console(record=True, width=200, color_system=None)
    hostile = card.model_copy(update={"submission": card.submission.model_copy(update={"source": HOSTILE})})
    terminal.render(hostile, console)
    output = console.export_text()
    assert "[red]x[/red]" in output and "\x1b" not in output


def test_every_report_says_what_prerequisites_and_caps_did(card: Scorecard) -> None:
    answer, script = card.checks
    gated = card.model_copy(
        update={
            "checks": [
                answer.model_copy(update={"status": "passed", "counted": False, "requires": ["script_runs"],
                                          "detail": "passed, not counted: requires script_runs, which did not pass"}),
                script,
            ],
            "caps": [CapResult(unless=["script_runs"], max_percent=30, reason="Nothing runs.", applied=True)],
        }
    )  # fmt: skip
    cap_line = "Capped at 30% because script_runs did not pass: Nothing runs."
    gate_line = "Not counted because a check they require did not pass: answer."
    text = markdown.render(gated)
    assert "| pass, not counted |" in text and markdown.escape(cap_line) in text and markdown.escape(gate_line) in text
    page = html.render(gated)
    assert "pass, not counted" in page and cap_line in page and gate_line in page
    console = Console(record=True, width=200, color_system=None)
    terminal.render(gated, console)
    output = console.export_text()
    assert "pass, not counted" in output and cap_line in output and "not counted: requires script_runs" in output
