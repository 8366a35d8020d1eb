"""The validity passes, graded once per test session and shared by every test that reads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import pytest
from conftest import CliRunner

from harness.exitcodes import ExitCode

#: Validity passes. Every exercise's full validity once on docker, the backend authoritative for all
#: of them, with the machine saturated (the harder condition); once on local, idle: where local grades
#: an exercise completely its scores must equal docker's, which shows at once that the backends agree
#: and that load changes nothing. An exercise only docker grades completely is graded on docker idle
#: too, so idle and saturated are compared there.
PASSES = [pytest.param("local", False, id="local"),
          pytest.param("docker", True, id="docker-saturated", marks=pytest.mark.docker)]  # fmt: skip
#: Longest a busy process of the saturation test lives, whatever happens to the test that started it.
BUSY_MAX_S = 3600
VALIDATE_TIMEOUT_S = 3600
IDLE_JOBS, LOADED_JOBS = 3, 3
_reports: dict[tuple[str, bool, tuple[str, ...] | None], tuple[int, str, list[dict[str, Any]]]] = {}


@contextmanager
def saturated(processes: int) -> Iterator[None]:
    """The CPU kept busy by `processes` spinning processes, each of which stops by itself."""
    spin = f"import time\nend = time.monotonic() + {BUSY_MAX_S}\nwhile time.monotonic() < end:\n    pass\n"
    busy = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(processes)]
    try:
        yield
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()


def validation(
    cli: CliRunner, backend: str, tmp_path_factory: pytest.TempPathFactory, *, loaded: bool = False,
    exercises: list[str] | None = None,
) -> tuple[int, str, list[Any]]:  # fmt: skip
    """`opsdrill validate` of `exercises` (default: all) on `backend`, idle or with the CPU saturated:
    each pass runs once for the whole session."""
    key = (backend, loaded, None if exercises is None else tuple(exercises))
    if key not in _reports:
        report = tmp_path_factory.mktemp("validate") / "report.json"
        # Gradings mostly wait (on containers, replays, settle windows): four at once idle, three
        # beside the busy processes, which with them keep more work waiting than two cores can run.
        options = ["--backend", backend, "--jobs", str(LOADED_JOBS if loaded else IDLE_JOBS)]
        chosen = [["--all"]] if exercises is None else [[exercise_id] for exercise_id in exercises]
        code, output, rows = int(ExitCode.OK), "", list[dict[str, Any]]()
        # The time limit only stops a hung run: a busy machine may take several times the usual.
        # One busy process per core this process may run on (the machine may have more it cannot use).
        with saturated(len(os.sched_getaffinity(0))) if loaded else nullcontext():
            for which in chosen:
                result = cli("validate", *which, *options, "--report", str(report), timeout=VALIDATE_TIMEOUT_S)
                rows += json.loads(report.read_text()) if report.exists() else []
                report.unlink(missing_ok=True)
                code = max(code, result.returncode)
                output += result.stdout + result.stderr
        _reports[key] = (code, output, rows)
    return _reports[key]
