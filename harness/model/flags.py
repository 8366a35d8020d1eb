"""Flags: facts about a grading that a human should see beside the score."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class FlagKind(StrEnum):
    #: The submission changed or removed a file the exercise protects.
    PROTECTED_FILE_CHANGED = "protected_file_changed"
    #: The submission reaches for the grader (start-up hooks, shadowing modules, pytest options).
    TAMPER_ATTEMPT = "tamper_attempt"
    #: The submission's files differ from what `opsdrill submit` packed (edited, added or removed since).
    MANIFEST_MISMATCH = "manifest_mismatch"
    #: The submission was packed for another exercise.
    OTHER_EXERCISE = "other_exercise"
    #: The hidden checks ran out of their time; the score is incomplete.
    GRADING_TIMEOUT = "grading_timeout"
    #: The check process died; the score is incomplete.
    GRADER_PROCESS_FAILED = "grader_process_failed"
    #: The kit's own machinery (the engine, a sandbox, the prober) failed under a check, again when
    #: graded once more; the checks it stopped are errors, not failures, and the score is incomplete.
    INFRASTRUCTURE_ERROR = "infrastructure_error"
    #: A candidate command ran out of its time.
    TIMEOUT = "timeout"
    #: A candidate command hit one of the exercise's limits.
    OUTPUT_LIMIT = "output_limit"
    MEMORY_LIMIT = "memory_limit"
    CPU_LIMIT = "cpu_limit"
    PIDS_LIMIT = "pids_limit"
    FILE_SIZE_LIMIT = "file_size_limit"
    DISK_LIMIT = "disk_limit"


#: Flags that mean the score is incomplete: some checks never got their verdict.
INCOMPLETE_FLAGS = frozenset({FlagKind.GRADING_TIMEOUT, FlagKind.GRADER_PROCESS_FAILED, FlagKind.INFRASTRUCTURE_ERROR})


class Flag(BaseModel):
    kind: FlagKind
    detail: str
