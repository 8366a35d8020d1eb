"""`opsdrill check`: a candidate runs the exercise's public checks on their own project."""

from __future__ import annotations

from pathlib import Path

from harness.build.session import backend_session
from harness.check.runner import run_suite
from harness.errors import ContentError
from harness.exercise import PublicExercise
from harness.model.checks import CheckOutcome
from harness.unpack import unpacked


def run_public_checks(exercise: PublicExercise, project: Path, backend: str) -> dict[str, CheckOutcome]:
    """The public checks' outcomes. They get no grader params, wherever they run: a candidate's
    bundle has none, and a check that behaved otherwise there would mislead."""
    exercise = PublicExercise(exercise.paths, exercise.spec.model_copy(update={"params": {}}))
    suite = exercise.paths.public_checks
    if not any(suite.glob("test_*.py")):
        raise ContentError(f"{exercise.id} has no public checks in {suite}; ask the exercise author.")
    with unpacked(project) as submission, backend_session(exercise, backend, submission.path) as options:
        run = run_suite(exercise, submission, backend, options, suite)
    return dict(sorted(run.results.outcomes.items()))
