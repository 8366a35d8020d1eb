"""A wrong rubric fails with one sentence naming the file, the line and the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import exercise as exercise_mod
from harness.errors import ContentError
from harness.exercise import Exercise


def _break(toy_root: Path, old: str, new: str) -> Path:
    rubric = toy_root / "rubrics" / "toy.yaml"
    text = rubric.read_text()
    assert old in text
    rubric.write_text(text.replace(old, new, 1))
    return rubric


def _error(toy_root: Path) -> str:
    with pytest.raises(ContentError) as caught:
        exercise_mod.load("toy")
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_shipped_toy_rubric_loads(toy: Exercise) -> None:
    assert [c.id for c in toy.rubric.checks] == ["answer", "script_runs"]
    assert toy.rubric.max_points == 10


def test_unknown_criterion_names_line_and_choices(toy_root: Path) -> None:
    rubric = _break(toy_root, "criterion: deployment", "criterion: vibes")
    message = _error(toy_root)
    assert message.startswith(f"{rubric}:9: checks.1.criterion:")
    assert "deployment, ci_cd, monitoring, iac, maintenance" in message


def test_non_positive_points(toy_root: Path) -> None:
    _break(toy_root, "points: 5", "points: 0")
    message = _error(toy_root)
    assert re.search(r"toy\.yaml:5: checks\.0\.points: .*positive", message)


def test_check_without_grader_test(toy_root: Path) -> None:
    _break(toy_root, "id: script_runs", "id: script_works")
    message = _error(toy_root)
    assert "toy.yaml:8:" in message and "def test_script_works" in message


def test_grader_test_without_rubric_entry(toy_root: Path) -> None:
    graders = toy_root / "graders" / "toy" / "test_extra.py"
    graders.write_text("def test_unscored(grading):\n    pass\n")
    assert "grader tests without a rubric entry: unscored" in _error(toy_root)


def test_bad_yaml_syntax(toy_root: Path) -> None:
    _break(toy_root, "maturity:", "maturity: [")
    message = _error(toy_root)
    assert "invalid YAML" in message and "toy.yaml:" in message


def test_misspelt_key_is_named(toy_root: Path) -> None:
    _break(toy_root, "    title: The answer is right", "    titel: The answer is right")
    assert "checks.0.titel" in _error(toy_root)


def test_maturity_names_unknown_check(toy_root: Path) -> None:
    _break(toy_root, "2: [answer, script_runs]", "2: [answer, nope]")
    assert "maturity level 2 names unknown checks: nope" in _error(toy_root)


def test_exercise_id_must_match_folder(toy_root: Path) -> None:
    spec = toy_root / "exercises" / "toy" / "exercise.yaml"
    spec.write_text(spec.read_text().replace("id: toy", "id: other"))
    assert "exercise.yaml:1: id must match the folder name" in _error(toy_root)


def test_repeated_check_id(toy_root: Path) -> None:
    _break(toy_root, "id: script_runs", "id: answer")
    assert "toy.yaml:8: check id 'answer' is repeated" in _error(toy_root)


def test_requires_names_unknown_check(toy_root: Path) -> None:
    _break(toy_root, "    title: The answer is right", "    title: The answer is right\n    requires: [nope]")
    message = _error(toy_root)
    assert "toy.yaml:7: check 'answer' requires unknown checks: nope" in message


def test_requires_itself(toy_root: Path) -> None:
    _break(toy_root, "    title: The answer is right", "    title: The answer is right\n    requires: [answer]")
    assert "check 'answer' requires itself" in _error(toy_root)


def test_requires_cycle_is_named(toy_root: Path) -> None:
    _break(toy_root, "    title: The answer is right", "    title: The answer is right\n    requires: [script_runs]")
    _break(toy_root, "    title: The script runs", "    title: The script runs\n    requires: [answer]")
    message = _error(toy_root)
    assert "toy.yaml:7:" in message and "cycle: answer -> script_runs -> answer" in message


def test_cap_names_unknown_check(toy_root: Path) -> None:
    _break(toy_root, "maturity:", "caps:\n  - {unless: [nope], max_percent: 40, reason: core}\nmaturity:")
    assert "toy.yaml:14: cap names unknown checks: nope" in _error(toy_root)


def test_cap_percent_must_be_below_100(toy_root: Path) -> None:
    _break(toy_root, "maturity:", "caps:\n  - {unless: [answer], max_percent: 100, reason: core}\nmaturity:")
    assert "caps.0.max_percent" in _error(toy_root)


def test_requires_and_caps_load(toy_root: Path) -> None:
    _break(toy_root, "    title: The answer is right", "    title: The answer is right\n    requires: [script_runs]")
    _break(toy_root, "maturity:", "caps:\n  - {unless: [script_runs], max_percent: 40, reason: core}\nmaturity:")
    toy = exercise_mod.load("toy")
    assert toy.rubric.requires == {"answer": ["script_runs"]}
    assert toy.rubric.caps[0].max_percent == 40


PARAMS = "from harness.grading import ExerciseParams\n\n\nclass Params(ExerciseParams):\n    expected_answer: str\n"


def test_params_are_checked_against_the_graders_declaration(toy_root: Path) -> None:
    (toy_root / "graders" / "toy" / "params.py").write_text(PARAMS)
    assert exercise_mod.load("toy").spec.params == {"expected_answer": "42"}
    spec = toy_root / "exercises" / "toy" / "exercise.yaml"
    spec.write_text(spec.read_text().replace("expected_answer:", "expected_anwser:"))
    message = _error(toy_root)
    assert message.startswith(f"{spec}:12: params.expected_anwser:") and "spelling" in message


def test_a_params_module_must_declare_params(toy_root: Path) -> None:
    (toy_root / "graders" / "toy" / "params.py").write_text("class Params:\n    pass\n")
    assert "must define `class Params(ExerciseParams)`" in _error(toy_root)
