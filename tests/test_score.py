"""Scoring: points per check, totals per criterion (all five), maturity level."""

from __future__ import annotations

from harness import score
from harness.model.checks import CheckOutcome, CheckResults
from harness.model.flags import Flag, FlagKind
from harness.spec.rubric import Rubric

RUBRIC = Rubric.model_validate(
    {
        "exercise": "demo",
        "checks": [
            {"id": c, "criterion": k, "points": p, "title": c, "feedback": {"passed": "yes", "failed": "no"}}
            for c, k, p in [("a", "deployment", 5), ("b", "ci_cd", 10), ("c", "ci_cd", 5), ("d", "iac", 2.5)]
        ],
        "maturity": {2: ["a"], 3: ["b", "c"], 5: ["d"]},
    }
)


GATED = Rubric.model_validate(
    {
        "exercise": "demo",
        "checks": [
            {
                "id": c,
                "criterion": "ci_cd",
                "points": 10,
                "title": c,
                "feedback": {"passed": "yes", "failed": "no"},
                "requires": r,
            }
            for c, r in [("core", []), ("detail", ["core"]), ("deeper", ["detail"]), ("aside", [])]
        ],
        "caps": [{"unless": ["core"], "max_percent": 20, "reason": "nothing works without the core"}],
        "maturity": {2: ["aside"], 3: ["deeper"]},
    }
)


def _results(**statuses: str) -> CheckResults:
    return CheckResults(outcomes={k: CheckOutcome(status=v, detail=f"{k} detail") for k, v in statuses.items()})  # type: ignore[arg-type]


def test_points_only_for_passed_checks() -> None:
    checks = score.score_checks(RUBRIC, _results(a="passed", b="failed", c="error", d="skipped"))
    assert [(c.id, c.points, c.feedback) for c in checks] == [
        ("a", 5, "yes"),
        ("b", 0, "no"),
        ("c", 0, "no"),
        ("d", 0, "no"),
    ]
    # A skipped check (it could not run here) is left out of the total, and counted as ungraded.
    assert score.total(checks).model_dump() == {"points": 5, "max_points": 20, "percent": 25.0}
    assert score.ungraded_points(checks) == 2.5
    assert score.by_criterion(checks)["iac"].model_dump() == {"points": 0, "max_points": 0, "percent": None}


def test_criteria_cover_all_five_with_null_percent_when_untested() -> None:
    checks = score.score_checks(RUBRIC, _results(a="passed", b="passed", c="failed", d="passed"))
    criteria = score.by_criterion(checks)
    assert set(criteria) == {"deployment", "ci_cd", "monitoring", "iac", "maintenance"}
    assert criteria["ci_cd"].model_dump() == {"points": 10, "max_points": 15, "percent": 66.7}
    assert criteria["monitoring"].model_dump() == {"points": 0, "max_points": 0, "percent": None}


def test_maturity_needs_every_lower_level_and_stops_at_a_gap() -> None:
    def level(**statuses: str) -> int:
        return score.maturity_level(RUBRIC, score.score_checks(RUBRIC, _results(**statuses)))

    assert level(a="failed", b="passed", c="passed", d="passed") == 1
    assert level(a="passed", b="passed", c="failed", d="passed") == 2
    assert level(a="passed", b="passed", c="passed", d="passed") == 3  # no level 4 defined: stops


def test_completeness() -> None:
    results = _results(a="passed", b="passed", c="passed", d="passed")
    assert score.is_complete(score.score_checks(RUBRIC, results), results)
    results.flags.append(Flag(kind=FlagKind.GRADER_PROCESS_FAILED, detail="boom"))
    assert not score.is_complete(score.score_checks(RUBRIC, results), results)


def test_a_pass_counts_only_when_what_it_requires_counts() -> None:
    # `deeper` passed, but `detail` failed: it does not count, even though `core` passed.
    checks = score.score_checks(GATED, _results(core="passed", detail="failed", deeper="passed", aside="passed"))
    by_id = {c.id: c for c in checks}
    assert [c.counted for c in checks] == [True, False, False, True]
    assert by_id["deeper"].points == 0 and by_id["deeper"].status == "passed"
    assert by_id["deeper"].detail == "passed, not counted: requires detail, which did not pass"
    assert score.total(checks, score.caps(GATED, checks)).points == 20
    assert score.maturity_level(GATED, checks) == 2


def test_a_cap_holds_the_total_until_the_core_counts() -> None:
    results = _results(core="failed", detail="blocked", deeper="blocked", aside="passed")
    checks = score.score_checks(GATED, results)
    caps = score.caps(GATED, checks)
    assert [cap.applied for cap in caps] == [True]
    assert score.total(checks).percent == 25.0
    assert score.total(checks, caps).model_dump() == {"points": 8, "max_points": 40, "percent": 20.0}
    passing = score.score_checks(GATED, _results(core="passed", detail="passed", deeper="passed", aside="passed"))
    assert score.total(passing, score.caps(GATED, passing)).percent == 100


def test_a_core_check_skipped_on_this_backend_sets_no_cap() -> None:
    checks = score.score_checks(GATED, _results(core="skipped", detail="skipped", deeper="skipped", aside="passed"))
    assert [cap.applied for cap in score.caps(GATED, checks)] == [False]
    assert score.total(checks, score.caps(GATED, checks)).percent == 100
