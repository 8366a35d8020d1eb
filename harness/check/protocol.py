"""What the harness hands the check process (a JSON file); what comes back is `harness.model.checks`."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from harness.model.execution import BackendOptions, Limits

CONTEXT_ENV = "OPSDRILL_CHECK_CONTEXT"
#: Asked of a check process that ran out of time: write where each of its threads is.
STACKS_SIGNAL = signal.SIGUSR1
#: Where it writes them, beside its results file.
STACKS_FILE = "stacks.txt"


class CheckContext(BaseModel):
    exercise_id: str
    exercise_dir: Path
    submission_dir: Path
    backend: str
    backend_options: BackendOptions
    limits: Limits
    params: dict[str, Any] = Field(default_factory=dict)
    #: The rubric's prerequisites: a check runs after, and only when, the checks it requires passed.
    requires: dict[str, list[str]] = Field(default_factory=dict)
    results_path: Path
