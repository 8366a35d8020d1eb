"""`opsdrill validate`: the kit's core promise, checked. The reference solution scores 100%, the
starter at most its ceiling, and every variant inside its declared range. On a backend that cannot run
some of an exercise's checks (skipped, with the reason), the solution must pass all that did run and
every submission must grade without errors; the ranges hold for the authoritative backend."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from harness.exercise import Exercise, Variant
from harness.grade import grade
from harness.model.flags import INCOMPLETE_FLAGS
from harness.model.scorecard import Scorecard
from harness.report import jsonfile
from harness.variants import materialized


@dataclass(frozen=True)
class Row:
    name: str
    expected: str
    scorecard: Scorecard
    ok: bool

    @property
    def percent(self) -> float:
        return self.scorecard.total.percent or 0.0


@dataclass
class ValidationReport:
    exercise: str
    backend: str
    rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def summary(self) -> dict[str, object]:
        """Machine-readable outcome: per submission, the expectation, the score and the verdict."""
        return {
            "exercise": self.exercise,
            "backend": self.backend,
            "ok": self.ok,
            "rows": [
                {
                    "name": r.name,
                    "expected": r.expected,
                    "percent": r.percent,
                    "ok": r.ok,
                    "complete": r.scorecard.complete,
                    "ungraded_points": r.scorecard.ungraded_points,
                    "flags": len(r.scorecard.flags),
                    "not_counted": {c.id: c.detail for c in r.scorecard.checks if not c.counted},
                }
                for r in self.rows
            ],
        }


def _graded(exercise: Exercise, folder: Path, backend: str) -> Scorecard:
    card = grade(exercise, folder, backend)
    jsonfile.to_document(card)  # every scorecard the kit produces must meet its schema
    return card


def _partial(exercise: Exercise, card: Scorecard) -> bool:
    """Some checks could not run on this backend (the exercise's authoritative backend runs them)."""
    return card.ungraded_points > 0 and card.backend != exercise.spec.authoritative_backend


def _ran_cleanly(card: Scorecard) -> bool:
    """No check errored, and the check process neither died nor ran out of time."""
    return all(c.status != "error" for c in card.checks) and not any(f.kind in INCOMPLETE_FLAGS for f in card.flags)


def _variant_row(exercise: Exercise, variant: Variant, backend: str) -> Row:
    expect = variant.spec.expect
    with materialized(exercise, variant) as folder:
        card = _graded(exercise, folder, backend)
    name = f"variant {variant.name}"
    if _partial(exercise, card):
        # Ranges are declared for the full scorecard; a partial one must only have run cleanly.
        return Row(name, f"partial (range is for {exercise.spec.authoritative_backend})", card, _ran_cleanly(card))
    return Row(name, f"{expect.min_percent:g}-{expect.max_percent:g}%", card, expect.holds(card.total.percent or 0.0))


def _call(task: Callable[[], Row]) -> Row:
    return task()


def validate_exercise(exercise: Exercise, backend: str, jobs: int = 2) -> ValidationReport:
    ceiling = exercise.spec.starter_max_percent

    def solution() -> Row:
        card = _graded(exercise, exercise.paths.solution, backend)
        if _partial(exercise, card):
            return Row("solution", "100% of what runs here", card, card.total.percent == 100 and _ran_cleanly(card))
        return Row("solution", "100%", card, card.total.percent == 100)

    def starter() -> Row:
        card = _graded(exercise, exercise.paths.starter, backend)
        return Row("starter", f"<= {ceiling:g}%", card, (card.total.percent or 0.0) <= ceiling)

    tasks: list[Callable[[], Row]] = [solution, starter]
    tasks += [partial(_variant_row, exercise, variant, backend) for variant in exercise.variants()]
    with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        rows = list(pool.map(_call, tasks))
    return ValidationReport(exercise.id, backend, rows)
