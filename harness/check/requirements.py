"""What a requirements file pins: one reading of "pinned" for every check that asks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

HASH_OPTION = re.compile(r"\s--hash=\S+")


@dataclass(frozen=True)
class Requirements:
    #: Canonical package name -> the one version it is pinned to (`==` or `===`, no wildcard, no URL).
    pinned: dict[str, str] = field(default_factory=dict)
    #: Requirement lines that do not pin one exact version (unparseable lines included), as written.
    loose: list[str] = field(default_factory=list)

    def missing(self, names: list[str]) -> list[str]:
        """Of `names`, those not pinned here (canonical names, sorted)."""
        return sorted({canonicalize_name(name) for name in names} - set(self.pinned))


#: Option lines that install something without pinning it.
UNPINNED_OPTIONS = ("-e", "--editable")


def _lines(text: str) -> list[str]:
    """Requirement lines: continuations joined, comments and `--hash` options dropped, and option
    lines (`-r`, `-c`, `--index-url`, ...) left out, except editable installs, which pin nothing."""
    joined = text.replace("\r\n", "\n").replace("\\\n", " ")
    lines = [HASH_OPTION.sub("", line.split(" #", 1)[0]).strip() for line in joined.splitlines()]
    return [line for line in lines if line and (not line.startswith(("#", "-")) or line.startswith(UNPINNED_OPTIONS))]


def read_requirements(text: str) -> Requirements:
    found = Requirements()
    for line in _lines(text):
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            found.loose.append(line)
            continue
        specs = list(requirement.specifier)
        exact = len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version
        if exact and requirement.url is None:
            found.pinned[canonicalize_name(requirement.name)] = specs[0].version
        else:
            found.loose.append(line)
    return found
