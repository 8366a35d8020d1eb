"""Unit tests of the helpers that decide scores: no process, no container, no Docker engine.

Grader modules are plain files in graders/<exercise>/ (not packages, and the exercises share
module names such as conftest), so each is loaded under a name of its own.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

GRADERS = Path(__file__).resolve().parents[2] / "graders"

LoadGrader = Callable[[str, str], ModuleType]


def load_grader(exercise: str, name: str) -> ModuleType:
    """graders/<exercise>/<name>.py as module `graders_<exercise>_<name>`. Its sibling imports (`from
    churn import ...`) resolve in its own folder and are not left in sys.modules under their bare names,
    so another exercise's module of the same name cannot be picked up instead."""
    unique = f"graders_{exercise.replace('-', '_')}_{name}"
    if unique in sys.modules:
        return sys.modules[unique]
    folder = GRADERS / exercise
    spec = importlib.util.spec_from_file_location(unique, folder / f"{name}.py")
    assert spec is not None and spec.loader is not None, f"no grader module {exercise}/{name}.py"
    module = importlib.util.module_from_spec(spec)
    before = set(sys.modules)
    sys.path.insert(0, str(folder))
    sys.modules[unique] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[unique]
        raise
    finally:
        sys.path.remove(str(folder))
        for added in set(sys.modules) - before - {unique}:
            origin = getattr(sys.modules[added], "__file__", None)
            if origin and Path(origin).resolve().parent == folder:
                del sys.modules[added]
    return module


@pytest.fixture(scope="session")
def grader() -> LoadGrader:
    return load_grader
