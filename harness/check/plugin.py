"""The harness's own pytest plugin, loaded into the check process with `-p harness.check.plugin`.

It gives grader tests the `grading` fixture (context, fresh sandboxes of the submission) and
writes each check's outcome to the results file the harness named. Results travel only through
that file, never through anything the candidate could print.
"""

from __future__ import annotations

import importlib.util
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, Literal

import pytest

from harness.check.observed import ObservedSandbox
from harness.check.protocol import CONTEXT_ENV, CheckContext, CheckOutcome, CheckResults, Flag, Status
from harness.fsutil import write_atomic
from harness.sandbox import get_backend
from harness.sandbox.base import Sandbox, workspace_path
from harness.spec.rubric import TEST_PREFIX, prerequisite_order

MAX_DETAIL = 600
MAX_STATIC_READ = 1024 * 1024
UNFINISHED = "the check did not finish"


class Grading:
    """What a grader test may use: the exercise's parameters and fresh sandboxes."""

    def __init__(self, context: CheckContext, journal: CheckResults) -> None:
        self.context = context
        self.journal = journal
        self.current_check = "setup"
        #: Checks not run because of their prerequisites, with the outcome they get instead.
        self.held_back: dict[str, CheckOutcome] = {}
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
        name = f"kit_{self.context.exercise_id}_{path.stem}".replace("-", "_")
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise FileNotFoundError(f"{path} is not a Python file of the kit")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

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

    def flag(self, kind: str, detail: str) -> None:
        self.journal.flags.append(Flag(kind=kind, detail=detail))

    def close(self) -> None:
        while self._open:
            self._open.pop().close()


_grading: Grading | None = None


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    global _grading
    context_file = os.environ.get(CONTEXT_ENV)
    if not context_file:
        raise pytest.UsageError(f"{CONTEXT_ENV} is not set; hidden checks run only under `opsdrill grade`.")
    context = CheckContext.model_validate_json(Path(context_file).read_text(encoding="utf-8"))
    _grading = Grading(context, CheckResults())
    signal.signal(signal.SIGTERM, _terminate)


@pytest.fixture(scope="session")
def grading() -> Iterator[Grading]:
    assert _grading is not None
    yield _grading
    _grading.close()


def _check_id(item_name: str) -> str:
    return item_name.split("[", 1)[0].removeprefix(TEST_PREFIX)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every check runs after the checks it requires (otherwise in the order collected)."""
    if _grading is None:
        return
    ids = list(dict.fromkeys(_check_id(item.name) for item in items))
    rank = {check: index for index, check in enumerate(prerequisite_order(ids, _grading.context.requires))}
    items.sort(key=lambda item: rank[_check_id(item.name)])


def _because(detail: str, prerequisite: CheckOutcome | None) -> str:
    """`detail`, followed by why the prerequisite did not pass, so the real cause is on every check."""
    why = prerequisite.detail if prerequisite is not None else ""
    return f"{detail}: {why}"[:MAX_DETAIL] if why else detail


def _held_back(grading: Grading, check: str) -> CheckOutcome | None:
    """The outcome of a check whose prerequisites did not pass (None when it may run).

    A prerequisite skipped on this backend leaves the check ungraded (skipped) too; one that ran
    and did not pass blocks it: its points could not count, so it is not run at all."""
    outcomes = grading.journal.outcomes
    statuses = {
        needed: outcomes[needed].status if needed in outcomes else "error"
        for needed in grading.context.requires.get(check, [])
    }
    if skipped := [needed for needed, status in statuses.items() if status == "skipped"]:
        detail = f"not graded here: requires {', '.join(skipped)}, which was skipped"
        return CheckOutcome(status="skipped", detail=_because(detail, outcomes.get(skipped[0])))
    if failed := [needed for needed, status in statuses.items() if status != "passed"]:
        detail = f"not run: requires {', '.join(failed)}, which did not pass"
        return CheckOutcome(status="blocked", detail=_because(detail, outcomes.get(failed[0])))
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _grading is None:
        return
    check = _check_id(item.name)
    _grading.current_check = check
    held = _held_back(_grading, check)
    if held is not None:
        _grading.held_back[check] = held
        pytest.skip(held.detail)


def _detail(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")[:MAX_DETAIL]
    crash = getattr(report.longrepr, "reprcrash", None)
    message = str(getattr(crash, "message", "") or report.longreprtext or "")
    first = message.strip().splitlines()[0] if message.strip() else ""
    return first.removeprefix("AssertionError: ")[:MAX_DETAIL]


def _status(report: pytest.TestReport) -> Status:
    if report.passed:
        return "passed"
    if report.skipped:
        return "skipped"
    return "failed" if report.when == "call" else "error"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Fold setup, call and teardown into one outcome per check (a failing fixture is an error)."""
    if _grading is None:
        return
    check = _check_id(report.nodeid.rsplit("::", 1)[-1])
    outcomes = _grading.journal.outcomes
    previous = outcomes.get(check)
    duration = report.duration + (previous.duration_s if previous else 0.0)
    if check in _grading.held_back:
        outcomes[check] = _grading.held_back[check].model_copy(update={"duration_s": duration})
        return
    decisive = report.when == "call" or not report.passed
    if report.when == "setup" and report.passed:
        # Until the call reports, the check has not passed: an interrupted run leaves this error.
        outcomes[check] = CheckOutcome(status="error", duration_s=duration, detail=UNFINISHED)
    elif previous is None or (decisive and (report.when != "teardown" or previous.status == "passed")):
        detail = "" if report.passed else _detail(report)
        outcomes[check] = CheckOutcome(status=_status(report), duration_s=duration, detail=detail)
    else:
        outcomes[check] = previous.model_copy(update={"duration_s": duration})


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _grading is None:
        return
    _grading.close()
    write_atomic(_grading.context.results_path, _grading.journal.model_dump_json(indent=2))
