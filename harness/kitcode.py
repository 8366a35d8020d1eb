"""Importing a Python file of the kit's own content (never a submission's) under a name of its own."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from harness.errors import ContentError


def import_kit_file(path: Path, name: str) -> ModuleType:
    """`path` imported as module `name`, registered in sys.modules (dataclasses and pydantic resolve
    a module's annotations through it); ContentError when it is not an importable Python file."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ContentError(f"{path} is not a Python file of the kit; restore it.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
