"""A loaded, cross-checked exercise: its spec, rubric and known variants."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.content import ExercisePaths, exercise_paths
from harness.errors import ContentError
from harness.spec.exercise import ExerciseSpec, VariantSpec, load_exercise, load_variant
from harness.spec.rubric import Rubric, load_rubric

VARIANT_FILE = "variant.yaml"
VARIANT_OVERLAY = "files"


@dataclass(frozen=True)
class Variant:
    name: str
    dir: Path
    spec: VariantSpec

    @property
    def overlay(self) -> Path:
        return self.dir / VARIANT_OVERLAY


@dataclass(frozen=True)
class Exercise:
    paths: ExercisePaths
    spec: ExerciseSpec
    rubric: Rubric

    @property
    def id(self) -> str:
        return self.spec.id

    def variants(self) -> list[Variant]:
        root = self.paths.variants_dir
        if not root.is_dir():
            return []
        return [
            Variant(d.name, d, load_variant(d / VARIANT_FILE))
            for d in sorted(root.iterdir())
            if (d / VARIANT_FILE).is_file()
        ]


def load(exercise_id: str, root: Path | None = None) -> Exercise:
    """Load an exercise and validate everything it is made of; ContentError on the first problem."""
    paths = exercise_paths(exercise_id, root)
    spec = load_exercise(paths.spec_file)
    for required in (paths.starter, paths.solution, paths.graders_dir, paths.rubric_file, paths.brief):
        if not required.exists():
            raise ContentError(f"{required} is missing; every exercise needs it (see README, Authoring).")
    rubric = load_rubric(paths.rubric_file, spec.id, paths.graders_dir)
    return Exercise(paths, spec, rubric)
