"""Run an exercise's hidden checks in a separate pytest process and collect their outcomes.

The process gets the graders' folder as rootdir, the harness's own ini, plugin autoload off,
no PYTHONPATH and no user site (`python -I`), and a private working folder. The submission is
never on its path; the checks reach it only through sandboxes. It runs on the exercise's runtime
(`harness.runtime`), since graders import the exercise's libraries; the runtime's `.pth` file
appends the engine's folders named in the environment, so `harness` and pytest import from there.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness.build.wheelhouse import wheelhouse_dir
from harness.check.protocol import CONTEXT_ENV, STACKS_FILE, STACKS_SIGNAL, CheckContext
from harness.exercise import Exercise, PublicExercise
from harness.model.checks import CheckOutcome, CheckResults
from harness.model.execution import BackendOptions
from harness.model.flags import Flag, FlagKind
from harness.runtime import ENGINE_PATH_ENV, RUNTIME_PYTHON_ENV, engine_path, runtime_python
from harness.unpack import Submission

PYTEST_INI = Path(__file__).with_name("pytest.ini")
PASSTHROUGH_ENV = ("PATH", "LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "DOCKER_HOST")
TERMINATE_GRACE_S = 20
TAIL_CHARS = 800
#: How long a check process that ran out of time gets to write its threads' stacks.
STACKS_WAIT_S = 1.0
#: One frame of a faulthandler dump: File "path", line N in function.
FRAME = re.compile(r'File "([^"]+)", line (\d+) in (\S+)')


@dataclass(frozen=True)
class CheckRun:
    results: CheckResults
    duration_s: float


def pytest_argv(suite: Path, python: Path | None = None) -> list[str]:
    """The check process's command line: the kit's ini, rootdir and test files, nothing else;
    `python` is the exercise's runtime (this interpreter when not given)."""
    return [
        str(python or sys.executable), "-I", "-m", "pytest",
        "-c", str(PYTEST_INI), "--rootdir", str(suite),
        "-p", "harness.check.plugin", "-p", "no:cacheprovider",
        "-q", "--no-header", "-rN", "--tb=line",
        *sorted(str(p) for p in suite.glob("test_*.py")),
    ]  # fmt: skip


def _env(context_file: Path, private: Path, python: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSTHROUGH_ENV if name in os.environ}
    return env | {
        CONTEXT_ENV: str(context_file),
        ENGINE_PATH_ENV: engine_path(),
        RUNTIME_PYTHON_ENV: str(python),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(private),
        "TMPDIR": str(private),
    }


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM first so the plugin closes its sandboxes, then SIGKILL whatever is left."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=TERMINATE_GRACE_S)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _ask_for_stacks(proc: subprocess.Popen[bytes]) -> None:
    """Have a check process that ran out of time write where its threads are, before it is stopped."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, STACKS_SIGNAL)
        time.sleep(STACKS_WAIT_S)


def _waiting_in(stacks: Path) -> str:
    """Each thread's innermost frame outside the standard library and site-packages, as
    `function (file:line)`: where a check process that ran out of time was waiting."""
    if not stacks.is_file():
        return ""
    places: list[str] = []
    for block in stacks.read_text(encoding="utf-8", errors="replace").split("\n\n"):
        for frame in FRAME.finditer(block):
            path, line, function = frame.groups()
            if "/lib/python" not in path:
                places.append(f"{function} ({Path(path).name}:{line})")
                break
    return "; ".join(dict.fromkeys(places))[:TAIL_CHARS]


def run_checks(exercise: Exercise, submission: Submission, backend: str, options: BackendOptions) -> CheckRun:
    """The hidden checks; every rubric check gets an outcome, `error` where none came back."""
    run = run_suite(exercise, submission, backend, options, exercise.paths.graders_dir, exercise.rubric.requires)
    _fill_missing(run.results, [check.id for check in exercise.rubric.checks])
    return run


def run_suite(
    exercise: PublicExercise,
    submission: Submission,
    backend: str,
    options: BackendOptions,
    suite: Path,
    requires: dict[str, list[str]] | None = None,
) -> CheckRun:
    """Run the test modules of `suite` (a graders folder) against `submission` on `backend`;
    `requires` gives the suite's prerequisites (the rubric's, for the hidden checks)."""
    python = runtime_python(exercise, wheelhouse=wheelhouse_dir())  # made on first use, before the clock starts
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="opsdrill-check-") as tmp:
        private = Path(tmp)
        os.chmod(private, 0o700)  # noqa: PTH101
        context = CheckContext(
            exercise_id=exercise.id,
            exercise_dir=exercise.paths.exercise_dir,
            submission_dir=submission.path,
            backend=backend,
            backend_options=options,
            limits=exercise.spec.limits,
            params=exercise.spec.params,
            requires=requires or {},
            results_path=private / "results.json",
        )
        context_file = private / "context.json"
        context_file.write_text(context.model_dump_json(), encoding="utf-8")
        log = private / "pytest.log"
        timed_out = False
        with log.open("wb") as sink:
            proc = subprocess.Popen(
                pytest_argv(suite, python), cwd=private, env=_env(context_file, private, python),
                stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            try:
                proc.wait(timeout=exercise.spec.grading_timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                _ask_for_stacks(proc)
            finally:
                _stop(proc)
        results = _collect(context.results_path, log, timed_out, proc.returncode)
    return CheckRun(results, time.monotonic() - started)


def _collect(results_path: Path, log: Path, timed_out: bool, returncode: int) -> CheckResults:
    results = (
        CheckResults.model_validate_json(results_path.read_text(encoding="utf-8"))
        if results_path.is_file()
        else CheckResults()
    )
    if timed_out:
        where = _waiting_in(results_path.parent / STACKS_FILE)
        detail = "the hidden checks ran out of time" + (f" (waiting in {where})" if where else "")
        results.flags.append(Flag(kind=FlagKind.GRADING_TIMEOUT, detail=detail))
    elif not results_path.is_file() or returncode not in (0, 1):
        tail = log.read_text(encoding="utf-8", errors="replace")[-TAIL_CHARS:]
        results.flags.append(
            Flag(kind=FlagKind.GRADER_PROCESS_FAILED, detail=f"check process exited with {returncode}: {tail}")
        )
    return results


def _fill_missing(results: CheckResults, check_ids: list[str]) -> None:
    for check_id in check_ids:
        results.outcomes.setdefault(check_id, CheckOutcome(status="error", detail="the check did not report a result"))
