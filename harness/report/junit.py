"""A batch as JUnit XML: one test suite per submission, one test case per check.

CI dashboards and platforms read this format. A submission with no scorecard (refused, failed by
the kit, not graded yet) is one errored test case saying why. Candidate text is made valid XML.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from harness.model.results import EntryResult
from harness.model.scorecard import Scorecard
from harness.report.inert import strip_controls

#: What XML 1.0 cannot carry, beyond the control characters `strip_controls` removes.
_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("", strip_controls(str(value)))


def _suite(parent: ET.Element, exercise_id: str, candidate: str, card: Scorecard) -> ET.Element:
    failures = sum(c.status == "failed" for c in card.checks)
    errors = sum(c.status == "error" for c in card.checks)
    skipped = sum(c.status == "skipped" for c in card.checks)
    suite = ET.SubElement(parent, "testsuite", {
        "name": _text(candidate), "tests": str(len(card.checks)), "failures": str(failures), "errors": str(errors),
        "skipped": str(skipped), "time": f"{card.duration_s:.3f}", "timestamp": card.started_at,
    })  # fmt: skip
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("exercise", exercise_id), ("percent", card.total.percent), ("points", card.total.points),
        ("max_points", card.total.max_points), ("maturity_level", card.maturity_level),
        ("complete", str(card.complete).lower()), ("submission_sha256", card.submission.sha256),
        ("flags", ";".join(sorted({flag.kind.value for flag in card.flags}))),
    ):  # fmt: skip
        ET.SubElement(properties, "property", {"name": name, "value": _text("" if value is None else value)})
    for check in card.checks:
        case = ET.SubElement(suite, "testcase", {
            "classname": f"{exercise_id}.{check.criterion}", "name": _text(check.id), "time": f"{check.duration_s:.3f}",
        })  # fmt: skip
        message = _text(f"{check.title}: {check.points:g}/{check.max_points:g}. {check.feedback}")
        if check.status in ("failed", "blocked"):
            ET.SubElement(case, "failure", {"message": message, "type": check.status}).text = _text(check.detail)
        elif check.status == "error":
            ET.SubElement(case, "error", {"message": message}).text = _text(check.detail)
        elif check.status == "skipped":
            ET.SubElement(case, "skipped", {"message": _text(check.detail or check.feedback)})
    return suite


def render(exercise_id: str, results: list[EntryResult]) -> str:
    root = ET.Element("testsuites", {"name": f"opsdrill {exercise_id}"})
    for result in results:
        if result.scorecard is not None:
            _suite(root, exercise_id, result.entry.candidate_id, result.scorecard)
            continue
        suite = ET.SubElement(root, "testsuite", {
            "name": _text(result.entry.candidate_id), "tests": "1", "failures": "0", "errors": "1", "skipped": "0",
        })  # fmt: skip
        case = ET.SubElement(suite, "testcase", {"classname": exercise_id, "name": "grading"})
        ET.SubElement(case, "error", {"message": _text(f"{result.status.value}: {result.reason or 'not graded yet'}")})
    for element, counted in (("tests", "tests"), ("failures", "failures"), ("errors", "errors")):
        root.set(element, str(sum(int(suite.get(counted, "0")) for suite in root)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
