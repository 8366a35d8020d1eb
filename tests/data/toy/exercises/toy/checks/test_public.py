"""Public checks of the toy exercise."""

from harness.check.plugin import Grading


def test_answer_present(grading: Grading) -> None:
    assert grading.submission_file("answer.txt") is not None, "add answer.txt"
