"""The `grading` fixture's object: what a grader test may use during one grading."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from harness.check.observed import ObservedSandbox
from harness.check.protocol import CheckContext
from harness.kitcode import import_kit_file
from harness.model.checks import CheckOutcome, CheckResults
from harness.model.flags import Flag, FlagKind
from harness.sandbox import get_backend
from harness.sandbox.base import Sandbox, workspace_path

MAX_STATIC_READ = 1024 * 1024


class Grading:
    """What a grader test may use: the exercise's parameters and fresh sandboxes."""

    def __init__(self, context: CheckContext, journal: CheckResults) -> None:
        self.context = context
        self.journal = journal
        self.current_check = "setup"
        #: Checks not run because of their prerequisites, with the outcome they get instead.
        self.held_back: dict[str, CheckOutcome] = {}
        #: Each check's outcome per case (one case, "", unless the check is parametrized).
        self.cases: dict[str, dict[str, CheckOutcome]] = {}
        #: Failures of the kit's own machinery under checks: the message, and the checks it stopped.
        self.infrastructure: dict[str, list[str]] = {}
        self._open: list[Sandbox] = []

    @property
    def params(self) -> dict[str, Any]:
        return self.context.params

    @property
    def exercise_dir(self) -> Path:
        return self.context.exercise_dir

    def sandbox(self, label: str, *, of: Literal["submission", "starter"] = "submission") -> Sandbox:
        """A fresh copy of the submission (or of the exercise's starter, a baseline measured in the same
        run) in a new sandbox; closed when the session ends."""
        backend = get_backend(self.context.backend, self.context.backend_options)
        source = self.context.submission_dir if of == "submission" else self.context.exercise_dir / "starter"
        inner = backend.create(str(source), limits=self.context.limits, label=label)
        sandbox = ObservedSandbox(inner, self.journal, lambda: self.current_check)
        self._open.append(sandbox)
        return sandbox

    def kit_module(self, relative: str) -> ModuleType:
        """A Python file of the kit's own copy of the exercise (e.g. "starter/datagen.py"), imported
        into the trusted process: never the submission's copy, which may have been edited."""
        path = self.exercise_dir / workspace_path(relative)
        return import_kit_file(path, f"kit_{self.context.exercise_id}_{path.stem}".replace("-", "_"))

    def submission_file(self, path: str, max_bytes: int = MAX_STATIC_READ) -> bytes | None:
        """Bytes of a file in the pristine submission, read as data (never run); None if absent."""
        root = self.context.submission_dir.resolve()
        target = (root / workspace_path(path)).resolve()
        if not target.is_relative_to(root) or not target.is_file() or target.stat().st_size > max_bytes:
            return None
        return target.read_bytes()

    def submission_glob(self, pattern: str) -> list[str]:
        """Relative paths of the pristine submission's regular files matching `pattern`."""
        root = self.context.submission_dir
        return sorted(p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file() and not p.is_symlink())

    def flag(self, kind: FlagKind, detail: str) -> None:
        self.journal.flags.append(Flag(kind=kind, detail=detail))

    def close(self) -> None:
        while self._open:
            self._open.pop().close()
