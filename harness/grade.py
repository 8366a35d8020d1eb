"""The grading pipeline: unpack -> integrity -> build -> checks in sandboxes -> score -> scorecard."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from harness import __version__, score
from harness.build.session import backend_session
from harness.check.runner import run_checks
from harness.exercise import Exercise
from harness.integrity import inspect_submission
from harness.manifest import verify_manifest
from harness.model.flags import FlagKind
from harness.model.scorecard import ExerciseRef, Scorecard, SubmissionRef, Timings
from harness.unpack import Submission, unpacked

#: Gradings of a submission at most, while the kit's own machinery fails under a check (the last
#: one's scorecard carries the flag).
GRADINGS_ON_INFRASTRUCTURE_ERROR = 2


def grade(exercise: Exercise, source: Path, backend: str) -> Scorecard:
    """Grade one submission (folder or archive) on `backend`. Candidate failures never raise."""
    started = time.monotonic()
    with unpacked(source) as submission:
        return grade_unpacked(exercise, submission, backend, unpack_s=time.monotonic() - started)


def grade_unpacked(
    exercise: Exercise, submission: Submission, backend: str, *, unpack_s: float = 0.0,
    gradings: int = GRADINGS_ON_INFRASTRUCTURE_ERROR,
) -> Scorecard:  # fmt: skip
    """Grade a submission already unpacked (whose unpacking took `unpack_s`), up to `gradings` times
    while the kit's machinery fails under a check (a caller that retries on its own asks for one)."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic() - unpack_s
    packing = verify_manifest(submission.path, exercise.id)
    integrity = inspect_submission(submission.path, exercise.paths.starter, exercise.spec.protected)
    for attempt in range(1, gradings + 1):
        with backend_session(exercise, backend, submission.path) as options:
            build_s = time.monotonic() - started - unpack_s
            run = run_checks(exercise, submission, backend, options)
        # A check the kit's own machinery stopped says nothing of the submission: grade it afresh.
        if attempt == gradings or not any(flag.kind == FlagKind.INFRASTRUCTURE_ERROR for flag in run.results.flags):
            break
    checks = score.score_checks(exercise.rubric, run.results)
    caps = score.caps(exercise.rubric, checks)
    level = score.maturity_level(exercise.rubric, checks)
    return Scorecard(
        opsdrill_version=__version__,
        exercise=ExerciseRef(id=exercise.id, version=exercise.spec.version, title=exercise.spec.title),
        submission=SubmissionRef(source=submission.source, sha256=submission.sha256),
        backend=backend,
        complete=score.is_complete(checks, run.results),
        started_at=started_at,
        duration_s=round(time.monotonic() - started, 3),
        timings=Timings(
            unpack_s=round(unpack_s, 3),
            build_s=round(build_s, 3),
            checks_s=round(run.duration_s, 3),
            sandbox_s=round(run.results.sandbox_s, 3),
        ),
        total=score.total(checks, caps),
        ungraded_points=score.ungraded_points(checks),
        caps=caps,
        criteria=score.by_criterion(checks),
        maturity_level=level,
        maturity_title=score.maturity_title(level),
        checks=checks,
        manual=score.manual_items(exercise.rubric),
        flags=packing + integrity + run.results.flags,
    )
