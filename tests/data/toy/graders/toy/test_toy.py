"""Hidden checks of the toy exercise."""

from harness.check.plugin import Grading


def test_answer(grading: Grading) -> None:
    raw = grading.submission_file("answer.txt")
    assert raw is not None and raw.decode().strip() == grading.params["expected_answer"], "answer.txt is wrong"


def test_script_runs(grading: Grading) -> None:
    result = grading.sandbox("toy").exec(["sh", "run.sh"])
    assert result.ok and result.stdout.strip() == "ok", f"run.sh printed {result.stdout.strip()!r}"
