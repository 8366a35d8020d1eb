"""Where the kit's content pack (exercises, graders, rubrics) lives: the folder named by
$OPSDRILL_CONTENT_ROOT, or a clone of the repository. The engine's wheel carries none of it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from harness.errors import ContentError, UnknownExerciseError

PACKAGE_DIR = Path(__file__).resolve().parent
#: Point this at a folder with exercises/, graders/ and rubrics/ to author exercises outside the kit.
CONTENT_ENV = "OPSDRILL_CONTENT_ROOT"
#: An exercise's folder of public self-checks and the helper modules they share with the hidden checks.
PUBLIC_CHECKS_DIR = "checks"


def content_root() -> Path:
    """The folder holding `exercises/`, `graders/` and `rubrics/`.

    `$OPSDRILL_CONTENT_ROOT` when set; else, in a clone or an editable install, the folder beside
    the `harness` package.
    """
    override = os.environ.get(CONTENT_ENV)
    if override:
        root = Path(override).resolve()
        if not (root / "exercises").is_dir():
            raise ContentError(f"{CONTENT_ENV}={override} has no exercises/ folder; point it at a content root.")
        return root
    return _bundled_root()


@cache
def _bundled_root() -> Path:
    candidate = PACKAGE_DIR.parent
    if (candidate / "exercises").is_dir() and (candidate / "rubrics").is_dir():
        return candidate
    raise ContentError(
        f"No exercises here: the installed engine carries none; set {CONTENT_ENV} to a content pack "
        "(a folder with exercises/, graders/ and rubrics/, such as a clone of the kit)."
    )


@dataclass(frozen=True)
class ExercisePaths:
    """The files that make up one exercise."""

    id: str
    root: Path

    @property
    def exercise_dir(self) -> Path:
        return self.root / "exercises" / self.id

    @property
    def spec_file(self) -> Path:
        return self.exercise_dir / "exercise.yaml"

    @property
    def starter(self) -> Path:
        return self.exercise_dir / "starter"

    @property
    def solution(self) -> Path:
        return self.exercise_dir / "solution"

    @property
    def variants_dir(self) -> Path:
        return self.exercise_dir / "variants"

    @property
    def brief(self) -> Path:
        return self.exercise_dir / "BRIEF.md"

    @property
    def image_dir(self) -> Path:
        return self.exercise_dir / "image"

    @property
    def graders_dir(self) -> Path:
        return self.root / "graders" / self.id

    @property
    def public_checks(self) -> Path:
        """The public self-checks and the helper modules they share with the hidden checks: exercise
        content a candidate may hold (the check process finds these modules beside the graders')."""
        return self.exercise_dir / PUBLIC_CHECKS_DIR

    @property
    def rubric_file(self) -> Path:
        return self.root / "rubrics" / f"{self.id}.yaml"


def exercise_ids(root: Path | None = None) -> list[str]:
    base = (root or content_root()) / "exercises"
    return sorted(p.name for p in base.iterdir() if (p / "exercise.yaml").is_file())


def exercise_paths(exercise_id: str, root: Path | None = None) -> ExercisePaths:
    root = root or content_root()
    known = exercise_ids(root)
    if exercise_id not in known:
        raise UnknownExerciseError(
            f"There is no exercise '{exercise_id}'; choose one of: {', '.join(known)} (see `opsdrill list`)."
        )
    return ExercisePaths(exercise_id, root)
