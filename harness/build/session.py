"""One grading's backend session: prepared before the checks, cleaned up after, whatever happens."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from harness.build.image import exercise_image
from harness.exercise import Exercise
from harness.sandbox import engine
from harness.sandbox.base import BackendOptions
from harness.sandbox.docker import DockerBackend


@contextmanager
def backend_session(exercise: Exercise, backend: str) -> Iterator[BackendOptions]:
    """Build what the backend needs (the exercise image for docker) and remove all the grading
    created on the engine afterwards, also after a failure or Ctrl-C."""
    session = secrets.token_hex(6)
    if backend != DockerBackend.name:
        yield BackendOptions(session=session)
        return
    options = BackendOptions(session=session, image=exercise_image(exercise.id, exercise.paths.image_dir))
    try:
        yield options
    finally:
        engine.remove(engine.selector(session=session))
