"""What a CI workflow's steps really run, for checks that look for a training, test or gate step.

A step may call a script of the project (`ci/check.sh`, `python tools/repro.py`) or a make
target instead of spelling the commands out; a candidate who moved them there did the same work
as one who inlined them. So a step's commands count together with the text of the project scripts
it names and, when it runs make, the Makefile (one level deep: scripts named by scripts are not
followed). Everything is read as text, never run.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from harness.check.schemas import schema_errors

#: Files a step may call as a script: shell and Python scripts, and executables without a suffix.
SCRIPT_SUFFIXES = frozenset({".sh", ".bash", ".py", ""})
MAKEFILES = ("Makefile", "makefile", "GNUmakefile")
PATH_TOKEN = re.compile(r"[A-Za-z0-9_./-]+")
MAKE = re.compile(r"(^|[\s;&|(])make(\s|$)")
MAX_SCRIPTS = 20


def _project_script(token: str) -> str | None:
    """`token` as the path of a script inside the project, or None when it cannot name one (a bare
    word such as `python` or `pip` is a command, not a file)."""
    if "/" not in token and "." not in token:
        return None
    path = posixpath.normpath(token.removeprefix("./"))
    if path.startswith(("/", "..")) or path == "." or posixpath.splitext(path)[1] not in SCRIPT_SUFFIXES:
        return None
    return path


def with_called_scripts(commands: str, read: Callable[[str], bytes | None]) -> str:
    """`commands` followed by the text of every project script they name (and the Makefile when
    they run make); `read` gives a project file's bytes, or None when there is no such file."""
    wanted = [path for token in PATH_TOKEN.findall(commands) if (path := _project_script(token))]
    if MAKE.search(commands):
        wanted += MAKEFILES
    texts = [commands]
    for path in list(dict.fromkeys(wanted))[:MAX_SCRIPTS]:
        content = read(path)
        if content is not None:
            texts.append(content.decode("utf-8", "replace"))
    return "\n".join(texts)


WORKFLOW_GLOBS = (".github/workflows/*.yml", ".github/workflows/*.yaml")


@dataclass(frozen=True)
class Workflow:
    """A GitHub Actions workflow of the submission that is YAML and meets the workflow schema."""

    path: str
    document: dict[str, Any]

    def steps(self) -> list[dict[str, Any]]:
        jobs = self.document.get("jobs") or {}
        return [
            s for job in jobs.values() if isinstance(job, dict) for s in job.get("steps") or [] if isinstance(s, dict)
        ]

    def runs(self, read: Callable[[str], bytes | None]) -> str:
        """What its steps run, with the project scripts they call (see `with_called_scripts`)."""
        return with_called_scripts(" \n".join(str(step.get("run", "")) for step in self.steps()), read)

    def uses(self) -> str:
        """The actions its steps use, space-separated."""
        return " ".join(str(step.get("uses", "")) for step in self.steps())


def _normalised(document: Any) -> Any:
    """YAML 1.1 reads the `on:` key as True; the workflow schema (and GitHub) mean the string."""
    if isinstance(document, dict) and True in document:
        document = {("on" if k is True else k): v for k, v in document.items()}
    return document


def load_workflows(read: Callable[[str], bytes | None], paths: list[str]) -> tuple[list[Workflow], list[str]]:
    """The workflows among `paths` that are valid, and one sentence per file that is not."""
    workflows: list[Workflow] = []
    problems: list[str] = []
    for path in paths:
        try:
            document = _normalised(yaml.safe_load((read(path) or b"").decode("utf-8", "replace")))
        except yaml.YAMLError as exc:
            problems.append(f"{path} is not YAML ({str(exc).splitlines()[0][:120]})")
            continue
        errors = schema_errors(document, "github-workflows")
        if errors or not isinstance(document, dict):
            problems.append(f"{path} is not a valid workflow: {errors[0] if errors else 'not a mapping'}")
            continue
        workflows.append(Workflow(path, document))
    return workflows, problems
