"""The take-home bundle: what a candidate gets from `opsdrill export`, and how `check` and `submit`
find their exercise in it without the content pack.

    README.md      how to set up, self-check and submit
    BRIEF.md       the brief
    project/       the starter: the candidate's work goes here
    .opsdrill/     what the self-check needs, laid out as a content pack of one public exercise:
                   bundle.json, exercises/<id>/{exercise.yaml without its params, image/,
                   grader-requirements.txt, checks/, starter/}

Never a hidden check, the solution, a variant, the rubric or a grader parameter.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from harness import __version__
from harness.content import PUBLIC_CHECKS_DIR
from harness.errors import BadInputError
from harness.exercise import Exercise, PublicExercise, load_public
from harness.runtime import GRADER_REQUIREMENTS

KIT_DIR = ".opsdrill"
BUNDLE_FILE = "bundle.json"
PROJECT_DIR = "project"
#: The exercise's public files, copied as they are (the spec is written without its params).
PUBLIC_PARTS = ("image", GRADER_REQUIREMENTS, PUBLIC_CHECKS_DIR, "starter")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


class BundleInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: int = 1
    exercise: str
    exercise_version: str
    kit_version: str
    exported_at: str


@dataclass(frozen=True)
class Bundle:
    root: Path
    info: BundleInfo

    @property
    def project(self) -> Path:
        return self.root / PROJECT_DIR

    def exercise(self) -> PublicExercise:
        return load_public(self.info.exercise, self.root / KIT_DIR)


def find_bundle(start: Path) -> Bundle | None:
    """The bundle `start` is in (its root or any folder below), or None."""
    for folder in [start.resolve(), *start.resolve().parents]:
        marker = folder / KIT_DIR / BUNDLE_FILE
        if marker.is_file():
            try:
                return Bundle(folder, BundleInfo.model_validate_json(marker.read_bytes()))
            except ValidationError:
                raise BadInputError(f"{marker} is damaged; export the bundle again.") from None
    return None


def _readme(exercise: Exercise) -> str:
    spec = exercise.spec
    return f"""# {spec.title}: take-home

About {spec.minutes} minutes. Read `BRIEF.md` first. Your work goes in `project/`, which holds the
system as it is today.

## Set up once

- Python 3.11 or newer, then the opsdrill engine:
  `python -m venv .venv && . .venv/bin/activate && pip install opsdrill=={__version__}`
  (or the wheel you were sent).
- The first `opsdrill check` makes an environment with the exercise's packages (listed in
  `.opsdrill/exercises/{spec.id}/image/requirements.txt`); it needs the package index once, then
  works offline.
- Docker is optional: with an engine running, the checks that need an image run too.

## Check your work

    opsdrill check

from this folder or from `project/`. It runs the public self-checks and prints a hint for each
one that fails. They are a subset of the grading, not your score: passing them all does not mean
full marks, and a failing one points at a real loss.

## Submit

    opsdrill submit --out submission.zip

packs `project/` with a manifest of what it packed. It leaves out virtual environments, caches,
notebook checkpoints, model outputs and files over 20 MiB, and lists what it left out. Send
`submission.zip` back the way you were asked to; edits after packing show up at grading.
"""


def _public_spec(exercise: Exercise) -> str:
    raw: dict[str, Any] = yaml.safe_load(exercise.paths.spec_file.read_text(encoding="utf-8"))
    raw.pop("params", None)
    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)


def _write(exercise: Exercise, folder: Path) -> None:
    shutil.copy2(exercise.paths.brief, folder / "BRIEF.md")
    (folder / "README.md").write_text(_readme(exercise), encoding="utf-8")
    shutil.copytree(exercise.paths.starter, folder / PROJECT_DIR, ignore=IGNORED)
    kit = folder / KIT_DIR / "exercises" / exercise.id
    kit.mkdir(parents=True)
    (kit / "exercise.yaml").write_text(_public_spec(exercise), encoding="utf-8")
    for part in PUBLIC_PARTS:
        source = exercise.paths.exercise_dir / part
        if source.is_dir():
            shutil.copytree(source, kit / part, ignore=IGNORED)
        elif source.is_file():
            shutil.copy2(source, kit / part)
    info = BundleInfo(
        exercise=exercise.id,
        exercise_version=exercise.spec.version,
        kit_version=__version__,
        exported_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    (folder / KIT_DIR / BUNDLE_FILE).write_text(info.model_dump_json(indent=2) + "\n", encoding="utf-8")


def _zip(folder: Path, archive_path: Path, top: str) -> None:
    """`folder` as a .zip whose one top folder is `top`."""
    with zipfile.ZipFile(archive_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, Path(top) / path.relative_to(folder))


def export_bundle(exercise: Exercise, out: Path, *, as_zip: bool = False) -> Path:
    """Write the candidate's bundle at `out` (a folder, or with `as_zip` a .zip); nothing is left
    half-written, and an existing `out` is never overwritten."""
    if as_zip and out.suffix != ".zip":
        out = out.with_name(out.name + ".zip")
    if out.exists():
        raise BadInputError(f"{out} already exists; choose a new path for the bundle.")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".opsdrill-export-", dir=out.parent))
    try:
        folder = staging / "bundle"
        folder.mkdir()
        _write(exercise, folder)
        if as_zip:
            _zip(folder, staging / "bundle.zip", out.stem)
            (staging / "bundle.zip").replace(out)
        else:
            folder.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def locate(path: Path, exercise_id: str | None) -> tuple[PublicExercise, Path]:
    """The exercise a project is for, and the project's folder: from the bundle `path` lies in (its
    root stands for its project/), else `exercise_id` from the content pack."""
    bundle = find_bundle(path)
    if bundle is None:
        if not exercise_id:
            raise BadInputError(f"{path} is not in a take-home bundle; name the exercise with --exercise ID.")
        return load_public(exercise_id), path
    if exercise_id and exercise_id != bundle.info.exercise:
        raise BadInputError(f"{path} is in a bundle of {bundle.info.exercise}, not {exercise_id}.")
    return bundle.exercise(), bundle.project if path.resolve() == bundle.root else path
