"""One submission's result in Gradescope's autograder format (`results.json`).

The total is the scorecard's (after the rubric's caps), so it is given at the top and overrides
the sum of the tests. Tests carry the check's feedback, which may name hidden behaviour: they are
shown to students only once the instructor publishes the grades (`after_published`).
"""

from __future__ import annotations

import json
from typing import Any

from harness.model.scorecard import Scorecard
from harness.report import markdown
from harness.report.inert import strip_controls

VISIBILITY = "after_published"


def _text(value: object) -> str:
    return strip_controls(str(value))


def results(card: Scorecard) -> dict[str, Any]:
    tests = [
        {
            "name": _text(check.title),
            "number": str(number),
            "score": check.points,
            "max_score": check.max_points,
            "status": "passed" if check.counted else "failed",
            "output": _text(check.feedback + (f"\n\n{check.detail}" if check.detail else "")),
            "output_format": "text",
            "tags": [check.criterion],
            "visibility": VISIBILITY,
        }
        for number, check in enumerate(card.checks, start=1)
    ]
    summary = [f"{card.exercise.title}: {card.total.points:g}/{card.total.max_points:g}",
               f"maturity level {card.maturity_level} ({card.maturity_title})",
               *markdown.gating_lines(card)]  # fmt: skip
    if not card.complete:
        summary.append(f"incomplete: {markdown.state(card)}")
    return {
        "score": card.total.points,
        "execution_time": round(card.duration_s),
        "output": _text("\n".join(summary)),
        "output_format": "text",
        "visibility": VISIBILITY,
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "opsdrill": {
                "exercise": card.exercise.id,
                "version": card.exercise.version,
                "backend": card.backend,
                "percent": card.total.percent,
                "maturity_level": card.maturity_level,
                "complete": card.complete,
                "submission_sha256": card.submission.sha256,
                "criteria": {name: score.percent for name, score in card.criteria.items() if score.max_points},
                "flags": [{"kind": flag.kind.value, "detail": _text(flag.detail)} for flag in card.flags],
            }
        },
    }


def render(card: Scorecard) -> str:
    return json.dumps(results(card), indent=2) + "\n"
