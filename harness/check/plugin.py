"""The harness's own pytest plugin, loaded into the check process with `-p harness.check.plugin`.

It gives grader tests the `grading` fixture (context, fresh sandboxes of the submission) and
writes each check's outcome to the results file the harness named. Results travel only through
that file, never through anything the candidate could print.
"""

from __future__ import annotations

import faulthandler
import functools
import os
import signal
import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from types import FrameType

import pytest

from harness.check.grading import Grading
from harness.check.protocol import CONTEXT_ENV, STACKS_FILE, STACKS_SIGNAL, CheckContext
from harness.content import PUBLIC_CHECKS_DIR
from harness.errors import InfrastructureError, SubmissionPathError
from harness.fsutil import write_atomic
from harness.model.checks import CheckOutcome, CheckResults, Status
from harness.model.flags import FlagKind
from harness.spec.rubric import TEST_PREFIX, prerequisite_order

MAX_DETAIL = 600
UNFINISHED = "the check did not finish"
#: Marks the report of a check the kit's own machinery stopped.
INFRASTRUCTURE = "opsdrill-infrastructure-error"


_grading: Grading | None = None


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signum}")


@functools.cache
def _context() -> CheckContext:
    """The context the harness wrote for this run, read once."""
    context_file = os.environ.get(CONTEXT_ENV)
    if not context_file:
        raise pytest.UsageError(f"{CONTEXT_ENV} is not set; hidden checks run only under `opsdrill grade`.")
    return CheckContext.model_validate_json(Path(context_file).read_text(encoding="utf-8"))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests() -> None:
    """Before any conftest is imported: the modules the public checks share with the hidden ones
    become importable, after the suite's own folder."""
    shared = str(_context().exercise_dir / PUBLIC_CHECKS_DIR)
    if shared not in sys.path:
        sys.path.append(shared)


def pytest_configure(config: pytest.Config) -> None:
    global _grading
    _grading = Grading(_context(), CheckResults())
    signal.signal(signal.SIGTERM, _terminate)
    # Where every thread is, when the harness finds the checks out of time (kept open for that).
    stacks = (_context().results_path.parent / STACKS_FILE).open("w", encoding="utf-8")
    faulthandler.register(STACKS_SIGNAL, file=stacks, all_threads=True)


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
    return "failed" if report.when == "call" and (INFRASTRUCTURE, True) not in report.user_properties else "error"


def _case(nodeid: str) -> str:
    """The parameters of a parametrized check's case ("" for a check that is not parametrized)."""
    name = nodeid.rsplit("::", 1)[-1]
    return name.split("[", 1)[1].removesuffix("]") if "[" in name else ""


def _folded(previous: CheckOutcome | None, report: pytest.TestReport) -> CheckOutcome:
    """One case's outcome so far, with this phase (setup, call, teardown) folded in."""
    duration = report.duration + (previous.duration_s if previous else 0.0)
    decisive = report.when == "call" or not report.passed
    if report.when == "setup" and report.passed:
        # Until the call reports, the case has not passed: an interrupted run leaves this error.
        return CheckOutcome(status="error", duration_s=duration, detail=UNFINISHED)
    if previous is None or (decisive and (report.when != "teardown" or previous.status == "passed")):
        detail = "" if report.passed else _detail(report)
        return CheckOutcome(status=_status(report), duration_s=duration, detail=detail)
    return previous.model_copy(update={"duration_s": duration})


#: A parametrized check takes the status of its first case in this order; it passes only if all do.
CASE_PRECEDENCE: tuple[Status, ...] = ("failed", "error", "blocked", "skipped")


def _combined(cases: dict[str, CheckOutcome]) -> CheckOutcome:
    """A check's outcome from its cases: a parametrized check passes only if every case passed, and
    its detail names the case that decided."""
    duration = sum(outcome.duration_s for outcome in cases.values())
    first = next(iter(cases.values()))
    if all((o.status, o.detail) == (first.status, first.detail) for o in cases.values()):
        return first.model_copy(update={"duration_s": duration})
    for status in CASE_PRECEDENCE:
        decided = [(case, outcome) for case, outcome in cases.items() if outcome.status == status]
        if decided:
            case, outcome = decided[0]
            detail = f"case {case}: {outcome.detail or status}"[:MAX_DETAIL]
            return CheckOutcome(status=status, duration_s=duration, detail=detail)
    return CheckOutcome(status="passed", duration_s=duration)


def _kits_failure(error: BaseException) -> bool:
    """The kit's own machinery failed (not a path of the submission that cannot be used as asked)."""
    return isinstance(error, InfrastructureError) and not isinstance(error, SubmissionPathError)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A check stopped by the kit's own machinery (the engine, a sandbox) is flagged: it says
    nothing of the submission, and the grading is worth doing again."""
    report: pytest.TestReport = yield
    if _grading is not None and call.excinfo is not None and _kits_failure(call.excinfo.value):
        report.user_properties.append((INFRASTRUCTURE, True))
        checks = _grading.infrastructure.setdefault(str(call.excinfo.value)[:MAX_DETAIL], [])
        checks += [] if _check_id(item.name) in checks else [_check_id(item.name)]
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Fold setup, call and teardown into one outcome per case (a failing fixture is an error), and
    the cases of a parametrized check into one outcome per check."""
    if _grading is None:
        return
    check = _check_id(report.nodeid.rsplit("::", 1)[-1])
    cases = _grading.cases.setdefault(check, {})
    case = _case(report.nodeid)
    if check in _grading.held_back:
        previous = cases.get(case)
        duration = report.duration + (previous.duration_s if previous else 0.0)
        cases[case] = _grading.held_back[check].model_copy(update={"duration_s": duration})
    else:
        cases[case] = _folded(cases.get(case), report)
    _grading.journal.outcomes[check] = _combined(cases)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _grading is None:
        return
    _grading.close()
    for message, checks in _grading.infrastructure.items():
        _grading.flag(FlagKind.INFRASTRUCTURE_ERROR, f"{', '.join(checks)}: {message}")
    write_atomic(_grading.context.results_path, _grading.journal.model_dump_json(indent=2))
