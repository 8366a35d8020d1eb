"""Stage: scoring. Check outcomes + rubric -> points, per-criterion totals, maturity level."""

from __future__ import annotations

from harness.check.protocol import CheckResults
from harness.report.model import CheckResult, ManualResult, Score
from harness.spec.criteria import MATURITY_TITLES, Criterion
from harness.spec.rubric import Rubric

#: Flags that mean the checks could not all run, so the score is not the whole story.
INCOMPLETE_FLAGS = frozenset({"grading_timeout", "grader_process_failed"})


def score_checks(rubric: Rubric, results: CheckResults) -> list[CheckResult]:
    """Full points for a passed check, none otherwise; feedback chosen by the outcome."""
    scored = []
    for check in rubric.checks:
        outcome = results.outcomes[check.id]
        passed = outcome.status == "passed"
        scored.append(
            CheckResult(
                id=check.id,
                title=check.title,
                criterion=check.criterion.value,
                status=outcome.status,
                points=check.points if passed else 0.0,
                max_points=check.points,
                feedback=check.feedback.passed if passed else check.feedback.failed,
                detail=outcome.detail,
                duration_s=round(outcome.duration_s, 3),
            )
        )
    return scored


def _graded(checks: list[CheckResult]) -> list[CheckResult]:
    """Checks that ran: a skipped check (e.g. one that needs another backend) is not a failure."""
    return [c for c in checks if c.status != "skipped"]


def total(checks: list[CheckResult]) -> Score:
    """Points out of the points graded; `ungraded_points` says what could not be graded."""
    graded = _graded(checks)
    return Score.of(sum(c.points for c in graded), sum(c.max_points for c in graded))


def ungraded_points(checks: list[CheckResult]) -> float:
    return round(sum(c.max_points for c in checks if c.status == "skipped"), 3)


def by_criterion(checks: list[CheckResult]) -> dict[str, Score]:
    graded = _graded(checks)
    return {
        criterion.value: Score.of(
            sum(c.points for c in graded if c.criterion == criterion.value),
            sum(c.max_points for c in graded if c.criterion == criterion.value),
        )
        for criterion in Criterion
    }


def maturity_level(rubric: Rubric, checks: list[CheckResult]) -> int:
    """The highest level whose required checks, and those of every level below it, all passed."""
    passed = {c.id for c in checks if c.status == "passed"}
    level = 1
    for candidate in range(2, 6):
        required = rubric.maturity.get(candidate)
        if required is None or not set(required) <= passed:
            break
        level = candidate
    return level


def maturity_title(level: int) -> str:
    return MATURITY_TITLES[level]


def manual_items(rubric: Rubric) -> list[ManualResult]:
    """Manual items start unscored; an interviewer fills them in during a live session."""
    return [
        ManualResult(
            id=item.id,
            title=item.title,
            criterion=item.criterion.value,
            anchors={str(k): v for k, v in sorted(item.anchors.items())},
        )
        for item in rubric.manual
    ]


def is_complete(checks: list[CheckResult], results: CheckResults) -> bool:
    return all(c.status != "skipped" for c in checks) and not any(f.kind in INCOMPLETE_FLAGS for f in results.flags)
