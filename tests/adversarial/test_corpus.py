"""The adversarial corpus: hostile submissions built from the starter, on the docker backend,
and on the local backend for the cases the local backend is meant to withstand (resource limits,
runaway and background processes, start-up hooks, forged output, report injection; not secrecy,
network or host files, which only docker isolates).

For every case: grading finishes in time, scores no more than the starter, raises the flags it
should, leaves no container behind, and the host's sentinel files are untouched. The exercise runs
with short time limits here (a copy of the content), so a hostile loop costs seconds, not minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hostile
import pytest
from conftest import REPO
from contentcopy import beats_starter, edited_copy, kit_temp_dirs
from rich.console import Console

from harness import engine
from harness.exercise import Exercise
from harness.grade import grade
from harness.model.scorecard import Scorecard
from harness.report import html, markdown, terminal

pytestmark = pytest.mark.slow
EXERCISE = "unreproducible-run"
SECRET_NAME, SECRET_VALUE = "OPSDRILL_CORPUS_SECRET", "s3cr3t-7f3a9c"


@dataclass(frozen=True)
class Case:
    name: str
    program: str
    flags: set[str] = field(default_factory=set)
    extra: dict[str, str] = field(default_factory=dict)
    local: bool = False


CASES = [
    Case("forged-results", hostile.FORGE),
    Case("snoop-hidden-checks-and-secrets", hostile.SNOOP),
    Case("network", hostile.NETWORK),
    Case("fork-bomb", hostile.FORK_BOMB, {"timeout"}),
    Case("memory-bomb", hostile.MEMORY_BOMB, {"memory_limit"}, local=True),
    Case("disk-fill", hostile.DISK_FILL, {"disk_limit", "file_size_limit"}),
    Case("output-bomb", hostile.OUTPUT_BOMB, {"output_limit"}, local=True),
    Case("infinite-loop", hostile.INFINITE_LOOP, {"timeout"}, local=True),
    Case("background-survivor", hostile.BACKGROUND, local=True),
    Case(
        "exit-at-import",
        hostile.EXIT_AT_IMPORT,
        {"tamper_attempt"},
        {"sitecustomize.py": "import os\nos._exit(0)\n", "usercustomize.py": "import os\nos._exit(0)\n"},
        local=True,
    ),
    Case(
        "report-injection",
        hostile.INJECTION,
        {"tamper_attempt"},
        {
            "conftest.py": "def pytest_collection_modifyitems(items):\n    items.clear()\n",
            "json.py": "x = 1\n",
            "pytest.ini": "[pytest]\naddopts = -p conftest\n",
            "<img src=x onerror=alert(1)>.pth": "import os\n",
            "\x1b[2Jclear.pth": "import os\n",
        },
        local=True,
    ),
]


def _short_limits(spec: dict[str, Any]) -> None:
    spec["limits"] |= {"wall_s": 15, "file_size_mb": 64}
    spec["params"] |= {"train_timeout_s": 12, "notebook_timeout_s": 30}
    spec["grading_timeout_s"] = 300


@pytest.fixture(scope="module")
def short_limits(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exercise]:
    """A copy of the bundled exercise whose time limits are seconds long."""
    with edited_copy(tmp_path_factory.mktemp("content"), EXERCISE, _short_limits) as exercise:
        yield exercise


RUNS = [pytest.param(case, "docker", id=f"docker-{case.name}", marks=pytest.mark.docker) for case in CASES]
RUNS += [pytest.param(case, "local", id=f"local-{case.name}") for case in CASES if case.local]


@pytest.fixture
def sentinels(tmp_path: Path) -> Iterator[list[Path]]:
    folder = tmp_path / "host-sentinels"
    folder.mkdir()
    files = [folder / "precious.txt", Path(f"/tmp/opsdrill-sentinel-{os.getpid()}.txt")]
    for path in files:
        path.write_text("untouched")
    yield files
    files[1].unlink(missing_ok=True)


@pytest.fixture
def listener() -> Iterator[int]:
    """A server on the host's loopback: no sandbox may reach it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield int(server.getsockname()[1])
    server.close()


def _program(case: Case, sentinels: list[Path], port: int, exercise: Exercise) -> str:
    constants = (
        f"SENTINELS = {[str(p) for p in sentinels]!r}\n"
        f"GRADER_PATHS = {[str(exercise.paths.graders_dir) + '/*.py', str(REPO / 'graders') + '/**/*.py']!r}\n"
        f"SECRET_VALUE = {SECRET_VALUE!r}\nHOST_PORT = {port}\n"
    )
    return constants + case.program


def _details(card: Scorecard) -> str:
    return "\n".join(check.detail for check in card.checks)


@pytest.mark.parametrize(("case", "backend"), RUNS)
def test_hostile_submission(
    case: Case, backend: str, short_limits: Exercise, sentinels: list[Path], listener: int,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv(SECRET_NAME, SECRET_VALUE)
    submission = tmp_path / "submission"
    shutil.copytree(short_limits.paths.starter, submission)
    (submission / "train.py").write_text(_program(case, sentinels, listener, short_limits))
    for name, content in case.extra.items():
        (submission / name).write_text(content)

    temp_before = kit_temp_dirs()
    card = grade(short_limits, submission, backend)

    assert card.backend == backend
    assert not beats_starter(card.total.points, short_limits, backend)
    assert "grading_timeout" not in {flag.kind for flag in card.flags} and card.complete
    assert case.flags <= {flag.kind for flag in card.flags}, card.flags
    assert kit_temp_dirs() <= temp_before, "grading left temporary folders behind"
    assert all(path.read_text() == "untouched" for path in sentinels)
    assert sorted(p.name for p in sentinels[0].parent.iterdir()) == ["precious.txt"]
    if backend == "docker":
        assert engine.leftovers(engine.selector()).empty
    leaks = re.findall(r"LEAK:(\S+)", _details(card))
    assert set(leaks) <= {"nothing"}, leaks
    if case.name.startswith(("snoop", "network")):
        assert leaks, "the probe did not report what it saw"
    console = Console(record=True, width=300, color_system=None)
    terminal.render(card, console)
    assert "\x1b" not in console.export_text()
    for rendered in (markdown.render(card), html.render(card)):
        assert "\x1b" not in rendered and "<script>" not in rendered and "<img" not in rendered
