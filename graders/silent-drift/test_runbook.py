"""The runbook the on-call reads when the alert fires."""

from __future__ import annotations

import re

from harness.grading import Grading

NAMES = ("RUNBOOK.md", "runbook.md", "docs/RUNBOOK.md", "docs/runbook.md")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)[\s#]*$")
FENCE = re.compile(r"^\s*(```|~~~)")
#: Letters of a section's name a heading must hold: "Detecting", "Roll back" and "Triaging" name
#: the Detection, Rollback and Triage sections as well.
STEM = 5


def _names(title: str, section: str) -> bool:
    """Whether a heading names a section, whatever its spaces, hyphens or word form."""
    return section[:STEM] in re.sub(r"[^a-z]", "", title.lower())


def _sections(text: str, wanted: str, others: list[str]) -> list[str]:
    """The text under each heading that names `wanted`, up to the next heading of its level or
    above, or one that names another of the runbook's sections (subsections of its own count). A
    `#` line inside a fenced code block is code, not a heading."""
    lines = text.splitlines()
    headings: list[tuple[int, int, str]] = []
    fenced = False
    for number, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            headings.append((number, len(match.group(1)), match.group(2)))
    bodies = []
    for index, (number, level, title) in enumerate(headings):
        if not _names(title, wanted):
            continue
        later = headings[index + 1 :]
        end = next((n for n, deeper, t in later if deeper <= level or any(_names(t, o) for o in others)), len(lines))
        bodies.append("\n".join(lines[number + 1 : end]))
    return bodies


def test_runbook(grading: Grading) -> None:
    rules = grading.params["runbook"]
    raw = next((r for r in (grading.submission_file(n) for n in NAMES) if r is not None), None)
    assert raw is not None, "no RUNBOOK.md"
    text = raw.decode("utf-8", "replace")
    for wanted in rules["sections"]:
        bodies = _sections(text, wanted, [other for other in rules["sections"] if other != wanted])
        assert bodies, f"RUNBOOK.md has no '{wanted}' section"
        words = max(len(body.split()) for body in bodies)
        assert words >= rules["min_words"], f"the '{wanted}' section says too little ({words} words)"
