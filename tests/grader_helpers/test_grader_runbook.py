"""silent-drift's runbook check: which text belongs to the Detection, Triage and Rollback sections."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

SECTIONS = ["detection", "triage", "rollback"]


@pytest.fixture(scope="module")
def runbook(grader: Callable[[str, str], ModuleType]) -> ModuleType:
    return grader("silent-drift", "test_runbook")


def words(runbook: ModuleType, text: str, wanted: str) -> list[int]:
    others = [other for other in SECTIONS if other != wanted]
    return [len(body.split()) for body in runbook._sections(text, wanted, others)]


def test_a_section_told_in_subsections_counts_them(runbook: ModuleType) -> None:
    """A thorough runbook puts its detection material under sub-headings; all of it is the section."""
    text = "## Detection\n### Alerts\none two three\n### Delays\nfour five\n## Triage\nsix\n"
    assert words(runbook, text, "detection") == [9]
    assert words(runbook, text, "triage") == [1]


def test_a_comment_in_a_code_block_is_not_a_heading(runbook: ModuleType) -> None:
    text = "## Rollback\nRun:\n```bash\n# restore the previous model\ncp a b\n```\nthen check /ready.\n"
    assert words(runbook, text, "rollback") == [14]


def test_a_title_naming_sections_does_not_stand_in_for_them(runbook: ModuleType) -> None:
    """`# Runbook: detection, triage and rollback` ends where another section's heading starts."""
    text = "# Runbook: detection, triage and rollback\nintro\n## Triage\nlook here\n## Rollback\nundo\n"
    assert words(runbook, text, "detection") == [1]
    assert words(runbook, text, "triage") == [5, 2]
    assert words(runbook, text, "rollback") == [1, 1]


def test_a_heading_names_its_section_in_any_word_form(runbook: ModuleType) -> None:
    text = "## Detecting a drift\none\n## Roll back\ntwo three\n## Triaging\nfour\n"
    assert words(runbook, text, "detection") == [1]
    assert words(runbook, text, "rollback") == [2]
    assert words(runbook, text, "triage") == [1]
