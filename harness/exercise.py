"""A loaded, cross-checked exercise: its spec, rubric and known variants; and the public part of one
(the spec without its params, the image, the public checks) that a candidate's bundle carries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from harness.content import ExercisePaths, exercise_paths
from harness.errors import ContentError
from harness.kitcode import import_kit_file
from harness.model.params import ExerciseParams
from harness.spec import yamlfile
from harness.spec.exercise import ExerciseSpec, VariantSpec, load_exercise, load_variant
from harness.spec.rubric import Rubric, load_rubric

VARIANT_FILE = "variant.yaml"
#: The graders' declaration of exercise.yaml's params: `class Params(ExerciseParams)`.
PARAMS_MODULE = "params.py"
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
class PublicExercise:
    """What running an exercise's checks needs: its spec, image and runtime (`paths.exercise_dir`)
    and the public checks' folder (`paths.public_checks`)."""

    paths: ExercisePaths
    spec: ExerciseSpec

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class Exercise(PublicExercise):
    """The whole exercise, as the content pack holds it: hidden checks, rubric, solution, variants."""

    rubric: Rubric

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
    _check_params(paths, spec)
    return Exercise(paths, spec, rubric)


def load_public(exercise_id: str, root: Path | None = None) -> PublicExercise:
    """An exercise's spec and folders, without loading or checking its hidden parts (which a
    candidate's bundle does not have)."""
    paths = exercise_paths(exercise_id, root)
    return PublicExercise(paths, load_exercise(paths.spec_file))


def _params_model(module_file: Path) -> type[ExerciseParams]:
    """The `Params` class of a graders' params.py (kit content: imported, never a submission's)."""
    module = import_kit_file(module_file, f"opsdrill_params_{module_file.parent.name}".replace("-", "_"))
    model = getattr(module, "Params", None)
    if not (isinstance(model, type) and issubclass(model, ExerciseParams)):
        raise ContentError(f"{module_file} must define `class Params(ExerciseParams)` (from harness.grading).")
    return model


def _check_params(paths: ExercisePaths, spec: ExerciseSpec) -> None:
    """exercise.yaml's params against the graders' Params, when the graders declare them."""
    module_file = paths.graders_dir / PARAMS_MODULE
    if not module_file.is_file():
        return
    try:
        _params_model(module_file).model_validate(spec.params)
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key also reports the real key as missing; the misspelling is the news.
        error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        _, root = yamlfile.parse(paths.spec_file)
        located = {**error, "loc": ("params", *error["loc"])}
        raise ContentError(yamlfile.describe(paths.spec_file, root, located)) from exc
