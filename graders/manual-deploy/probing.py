"""Saying what came back from the candidate's service."""

from __future__ import annotations

from harness.sandbox.service import HttpResponse


def status_text(answer: HttpResponse | None) -> str:
    if answer is None:
        return "nothing"
    return f"{answer.status}" if answer.status else f"no answer ({answer.error})"
