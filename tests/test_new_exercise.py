"""`opsdrill new`: the scaffold validates as generated; a bad or taken id is refused in one sentence."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from conftest import CliRunner

from harness.exitcodes import ExitCode

EXERCISE = "demo-exercise"


def _one_sentence(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert lines and lines[0].startswith("error:")
    return " ".join(lines)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def content(cli: CliRunner, tmp_path: Path) -> Path:
    """A fresh content root holding only the scaffolded exercise."""
    root = tmp_path / "content"
    result = cli("new", EXERCISE, "--into", str(root))
    assert result.returncode == ExitCode.OK, result.stderr
    return root


def test_scaffold_validates_as_generated(cli: CliRunner, content: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = cli("validate", EXERCISE, "--backend", "local", "--report", str(report),
                 env={"OPSDRILL_CONTENT_ROOT": str(content)}, timeout=300)  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    rows = {row["name"]: row for row in json.loads(report.read_text())[0]["rows"]}
    assert rows["solution"]["percent"] == 100
    assert rows["starter"]["percent"] <= 20
    assert rows["variant no-range-check"]["ok"] and rows["variant no-range-check"]["percent"] < 100
    assert all(row["complete"] and row["flags"] == 0 for row in rows.values())


def test_public_checks_run_on_the_scaffold(cli: CliRunner, content: Path) -> None:
    starter = content / "exercises" / EXERCISE / "starter"
    env = {"OPSDRILL_CONTENT_ROOT": str(content)}
    result = cli("check", str(starter), "--exercise", EXERCISE, "--backend", "local", env=env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert "pass predicts_the_sample" in result.stdout
    assert "failed labels_follow_the_configured_threshold" in result.stdout


def test_scaffold_graders_use_only_the_public_api(content: Path) -> None:
    for module in (content / "graders" / EXERCISE).rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
        names += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert all(name == "harness.grading" for name in names if name.split(".")[0] == "harness"), module


def test_existing_exercise_is_refused_and_left_alone(cli: CliRunner, content: Path) -> None:
    before = _files(content)
    result = cli("new", EXERCISE, "--into", str(content))
    assert result.returncode == ExitCode.BAD_INPUT
    assert f"Exercise '{EXERCISE}' already exists" in _one_sentence(result.stderr)
    assert _files(content) == before


def test_a_rubric_alone_makes_the_id_taken(cli: CliRunner, tmp_path: Path) -> None:
    rubric = tmp_path / "content" / "rubrics" / f"{EXERCISE}.yaml"
    rubric.parent.mkdir(parents=True)
    rubric.write_text("mine\n")
    result = cli("new", EXERCISE, "--into", str(tmp_path / "content"))
    assert result.returncode == ExitCode.BAD_INPUT and "already exists" in _one_sentence(result.stderr)
    assert rubric.read_text() == "mine\n" and not (tmp_path / "content" / "exercises" / EXERCISE).exists()


@pytest.mark.parametrize("bad_id", ["Demo", "1demo", "demo_exercise", "../escape", "demo exercise", "-demo"])
def test_invalid_id_is_refused(cli: CliRunner, tmp_path: Path, bad_id: str) -> None:
    root = tmp_path / "content"
    result = cli("new", "--into", str(root), "--", bad_id)
    assert result.returncode == ExitCode.BAD_INPUT
    assert "is not a valid exercise id" in _one_sentence(result.stderr)
    assert not root.exists()
