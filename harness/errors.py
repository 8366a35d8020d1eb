"""The one exception tree of opsdrill. Every message is a full sentence that says what to do.

    OpsdrillError
    ├── BadInputError              the user gave us something we cannot use
    │   ├── UnknownExerciseError   no exercise with that id
    │   └── SubmissionError        missing path, unreadable or unsafe archive
    ├── ContentError               an exercise, rubric or grader in the kit is wrong (author error)
    └── InfrastructureError        the machinery failed: backend unavailable, sandbox crashed
        └── SandboxError           a sandbox could not be created or driven

Candidate code misbehaving is never an exception: it becomes a failed check and a flag.
"""

from __future__ import annotations

from harness.exitcodes import ExitCode


class OpsdrillError(Exception):
    """Root of all errors opsdrill raises on purpose."""

    exit_code: ExitCode = ExitCode.INTERNAL_ERROR


class BadInputError(OpsdrillError):
    exit_code = ExitCode.BAD_INPUT


class UnknownExerciseError(BadInputError):
    pass


class SubmissionError(BadInputError):
    pass


class ContentError(OpsdrillError):
    exit_code = ExitCode.INVALID_CONTENT


class InfrastructureError(OpsdrillError):
    exit_code = ExitCode.INFRASTRUCTURE


class SandboxError(InfrastructureError):
    pass


class SubmissionPathError(SandboxError):
    """A path of the submission's workspace that cannot be used as asked (missing, not a regular
    file, too large, outside the workspace): the submission's doing, not the kit's."""
