"""Shared by the adversarial suites: a content copy with edited limits, the starter's score, and
the kit's temp folders."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from conftest import REPO

from harness import exercise as exercise_mod
from harness.content import CONTENT_ENV
from harness.exercise import Exercise
from harness.grade import grade


@contextmanager
def edited_copy(root: Path, exercise_id: str, edit: Callable[[dict[str, Any]], None]) -> Iterator[Exercise]:
    """A copy of a bundled exercise under `root` whose exercise.yaml `edit` changed (shorter limits,
    replays), active as the content root while the context lasts."""
    for part in ("exercises", "graders"):
        shutil.copytree(REPO / part / exercise_id, root / part / exercise_id)
    (root / "rubrics").mkdir()
    shutil.copy(REPO / "rubrics" / f"{exercise_id}.yaml", root / "rubrics")
    spec_file = root / "exercises" / exercise_id / "exercise.yaml"
    spec = yaml.safe_load(spec_file.read_text())
    edit(spec)
    spec_file.write_text(yaml.safe_dump(spec))
    previous = os.environ.get(CONTENT_ENV)
    os.environ[CONTENT_ENV] = str(root)
    try:
        yield exercise_mod.load(exercise_id)
    finally:
        if previous is None:
            del os.environ[CONTENT_ENV]
        else:
            os.environ[CONTENT_ENV] = previous


_starter_points: dict[tuple[str, str], float] = {}


def starter_points(exercise: Exercise, backend: str) -> float:
    """What the exercise's own starter scores on `backend` (graded once per session)."""
    key = (str(exercise.paths.exercise_dir), backend)
    if key not in _starter_points:
        _starter_points[key] = grade(exercise, exercise.paths.starter, backend).total.points
    return _starter_points[key]


def beats_starter(points: float, exercise: Exercise, backend: str) -> bool:
    """Whether `points` are more than the exercise's own starter scores on `backend`. No grading
    scores below 0, so 0 points never are: the starter is graded only for a card that scored some."""
    return points > 0 and points > starter_points(exercise, backend)


def kit_temp_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("opsdrill-*")}
