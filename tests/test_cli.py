"""The command line: documented exit codes and one clear sentence for bad input, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliRunner

from harness.exitcodes import ExitCode


def _one_sentence(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert lines and lines[0].startswith("error:")
    return " ".join(lines)


def test_list_shows_the_bundled_exercise(cli: CliRunner) -> None:
    result = cli("list")
    assert result.returncode == ExitCode.OK and "unreproducible-run" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["grade", "no-such-exercise", "."], ExitCode.BAD_INPUT, "There is no exercise 'no-such-exercise'"),
        (["grade", "unreproducible-run", "/nonexistent/sub"], ExitCode.BAD_INPUT, "does not exist"),
        (
            ["grade", "unreproducible-run", ".", "--format", "pdf"],
            ExitCode.BAD_INPUT,
            "Unknown report format",
        ),
        (["grade", "unreproducible-run", ".", "--backend", "vm"], ExitCode.BAD_INPUT, "not available here"),
        (["validate"], ExitCode.BAD_INPUT, "Name one exercise or pass --all"),
    ],
)
def test_bad_input_gets_one_sentence(cli: CliRunner, args: list[str], code: int, says: str) -> None:
    result = cli(*args)
    assert result.returncode == code
    assert says in _one_sentence(result.stderr)


def test_usage_errors_exit_2(cli: CliRunner) -> None:
    assert cli("grade").returncode == ExitCode.USAGE


def test_invalid_rubric_exits_4_naming_file_and_line(cli: CliRunner, toy_root: Path) -> None:
    rubric = toy_root / "rubrics" / "toy.yaml"
    rubric.write_text(rubric.read_text().replace("criterion: maintenance", "criterion: vibes"))
    result = cli("validate", "toy", "--backend", "local", env={"OPSDRILL_CONTENT_ROOT": str(toy_root)})
    assert result.returncode == ExitCode.INVALID_CONTENT
    assert f"{rubric}:4: checks.0.criterion" in _one_sentence(result.stderr)


def test_grade_toy_writes_valid_reports(cli: CliRunner, toy_root: Path, tmp_path: Path,
                                        valid_scorecard: Callable[[Path], Any]) -> None:  # fmt: skip
    out = tmp_path / "reports"
    solution = toy_root / "exercises" / "toy" / "solution"
    result = cli("grade", "toy", str(solution), "--backend", "local", "--out", str(out),
                 env={"OPSDRILL_CONTENT_ROOT": str(toy_root)})  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stderr
    assert valid_scorecard(out / "scorecard.json")["total"]["percent"] == 100
    assert "100%" in result.stdout


def test_validate_reports_out_of_range_variant(cli: CliRunner, toy_root: Path) -> None:
    variant = toy_root / "exercises" / "toy" / "variants" / "half" / "variant.yaml"
    variant.write_text(variant.read_text().replace("min_percent: 40", "min_percent: 55"))
    result = cli("validate", "toy", "--backend", "local", env={"OPSDRILL_CONTENT_ROOT": str(toy_root)})
    assert result.returncode == ExitCode.VALIDATION_FAILED
    assert "OUT OF RANGE" in result.stdout


def test_check_runs_public_checks(cli: CliRunner, toy_root: Path) -> None:
    starter = toy_root / "exercises" / "toy" / "starter"
    env = {"OPSDRILL_CONTENT_ROOT": str(toy_root)}
    result = cli("check", str(starter), "--exercise", "toy", "--backend", "local", env=env)
    assert result.returncode == ExitCode.OK and "pass answer_present" in result.stdout
