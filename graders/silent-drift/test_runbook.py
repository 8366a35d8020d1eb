"""The runbook the on-call reads when the alert fires."""

from __future__ import annotations

import re

from harness.grading import Grading

NAMES = ("RUNBOOK.md", "runbook.md", "docs/RUNBOOK.md", "docs/runbook.md")
HEADING = re.compile(r"^#{1,6}\s+(.*)$", re.MULTILINE)


def _sections(text: str) -> dict[str, str]:
    """Heading text (lower case) -> the text under it up to the next heading."""
    marks = list(HEADING.finditer(text))
    return {
        m.group(1).strip().lower(): text[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(text)]
        for i, m in enumerate(marks)
    }


def test_runbook(grading: Grading) -> None:
    rules = grading.params["runbook"]
    raw = next((r for r in (grading.submission_file(n) for n in NAMES) if r is not None), None)
    assert raw is not None, "no RUNBOOK.md"
    sections = _sections(raw.decode("utf-8", "replace"))
    for wanted in rules["sections"]:
        bodies = [body for heading, body in sections.items() if wanted in heading]
        assert bodies, f"RUNBOOK.md has no '{wanted}' section"
        words = max(len(body.split()) for body in bodies)
        assert words >= rules["min_words"], f"the '{wanted}' section says too little ({words} words)"
