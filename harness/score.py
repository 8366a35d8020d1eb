"""Stage: scoring. Check outcomes + rubric -> points, per-criterion totals, maturity level."""

from __future__ import annotations

from collections.abc import Sequence

from harness.model.checks import CheckResults
from harness.model.criteria import MATURITY_TITLES, Criterion
from harness.model.flags import INCOMPLETE_FLAGS
from harness.model.scorecard import CapResult, CheckResult, ManualResult, Score
from harness.spec.rubric import Rubric, prerequisite_order

#: Flags that mean the checks could not all run, so the score is not the whole story.


def counted_checks(rubric: Rubric, results: CheckResults) -> set[str]:
    """Checks whose points count: passed, and every check they require counts too."""
    counted: set[str] = set()
    for check_id in prerequisite_order([c.id for c in rubric.checks], rubric.requires):
        required = rubric.check(check_id).requires
        if results.outcomes[check_id].status == "passed" and all(r in counted for r in required):
            counted.add(check_id)
    return counted


def score_checks(rubric: Rubric, results: CheckResults) -> list[CheckResult]:
    """Full points for a check that passed and counts, none otherwise; feedback chosen by the outcome."""
    counted = counted_checks(rubric, results)
    scored = []
    for check in rubric.checks:
        outcome = results.outcomes[check.id]
        passed = outcome.status == "passed"
        detail = outcome.detail
        if passed and check.id not in counted:
            missing = [r for r in check.requires if r not in counted]
            detail = f"passed, not counted: requires {', '.join(missing)}, which did not pass"
        scored.append(
            CheckResult(
                id=check.id,
                title=check.title,
                criterion=check.criterion.value,
                status=outcome.status,
                points=check.points if check.id in counted else 0.0,
                max_points=check.points,
                counted=check.id in counted,
                requires=list(check.requires),
                feedback=check.feedback.passed if passed else check.feedback.failed,
                detail=detail,
                duration_s=round(outcome.duration_s, 3),
            )
        )
    return scored


def caps(rubric: Rubric, checks: list[CheckResult]) -> list[CapResult]:
    """Each rubric cap, and whether it applies: one of its core checks ran and does not count.
    (A core check skipped on this backend was not graded, so it cannot set a cap.)"""
    by_id = {c.id: c for c in checks}
    results = []
    for cap in rubric.caps:
        missing = [i for i in cap.unless if by_id[i].status != "skipped" and not by_id[i].counted]
        results.append(
            CapResult(unless=list(cap.unless), max_percent=cap.max_percent, reason=cap.reason, applied=bool(missing))
        )
    return results


def _graded(checks: list[CheckResult]) -> list[CheckResult]:
    """Checks that ran: a skipped check (e.g. one that needs another backend) is not a failure."""
    return [c for c in checks if c.status != "skipped"]


def total(checks: list[CheckResult], rubric_caps: Sequence[CapResult] = ()) -> Score:
    """Points out of the points graded, held to the lowest cap that applies; `ungraded_points`
    says what could not be graded."""
    graded = _graded(checks)
    points, max_points = sum(c.points for c in graded), sum(c.max_points for c in graded)
    for cap in rubric_caps:
        if cap.applied:
            points = min(points, max_points * cap.max_percent / 100)
    return Score.of(points, max_points)


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
    """The highest level whose required checks, and those of every level below it, all passed and count."""
    passed = {c.id for c in checks if c.counted}
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


def live_percents(
    total: Score, rubric: Rubric, released: Sequence[str], manual: dict[str, int]
) -> tuple[float, float, float, float]:
    """A live session's hint cost (points), automatic percent (the checks' total less the released
    hints' cost, never below 0), manual percent (the items' scores over 3 each) and final percent
    (the two weighed by the rubric's manual_weight_percent). Every manual item must be scored."""
    costs = {hint.id: hint.cost for hint in rubric.hints}
    hint_cost = sum(costs[hint_id] for hint_id in released)
    automatic = 100 * max(total.points - hint_cost, 0.0) / total.max_points if total.max_points else 0.0
    items = [item.id for item in rubric.manual]
    manual_percent = 100 * sum(manual[i] for i in items) / (3 * len(items)) if items else 0.0
    weight = rubric.manual_weight_percent / 100
    final = automatic * (1 - weight) + manual_percent * weight
    return round(hint_cost, 3), round(automatic, 1), round(manual_percent, 1), round(final, 1)
