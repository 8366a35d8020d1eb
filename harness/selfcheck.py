"""`opsdrill check`: a candidate runs the exercise's public checks on their own project."""

from __future__ import annotations

from pathlib import Path

from harness.build.session import backend_session
from harness.check.runner import run_suite
from harness.errors import ContentError
from harness.exercise import Exercise
from harness.model.checks import CheckOutcome
from harness.unpack import unpacked

PUBLIC_DIR = "public"


def run_public_checks(exercise: Exercise, project: Path, backend: str) -> dict[str, CheckOutcome]:
    suite = exercise.paths.graders_dir / PUBLIC_DIR
    if not any(suite.glob("test_*.py")):
        raise ContentError(f"{exercise.id} has no public checks in {suite}; ask the exercise author.")
    with unpacked(project) as submission, backend_session(exercise, backend, submission.path) as options:
        run = run_suite(exercise, submission, backend, options, suite)
    return dict(sorted(run.results.outcomes.items()))
