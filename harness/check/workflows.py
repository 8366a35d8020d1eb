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
