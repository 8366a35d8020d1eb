"""`opsdrill new`: scaffold a small, working exercise to author from.

`template/` mirrors a content root (exercises/, graders/, rubrics/). Every file in it ends in
`.tmpl` (so the kit's linters, type checker and test collection leave it alone), `__id__` in a path
becomes the exercise id, and `${id}`, `${title}` and `${title_yaml}` in a file become the id and
its title (`$$` is a literal dollar). Nothing that exists is ever overwritten.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from harness.content import CONTENT_ENV, ExercisePaths, content_root
from harness.errors import BadInputError, ContentError
from harness.spec.exercise import ExerciseSpec

TEMPLATE_DIR = Path(__file__).resolve().parent / "template"
SUFFIX = ".tmpl"
ID_PLACEHOLDER = "__id__"
CONTENT_DIRS = ("exercises", "graders", "rubrics")


@dataclass(frozen=True)
class Scaffold:
    """What `create_exercise` made: the exercise's files under `root`."""

    paths: ExercisePaths

    @property
    def root(self) -> Path:
        return self.paths.root

    @property
    def created(self) -> tuple[Path, Path, Path]:
        return _pieces(self.paths)


def _pieces(paths: ExercisePaths) -> tuple[Path, Path, Path]:
    """What an exercise is made of in a content root: its folder, its graders, its rubric."""
    return paths.exercise_dir, paths.graders_dir, paths.rubric_file


@cache
def id_pattern() -> re.Pattern[str]:
    """The id pattern of `exercise.yaml`'s schema, read from the schema so the two never disagree."""
    pattern: str = ExerciseSpec.model_json_schema()["properties"]["id"]["pattern"]
    return re.compile(pattern)


def default_title(exercise_id: str) -> str:
    return exercise_id.replace("-", " ").capitalize()


def _target_root(into: Path | None) -> Path:
    """`into`, else `$OPSDRILL_CONTENT_ROOT`, else the clone opsdrill runs from."""
    if into is not None:
        return into.resolve()
    override = os.environ.get(CONTENT_ENV)
    if override:
        return Path(override).resolve()
    try:
        return content_root()
    except ContentError:
        raise BadInputError("There is no content folder here; pass --into a content folder of your own.") from None


def _render(template_dir: Path, staged: Path, exercise_id: str, values: dict[str, str]) -> None:
    for source in sorted(template_dir.rglob(f"*{SUFFIX}")):
        relative = Path(*(part.replace(ID_PLACEHOLDER, exercise_id) for part in source.relative_to(template_dir).parts))
        target = staged / relative.with_name(relative.name.removesuffix(SUFFIX))
        target.parent.mkdir(parents=True, exist_ok=True)
        text = Template(source.read_text(encoding="utf-8")).substitute(values)
        target.write_text(text, encoding="utf-8")


def create_exercise(exercise_id: str, into: Path | None = None) -> Scaffold:
    """Write a new exercise `exercise_id` (exercise, graders, rubric) into a content root.

    BadInputError when the id is not a valid exercise id, when any part of the exercise already
    exists there, or when the folder cannot be written; then nothing is left behind.
    """
    if not id_pattern().fullmatch(exercise_id):
        raise BadInputError(
            f"'{exercise_id}' is not a valid exercise id; use lower-case letters, digits and hyphens, "
            "starting with a letter (e.g. stale-features)."
        )
    root = _target_root(into)
    paths = ExercisePaths(exercise_id, root)
    taken = [path for path in _pieces(paths) if os.path.lexists(path)]
    if taken:
        raise BadInputError(
            f"Exercise '{exercise_id}' already exists ({taken[0]}); choose another id (nothing was changed)."
        )
    title = default_title(exercise_id)
    values = {"id": exercise_id, "title": title, "title_yaml": json.dumps(title)}
    moved: list[Path] = []
    try:
        for folder in CONTENT_DIRS:
            (root / folder).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".opsdrill-new-", dir=root) as tmp:
            staged = ExercisePaths(exercise_id, Path(tmp))
            _render(TEMPLATE_DIR, staged.root, exercise_id, values)
            for source, target in zip(_pieces(staged), _pieces(paths), strict=True):
                source.rename(target)
                moved.append(target)
    except OSError as exc:
        for target in moved:
            if target.is_dir():
                shutil.rmtree(target, ignore_errors=True)
            else:
                target.unlink(missing_ok=True)
        raise BadInputError(f"Could not write the exercise into {root} ({exc}); choose a writable --into.") from exc
    return Scaffold(paths)
