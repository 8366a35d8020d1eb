"""One grading's backend session: prepared before the checks, cleaned up after, whatever happens."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness import engine
from harness.build.candidate import build_candidate_image
from harness.build.image import exercise_image
from harness.exercise import PublicExercise
from harness.model.execution import BackendOptions
from harness.sandbox.docker import DockerBackend


@contextmanager
def backend_session(exercise: PublicExercise, backend: str, submission: Path | None = None) -> Iterator[BackendOptions]:
    """Build what the backend needs (the exercise image for docker, and the candidate's image from
    `submission` where the exercise builds one) and remove all the grading created on the engine
    afterwards, also after a failure or Ctrl-C."""
    session = secrets.token_hex(6)
    if backend != DockerBackend.name:
        yield BackendOptions(session=session)
        return
    # What gradings killed outright (or cut off from the engine) left behind goes first.
    engine.reap()
    options = BackendOptions(session=session, image=exercise_image(exercise.id, exercise.paths.image_dir))
    spec = exercise.spec.candidate_image
    try:
        if spec is not None and submission is not None:
            build = build_candidate_image(exercise.id, submission, spec, exercise.paths.image_dir, session)
            options = options.model_copy(update={"candidate": build})
        yield options
    finally:
        engine.remove(engine.selector(session=session))
