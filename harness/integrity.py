"""Stage: integrity. What a submission contains that a human should know about, as flags.

Nothing here changes a score: the checks never load these files, so injection attempts earn
nothing by construction. The flags say what was tried, with the evidence, for a person to judge.
"""

from __future__ import annotations

from pathlib import Path

from harness.fsutil import file_sha256
from harness.model.flags import Flag, FlagKind
from harness.pytest_config import aimed_at_grader

#: Files Python runs at start-up: no legitimate pipeline needs them in a project folder.
STARTUP_HOOKS = ("sitecustomize.py", "usercustomize.py")
#: Modules a submission could try to shadow at its top level to subvert graders.
SHADOWED = ("pytest", "_pytest", "pluggy", "harness", "json", "yaml", "subprocess", "importlib", "site")
MAX_LISTED = 5


def _listed(paths: list[str]) -> str:
    more = f" and {len(paths) - MAX_LISTED} more" if len(paths) > MAX_LISTED else ""
    return ", ".join(paths[:MAX_LISTED]) + more


def _relative(root: Path, paths: list[Path]) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in paths)


def _startup_hooks(root: Path) -> list[str]:
    hooks = [p for name in STARTUP_HOOKS for p in root.rglob(name)] + list(root.rglob("*.pth"))
    return _relative(root, [p for p in hooks if p.is_file()])


def _shadows(root: Path) -> list[str]:
    found = []
    for name in SHADOWED:
        found += [p for p in (root / f"{name}.py", root / name / "__init__.py") if p.is_file()]
    return _relative(root, found)


def protected_changes(root: Path, starter: Path, protected: list[str]) -> list[Flag]:
    """Files the candidate must leave as the starter has them, compared by content."""
    flags = []
    for relative in protected:
        original, submitted = starter / relative, root / relative
        if not submitted.is_file() or submitted.is_symlink():
            flags.append(
                Flag(kind=FlagKind.PROTECTED_FILE_CHANGED, detail=f"{relative} was removed or replaced by a link")
            )
        elif file_sha256(submitted) != file_sha256(original):
            flags.append(
                Flag(
                    kind=FlagKind.PROTECTED_FILE_CHANGED,
                    detail=f"{relative} differs from the starter (sha256 {file_sha256(original)[:12]} -> "
                    f"{file_sha256(submitted)[:12]}); the checks use the kit's own copy",
                )
            )
    return flags


def inspect_submission(root: Path, starter: Path, protected: list[str]) -> list[Flag]:
    flags = []
    if aimed := aimed_at_grader(root):
        detail = f"pytest configuration aimed at the grader, which never loads it: {_listed(aimed)}"
        flags.append(Flag(kind=FlagKind.TAMPER_ATTEMPT, detail=detail))
    if hooks := _startup_hooks(root):
        flags.append(
            Flag(kind=FlagKind.TAMPER_ATTEMPT, detail=f"Python start-up hooks in the submission: {_listed(hooks)}")
        )
    if shadows := _shadows(root):
        flags.append(Flag(kind=FlagKind.TAMPER_ATTEMPT, detail=f"modules shadowing the grader's: {_listed(shadows)}"))
    return flags + protected_changes(root, starter, protected)
