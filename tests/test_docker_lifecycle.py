"""Docker grading: the default backend, image caching, and nothing left behind, even on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, CliRunner
from docker.models.images import ImageCollection

from harness import engine
from harness import exercise as exercise_mod
from harness.build.image import exercise_image
from harness.exercise import Exercise
from harness.exitcodes import ExitCode
from harness.sandbox import default_backend

pytestmark = pytest.mark.docker


def test_docker_is_the_default_when_an_engine_answers() -> None:
    assert default_backend() == "docker"


def test_second_build_of_the_same_exercise_builds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    exercise = exercise_mod.load("unreproducible-run")
    first = exercise_image(exercise.id, exercise.paths.image_dir)

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached image was rebuilt")

    monkeypatch.setattr(ImageCollection, "build", no_build)
    assert exercise_image(exercise.id, exercise.paths.image_dir) == first


def test_grade_defaults_to_docker_and_says_so(
    cli: CliRunner, docker_toy: Exercise, toy_root: Path, tmp_path: Path, valid_scorecard: Callable[[Path], Any]
) -> None:
    """The toy exercise on the default backend: docker, recorded in the scorecard."""
    solution = docker_toy.paths.solution
    result = cli("grade", "toy", str(solution), "--out", str(tmp_path), env={"OPSDRILL_CONTENT_ROOT": str(toy_root)})
    assert result.returncode == ExitCode.OK, result.stderr
    card = valid_scorecard(tmp_path / "scorecard.json")
    assert card["backend"] == "docker" and card["total"]["percent"] == 100


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_grading_leaves_nothing_behind(stop: signal.Signals) -> None:
    solution = REPO / "exercises" / "unreproducible-run" / "solution"
    temp_before = {p.name for p in Path(tempfile.gettempdir()).glob("opsdrill-*")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "grade", "unreproducible-run", str(solution), "--backend", "docker"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not engine.leftovers(engine.selector()).containers:
        time.sleep(0.2)
    assert engine.leftovers(engine.selector()).containers, "grading never started a container"
    os.killpg(proc.pid, stop)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == ExitCode.INTERRUPTED, err
    assert "Traceback" not in err
    assert engine.leftovers(engine.selector()).empty
    assert {p.name for p in Path(tempfile.gettempdir()).glob("opsdrill-*")} <= temp_before


def test_doctor_reports_a_clean_engine(cli: CliRunner) -> None:
    result = cli("doctor")
    assert result.returncode == ExitCode.OK
    assert "answers" in result.stdout and "leftovers: none" in result.stdout


def _owner_of(proc: subprocess.Popen[bytes]) -> str:
    """The owner label `proc` would give what it creates (read while it runs)."""
    return f"{engine.owner().split(':', 1)[0]}:{proc.pid}:{engine._start_time(proc.pid)}"


def test_what_a_dead_process_left_is_reaped_and_a_live_ones_is_not() -> None:
    """A grading killed outright (or cut off from its engine) cannot remove its containers: the next
    session removes them, by their owner's label, once that process no longer runs."""
    base = engine.client()
    image = exercise_image("unreproducible-run", exercise_mod.load("unreproducible-run").paths.image_dir)
    dead = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    dead_owner = _owner_of(dead)
    dead.kill()
    dead.wait()
    made = []
    for owner in (dead_owner, engine.owner()):
        labels = engine.labels("reap-test") | {engine.OWNER_LABEL: owner}
        made.append(base.containers.create(image, ["true"], labels=labels, network_mode="none"))
    try:
        assert dead_owner in engine.reap()
        names = {c.name for c in base.containers.list(all=True, filters={"label": "opsdrill.session=reap-test"})}
        assert names == {made[1].name}, "only the dead process's container goes"
    finally:
        engine.remove(engine.selector(session="reap-test"))
