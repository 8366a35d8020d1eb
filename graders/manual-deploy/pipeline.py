"""How a CI workflow treats the steps that must be able to fail it (the tests, the quality gate)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from harness.grading import Workflow, with_called_scripts

#: A command's failure swallowed on its own line: `|| true`, `|| :`, `|| exit 0`, or `|| echo ...`
#: with no exit after it.
_SWALLOWED = re.compile(r"\|\|\s*(?:true\b|:(?:\s|$)|exit\s+0\b|echo\b(?!.*\bexit\s+[1-9]))")


def _errors_off(before: str) -> bool:
    """Whether the shell text `before` a command leaves errors ignored (`set +e` not undone by `set -e`)."""
    switches = re.findall(r"\bset\s+([+-])e\b", before)
    return bool(switches) and switches[-1] == "+"


def _status_used(after: str) -> bool:
    """Whether the shell text `after` a command reads its exit status (`$?`, `PIPESTATUS`)."""
    return "$?" in after or "PIPESTATUS" in after


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() == "true"


def masked(workflow: Workflow, read: Callable[[str], bytes | None], command: str) -> list[str]:
    """Where the workflow runs `command` in a way that can never fail it: a step or job marked
    `continue-on-error`, a failure swallowed on the command's line, or `set +e` before it."""
    found = []
    jobs = workflow.document.get("jobs") or {}
    for job_id, job in jobs.items():
        if not isinstance(job, dict):
            continue
        for step in job.get("steps") or []:
            if not isinstance(step, dict):
                continue
            text = with_called_scripts(str(step.get("run", "")), read)
            if command not in text:
                continue
            name = str(step.get("name") or f"a step of job {job_id}")
            if _truthy(job.get("continue-on-error")) or _truthy(step.get("continue-on-error")):
                found.append(f"'{name}' may fail without failing the workflow (continue-on-error)")
            elif any(command in line and _SWALLOWED.search(line) for line in text.splitlines()):
                found.append(f"'{name}' swallows the failure of {command}")
            elif _errors_off(text.split(command)[0]) and not _status_used(text.split(command, 1)[1]):
                found.append(f"'{name}' turns errors off (set +e) before {command}")
    return found
