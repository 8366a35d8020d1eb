"""Unit tests of the helpers that decide scores: no process, no container, no Docker engine.

Grader modules are plain files in graders/<exercise>/, or in exercises/<exercise>/checks/ for the
helpers the public checks share (not packages, and the exercises share module names such as
conftest), so each is loaded under a name of its own.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]

LoadGrader = Callable[[str, str], ModuleType]


def load_grader(exercise: str, name: str) -> ModuleType:
    """<name>.py of the exercise's graders or public checks as module `graders_<exercise>_<name>`. Its
    sibling imports (`from churn import ...`) resolve in those two folders, as in the check process,
    and are not left in sys.modules under their bare names, so another exercise's module of the same
    name cannot be picked up instead."""
    unique = f"graders_{exercise.replace('-', '_')}_{name}"
    if unique in sys.modules:
        return sys.modules[unique]
    folders = [REPO / "graders" / exercise, REPO / "exercises" / exercise / "checks"]
    found = next((folder / f"{name}.py" for folder in folders if (folder / f"{name}.py").is_file()), None)
    assert found is not None, f"no grader module {exercise}/{name}.py"
    spec = importlib.util.spec_from_file_location(unique, found)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    before = set(sys.modules)
    sys.path[:0] = [str(folder) for folder in folders]
    sys.modules[unique] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[unique]
        raise
    finally:
        for folder in folders:
            sys.path.remove(str(folder))
        for added in set(sys.modules) - before - {unique}:
            origin = getattr(sys.modules[added], "__file__", None)
            if origin and Path(origin).resolve().parent in folders:
                del sys.modules[added]
    return module


@pytest.fixture(scope="session")
def grader() -> LoadGrader:
    return load_grader
