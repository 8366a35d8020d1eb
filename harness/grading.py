"""The public grading API: everything an exercise's checks (hidden and public) may use.

Graders import this module and nothing else of the harness (a test holds them to it), so the
engine's internals can change without touching an exercise. See docs/AUTHORING.md.

How a check explains a failure: one sentence saying what was observed and what the brief asks.
A check states it in its assertion (`assert ok, "..."`). Code that judges something for a check
(a helper, or a scenario shared between checks) returns the problems it found as a list of such
sentences, empty when there is none (a judgement that stops at the first problem returns at most
one), and the check ends with `expect_none(problems)`. A parser that yields a value returns the
value or, when it cannot, the sentence saying why.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.check.grading import Grading
from harness.check.requirements import Requirements, read_requirements
from harness.check.schemas import schema_errors, vendored_schema
from harness.check.workflows import WORKFLOW_GLOBS, Workflow, load_workflows, with_called_scripts
from harness.errors import SandboxError, SubmissionPathError
from harness.model.execution import CandidateBuild, ExecResult
from harness.model.flags import FlagKind
from harness.model.params import ExerciseParams
from harness.sandbox.base import Sandbox
from harness.sandbox.service import HttpRequest, HttpResponse, Service, SinkMessage
from harness.sandbox.sink import MAX_MESSAGES as SINK_MAX_MESSAGES

__all__ = [
    "SINK_MAX_MESSAGES",
    "WORKFLOW_GLOBS",
    "CandidateBuild",
    "ExecResult",
    "ExerciseParams",
    "FlagKind",
    "Grading",
    "HttpRequest",
    "HttpResponse",
    "Requirements",
    "Sandbox",
    "SandboxError",
    "Service",
    "SinkMessage",
    "SubmissionPathError",
    "Workflow",
    "describe",
    "expect_none",
    "last_line",
    "load_workflows",
    "read_requirements",
    "schema_errors",
    "vendored_schema",
    "with_called_scripts",
]

#: Characters of candidate output quoted in a failure's explanation.
QUOTE_CHARS = 200


def last_line(result: ExecResult) -> str:
    """The last meaningful line a command printed: its stderr's, or its stdout's when stderr is empty."""
    for stream in (result.stderr, result.stdout):
        lines = stream.strip().splitlines()
        if lines:
            return lines[-1].strip()[:QUOTE_CHARS]
    return "no output"


def describe(answer: HttpResponse | None) -> str:
    """An answer in a few words: its status, or why there was none."""
    if answer is None:
        return "nothing"
    return f"{answer.status}" if answer.status else f"no answer ({answer.error})"


def expect_none(problems: Sequence[str]) -> None:
    """Fail the check with every problem found (joined by "; "), or pass when there is none."""
    assert not problems, "; ".join(problems)
