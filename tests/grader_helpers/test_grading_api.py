"""harness.grading's helpers for explaining a failure in one sentence."""

from __future__ import annotations

import pytest

from harness.grading import QUOTE_CHARS, HttpResponse, describe, expect_none, last_line
from harness.testing import completed


def test_last_line_prefers_stderr() -> None:
    result = completed(["python", "train.py"], 1, stdout="epoch 1\nepoch 2\n",
                       stderr="Traceback (most recent call last):\n  ...\nValueError: bad seed  \n\n")  # fmt: skip
    assert last_line(result) == "ValueError: bad seed"


def test_last_line_falls_back_to_stdout_then_to_no_output() -> None:
    assert last_line(completed(["make"], 2, stdout="step 1\nFAILED: gate\n", stderr=" \n")) == "FAILED: gate"
    assert last_line(completed(["true"], 0)) == "no output"


def test_last_line_is_cut_to_a_quote() -> None:
    assert last_line(completed(["x"], 1, stderr="E" * 1000)) == "E" * QUOTE_CHARS


def test_describe_an_answer_in_a_few_words() -> None:
    assert describe(None) == "nothing"
    assert describe(HttpResponse(status=503, body=b"starting")) == "503"
    assert describe(HttpResponse(status=0, error="connection refused")) == "no answer (connection refused)"


def test_expect_none_passes_on_no_problem_and_joins_every_problem() -> None:
    expect_none([])
    with pytest.raises(AssertionError) as failure:
        expect_none(["service 'web' lacks a healthcheck", "there is no FROM"])
    assert str(failure.value).splitlines()[0] == "service 'web' lacks a healthcheck; there is no FROM"
