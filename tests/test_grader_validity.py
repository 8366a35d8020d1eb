"""The kit's core promise, on the bundled exercises: the score means what it says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, CliRunner

from harness import exercise as exercise_mod
from harness.content import exercise_ids
from harness.exitcodes import ExitCode

pytestmark = pytest.mark.slow


def test_validate_all_exits_0(cli: CliRunner) -> None:
    """Solution 100%, starter at most its ceiling, every variant inside its declared range."""
    result = cli("validate", "--all", "--backend", "local")
    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    for exercise_id in exercise_ids():
        exercise = exercise_mod.load(exercise_id)
        assert exercise_id in result.stdout
        for variant in exercise.variants():
            assert f"variant {variant.name}" in result.stdout
    assert "OUT OF RANGE" not in result.stdout


def test_grading_the_solution_writes_a_full_scorecard(
    cli: CliRunner, tmp_path: Path, valid_scorecard: Callable[[Path], Any]
) -> None:
    solution = REPO / "exercises" / "unreproducible-run" / "solution"
    result = cli("grade", "unreproducible-run", str(solution), "--backend", "local", "--out", str(tmp_path))
    assert result.returncode == ExitCode.OK, result.stderr
    card = valid_scorecard(tmp_path / "scorecard.json")
    assert card["total"]["percent"] == 100 and card["maturity_level"] == 3 and card["complete"]
    assert card["backend"] == "local" and card["flags"] == []
    assert {c["status"] for c in card["checks"]} == {"passed"}
    assert card["timings"]["sandbox_s"] > 0
    assert (tmp_path / "scorecard.md").read_text().startswith("# Unreproducible run")
