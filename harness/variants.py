"""Known submissions of an exercise (starter, solution, variants) as folders to grade."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.errors import ContentError
from harness.exercise import Exercise, Variant
from harness.sandbox.base import workspace_path


@contextmanager
def materialized(exercise: Exercise, variant: Variant) -> Iterator[Path]:
    """The variant's base with its overlay laid on top and its deletions applied, in a temp folder."""
    base = exercise.paths.solution if variant.spec.base == "solution" else exercise.paths.starter
    with tempfile.TemporaryDirectory(prefix=f"opsdrill-variant-{variant.name}-") as tmp:
        folder = Path(tmp) / variant.name
        shutil.copytree(base, folder, symlinks=True)
        if variant.overlay.is_dir():
            shutil.copytree(variant.overlay, folder, symlinks=True, dirs_exist_ok=True)
        for relative in variant.spec.delete:
            target = folder / workspace_path(relative)
            if not target.exists():
                raise ContentError(
                    f"{variant.dir / 'variant.yaml'}: delete names '{relative}', which is not in the "
                    f"{variant.spec.base}; fix the path."
                )
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink()
        yield folder
