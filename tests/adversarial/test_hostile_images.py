"""manual-deploy against submissions that do no real work or attack the image build.

A submission made of paper (files that satisfy a reader, an image that serves nothing) and one
whose build floods its log, reaches for the network and fails must score no more than the
starter, leave no container, image tag or temp folder, and never stop the grading. A sound
submission whose health check cannot fail loses the health check's points, and nothing else.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from contentcopy import beats_starter, edited_copy, kit_temp_dirs

from harness import engine
from harness import exercise as exercise_mod
from harness.exercise import Exercise
from harness.grade import grade

pytestmark = [pytest.mark.docker, pytest.mark.slow]
SOLUTION = Path(__file__).resolve().parents[2] / "exercises" / "manual-deploy" / "solution"
PAPER_DOCKERFILE = """\
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}
RUN useradd --system --uid 10001 app
USER 10001
HEALTHCHECK --interval=5s CMD ["true"]
CMD ["sleep", "infinity"]
"""
HOSTILE_DOCKERFILE = """\
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}
RUN python3 -c "print('x' * 5_000_000); print('\\n'.join(['flood'] * 200000))"
RUN python3 -c "import urllib.request; urllib.request.urlopen('http://pypi.org/simple/', timeout=3)"
CMD ["python3", "-m", "http.server"]
"""
ALWAYS_PASS_GATE = "import sys\nprint('quality gate PASS')\nsys.exit(0)\n"


def _shorter(spec: dict[str, Any]) -> None:
    spec["params"]["start_timeout_s"] = 5
    spec["params"]["healthy_timeout_s"] = 5
    spec["candidate_image"]["timeout_s"] = 120


@pytest.fixture(scope="module")
def short_waits(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exercise]:
    with edited_copy(tmp_path_factory.mktemp("content"), "manual-deploy", _shorter) as exercise:
        yield exercise


def _paper(submission: Path) -> None:
    """Every file a reader looks for, valid and complete, around an image that serves nothing."""
    for name in ("compose.yaml", ".github", "requirements.txt"):
        source = SOLUTION / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, submission / name)
    (submission / "Dockerfile").write_text(PAPER_DOCKERFILE)
    (submission / "quality_gate.py").write_text(ALWAYS_PASS_GATE)
    (submission / "deploy.py").write_text("print('deployed')\n")


def _hostile_build(submission: Path) -> None:
    (submission / "Dockerfile").write_text(HOSTILE_DOCKERFILE)


@pytest.mark.parametrize("make", [_paper, _hostile_build], ids=["paper", "hostile-build"])
def test_no_real_work_earns_nothing(make: Any, short_waits: Exercise, tmp_path: Path) -> None:
    submission = tmp_path / "submission"
    shutil.copytree(short_waits.paths.starter, submission)
    make(submission)
    temp_before = kit_temp_dirs()
    card = grade(short_waits, submission, "docker")
    assert not beats_starter(card.total.points, short_waits, "docker"), [
        (c.id, c.detail) for c in card.checks if c.status == "passed"
    ]
    assert card.complete and "grading_timeout" not in {f.kind for f in card.flags}
    assert kit_temp_dirs() <= temp_before, "grading left temporary folders behind"
    assert engine.leftovers(engine.selector()).empty
    details = {c.id: c.detail for c in card.checks}
    if make is _hostile_build:
        assert "non-zero code" in details["image_builds"] and len(details["image_builds"]) <= 1000


def test_a_health_check_that_cannot_fail_earns_nothing(tmp_path: Path) -> None:
    """The solution with a HEALTHCHECK that always exits 0: the container turns healthy, but so would
    one whose service is down, so the health check's points are lost; every other check still passes."""
    submission = tmp_path / "submission"
    shutil.copytree(SOLUTION, submission)
    dockerfile = submission / "Dockerfile"
    lines = dockerfile.read_text().splitlines()
    health = [i for i, line in enumerate(lines) if line.startswith("HEALTHCHECK")]
    assert len(health) == 1
    lines[health[0]] = 'HEALTHCHECK --interval=5s --timeout=3s CMD ["true"]'
    dockerfile.write_text("\n".join(lines) + "\n")
    card = grade(exercise_mod.load("manual-deploy"), submission, "docker")
    failed = {c.id: c.detail for c in card.checks if c.status != "passed"}
    assert list(failed) == ["container_healthy"], failed
    assert "no service ran" in failed["container_healthy"]
