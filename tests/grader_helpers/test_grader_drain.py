"""manual-deploy's drain measurement: when a wave of heavy requests, cut by SIGTERM, tells something."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from harness.grading import ExecResult, HttpResponse

SIGTERM_AT = 100.0


@pytest.fixture(scope="module")
def timing(grader: Callable[[str, str], ModuleType]) -> ModuleType:
    return grader("manual-deploy", "timing")


def drain(timing: ModuleType, ends: list[tuple[int, float]]) -> Any:
    """A drain whose requests (status, end in seconds after SIGTERM) were sent a second before it."""
    answers = [HttpResponse(status, sent_at=SIGTERM_AT - 1.0, elapsed_s=1.0 + end) for status, end in ends]
    stopped = ExecResult(argv=(), exit_code=0, stdout="", stderr="", duration_s=1.0)
    return timing.Drain(answers, SIGTERM_AT, 30.0, stopped, margin_s=1.0, answered_after_s=0.2)


def test_a_wave_over_within_the_margin_after_sigterm_was_too_short_to_tell(timing: ModuleType) -> None:
    """A fast server answered everything by 0.1 s after SIGTERM: nothing was cut off, nothing seen
    being served after it; the next try must be a longer wave, not SIGTERM later still."""
    fast = drain(timing, [(200, -0.3), (200, 0.05), (200, 0.1)])
    assert fast.answered_before_sigterm()
    assert fast.undecided() == "the whole wave was answered before SIGTERM arrived"


def test_answers_after_sigterm_show_draining(timing: ModuleType) -> None:
    draining = drain(timing, [(200, -0.3), (200, 0.6), (0, 0.7)])
    assert not draining.answered_before_sigterm() and not draining.undecided()
    assert draining.verdict("") == []


def test_requests_cut_off_with_none_answered_after_sigterm_decide_nothing_until_the_last_try(
    timing: ModuleType,
) -> None:
    dropped = drain(timing, [(200, -0.3), (0, 0.1), (0, 0.1)])
    assert not dropped.answered_before_sigterm() and dropped.undecided()
    assert dropped.verdict("") == [
        "no request in flight at SIGTERM was answered after it (2 cut off, e.g. no answer ())"
    ]
