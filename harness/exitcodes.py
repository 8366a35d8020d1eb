"""Exit codes of the `opsdrill` command, documented here and only here."""

from enum import IntEnum


class ExitCode(IntEnum):
    #: The command did its job. For `grade` this means graded, whatever the score.
    OK = 0
    #: `validate`: an exercise does not meet its expectations (solution, starter or a variant).
    VALIDATION_FAILED = 1
    #: The command line itself is wrong (unknown option, missing argument).
    USAGE = 2
    #: Bad input: missing path, unknown exercise, malformed or unsafe archive.
    BAD_INPUT = 3
    #: Kit content is wrong: invalid exercise.yaml, rubric, or a rubric check with no grader test.
    INVALID_CONTENT = 4
    #: Infrastructure failed: sandbox backend unavailable or crashed, grader process died.
    INFRASTRUCTURE = 5
    #: Interrupted by the user (Ctrl-C); nothing half-written was left behind.
    INTERRUPTED = 130
    #: A bug in opsdrill. Please report it with the command that triggered it.
    INTERNAL_ERROR = 70
