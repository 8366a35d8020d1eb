"""The check process: outcomes come back through the plugin, whatever the graders or candidate do."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness import exercise as exercise_mod
from harness.exercise import Exercise
from harness.grade import grade


def _add_grader(toy_root: Path, source: str, rubric_entry: str) -> Exercise:
    (toy_root / "graders" / "toy" / "test_more.py").write_text(source)
    rubric = toy_root / "rubrics" / "toy.yaml"
    rubric.write_text(rubric.read_text().replace("maturity:", rubric_entry + "maturity:"))
    return exercise_mod.load("toy")


def _entry(check_id: str) -> str:
    return (
        f"  - id: {check_id}\n    criterion: iac\n    points: 1\n    title: {check_id}\n"
        "    feedback: {passed: p, failed: f}\n"
    )


def test_solution_and_starter(toy: Exercise) -> None:
    solution = grade(toy, toy.paths.solution, "local")
    assert solution.total.percent == 100 and solution.maturity_level == 2 and solution.complete
    starter = grade(toy, toy.paths.starter, "local")
    assert starter.total.percent == 0 and starter.maturity_level == 1
    failed = {c.id: c for c in starter.checks}
    assert failed["script_runs"].status == "failed"
    assert failed["script_runs"].feedback == "run.sh must print ok."
    assert failed["script_runs"].detail == "run.sh printed 'nope'"
    assert failed["answer"].detail == "answer.txt is wrong"


def test_failing_fixture_is_an_error_and_skip_marks_incomplete(toy_root: Path) -> None:
    source = (
        "import pytest\n\n"
        "@pytest.fixture\ndef broken():\n    raise RuntimeError('grader bug')\n\n"
        "def test_uses_broken(broken):\n    pass\n\n"
        "def test_skipped():\n    pytest.skip('needs docker')\n"
    )
    toy = _add_grader(toy_root, source, _entry("uses_broken") + _entry("skipped"))
    card = grade(toy, toy.paths.solution, "local")
    status = {c.id: c.status for c in card.checks}
    assert status == {
        "answer": "passed",
        "script_runs": "passed",
        "uses_broken": "error",
        "skipped": "skipped",
    }
    assert next(c for c in card.checks if c.id == "skipped").detail == "needs docker"
    assert not card.complete and card.total.points == 10


def test_dying_check_process_is_flagged_not_raised(toy_root: Path) -> None:
    toy = _add_grader(toy_root, "import os\n\ndef test_dies():\n    os._exit(9)\n", _entry("dies"))
    card = grade(toy, toy.paths.solution, "local")
    assert {c.status for c in card.checks} == {"error"}
    assert [f.kind for f in card.flags] == ["grader_process_failed"]
    assert not card.complete and card.total.points == 0


def test_grading_timeout_stops_the_check_process(toy_root: Path) -> None:
    spec = toy_root / "exercises" / "toy" / "exercise.yaml"
    spec.write_text(spec.read_text().replace("grading_timeout_s: 60", "grading_timeout_s: 2"))
    slow = (
        "import time\n\ndef wait_for_a_slow_service():\n    time.sleep(60)\n\n"
        "def test_slow():\n    wait_for_a_slow_service()\n"
    )
    toy = _add_grader(toy_root, slow, _entry("slow"))
    card = grade(toy, toy.paths.solution, "local")
    flag = next(f for f in card.flags if f.kind == "grading_timeout")
    # Where the checks were waiting when they ran out of time, for whoever has to find out why.
    assert "waiting in wait_for_a_slow_service (test_more.py:4)" in flag.detail
    assert next(c for c in card.checks if c.id == "slow").status == "error"
    assert not card.complete


def test_the_kits_failure_under_a_check_is_graded_again_then_flagged(toy_root: Path, tmp_path: Path) -> None:
    """An error of the kit's own machinery says nothing of the submission: the grading runs once
    more, and only a failure that persists reaches the scorecard, as an error that leaves it incomplete."""
    tries = tmp_path / "tries"
    flaky = (
        "from pathlib import Path\nfrom harness.grading import SandboxError\n\n"
        f"TRIES = Path({str(tries)!r})\n\n"
        "def test_engine():\n"
        "    TRIES.write_text(TRIES.read_text() + 'x' if TRIES.exists() else 'x')\n"
        "    if len(TRIES.read_text()) < LIMIT:\n"
        "        raise SandboxError('the engine went away')\n"
    )
    toy = _add_grader(toy_root, flaky.replace("LIMIT", "2"), _entry("engine"))
    card = grade(toy, toy.paths.solution, "local")
    assert tries.read_text() == "xx" and card.complete and card.flags == []
    assert next(c for c in card.checks if c.id == "engine").status == "passed"

    tries.unlink()
    (toy_root / "graders" / "toy" / "test_more.py").write_text(flaky.replace("LIMIT", "99"))
    card = grade(toy, toy.paths.solution, "local")
    assert tries.read_text() == "xx", "graded twice, no more"
    assert [(f.kind, f.detail) for f in card.flags] == [("infrastructure_error", "engine: the engine went away")]
    assert next(c for c in card.checks if c.id == "engine").status == "error" and not card.complete


def test_a_path_the_submission_cannot_give_fails_its_check_alone(toy_root: Path) -> None:
    missing = "def test_output(grading):\n    grading.sandbox('read').read_file('out/nothing-here.json', 1024)\n"
    toy = _add_grader(toy_root, missing, _entry("output"))
    card = grade(toy, toy.paths.solution, "local")
    check = next(c for c in card.checks if c.id == "output")
    assert check.status == "failed" and "is not a file in the sandbox" in check.detail
    assert card.flags == [] and card.complete


def test_submission_pytest_config_is_never_loaded(toy: Exercise, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile"
    shutil.copytree(toy.paths.starter, hostile)
    (hostile / "conftest.py").write_text(
        "import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n"
    )
    (hostile / "pytest.ini").write_text("[pytest]\naddopts = -p conftest\n")
    (hostile / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '-p conftest'\n")
    card = grade(toy, hostile, "local")
    assert card.total.points == 0


def _require_script(toy_root: Path) -> Exercise:
    """`answer` (collected first) requires `script_runs`; the total is capped without it."""
    rubric = toy_root / "rubrics" / "toy.yaml"
    text = rubric.read_text().replace(
        "    title: The answer is right", "    title: The answer is right\n    requires: [script_runs]"
    )
    rubric.write_text(
        text.replace("maturity:", "caps:\n  - {unless: [script_runs], max_percent: 30, reason: r}\nmaturity:")
    )
    return exercise_mod.load("toy")


def test_prerequisites_run_first(toy_root: Path) -> None:
    toy = _require_script(toy_root)
    card = grade(toy, toy.paths.solution, "local")
    assert [(c.id, c.status, c.counted) for c in card.checks] == [
        ("answer", "passed", True),
        ("script_runs", "passed", True),
    ]
    assert card.total.percent == 100 and card.maturity_level == 2 and not any(cap.applied for cap in card.caps)


def test_a_check_whose_prerequisite_failed_is_not_run(toy_root: Path, tmp_path: Path) -> None:
    toy = _require_script(toy_root)
    # The right answer and a broken script: `answer` would pass, but it is not even run.
    submission = tmp_path / "half"
    shutil.copytree(toy.paths.starter, submission)
    (submission / "answer.txt").write_text("42\n")
    card = grade(toy, submission, "local")
    answer = next(c for c in card.checks if c.id == "answer")
    assert (answer.status, answer.points, answer.counted) == ("blocked", 0, False)
    assert answer.detail == "not run: requires script_runs, which did not pass: run.sh printed 'nope'"
    assert card.total.points == 0 and card.caps[0].applied


def test_parametrized_check_passes_only_if_every_case_does(toy_root: Path) -> None:
    source = (
        "import pytest\n\n"
        "@pytest.mark.parametrize('n', [1, 2, 3])\ndef test_cases(n):\n    assert n != 2, f'{n} is two'\n\n"
        "@pytest.mark.parametrize('n', [1, 3])\ndef test_all_good(n):\n    assert n != 2\n"
    )
    toy = _add_grader(toy_root, source, _entry("cases") + _entry("all_good"))
    card = grade(toy, toy.paths.solution, "local")
    checks = {c.id: c for c in card.checks}
    assert checks["cases"].status == "failed" and checks["cases"].detail.startswith("case 2: 2 is two")
    assert checks["all_good"].status == "passed" and card.complete
