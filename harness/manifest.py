"""A packed submission's manifest, checked against what was unpacked: files edited, added or removed
after packing, or a submission packed for another exercise, are flagged for the interviewer. The
manifest is taken out of the workspace before any check sees it; a submission without one grades
as it is."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from harness.fsutil import file_sha256
from harness.model.flags import Flag, FlagKind
from harness.model.manifest import MANIFEST_NAME, Manifest

#: A manifest larger than this is not one `opsdrill submit` wrote.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
#: Paths named in a mismatch flag, at most.
SHOWN = 5


def project_files(root: Path) -> dict[str, Path]:
    """Every regular file under `root` by its `/`-separated relative path (links not followed)."""
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def _listed(paths: list[str]) -> str:
    more = f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else ""
    return ", ".join(paths[:SHOWN]) + more


def verify_manifest(workspace: Path, exercise_id: str) -> list[Flag]:
    """Take the manifest out of `workspace` and compare; the flags for what does not agree."""
    found = workspace / MANIFEST_NAME
    if not found.is_file() or found.is_symlink():
        return []
    size = found.stat().st_size
    raw = found.read_bytes() if size <= MAX_MANIFEST_BYTES else b""
    found.unlink()
    try:
        manifest = Manifest.model_validate_json(raw)
    except ValidationError:
        detail = f"{MANIFEST_NAME} is not a manifest that `opsdrill submit` wrote"
        return [Flag(kind=FlagKind.MANIFEST_MISMATCH, detail=detail)]
    flags: list[Flag] = []
    if manifest.exercise != exercise_id:
        detail = f"packed for {manifest.exercise}, graded as {exercise_id}"
        flags.append(Flag(kind=FlagKind.OTHER_EXERCISE, detail=detail))
    present = project_files(workspace)
    kept = manifest.files.keys() & present.keys()
    changes = {
        "edited": sorted(p for p in kept if file_sha256(present[p]) != manifest.files[p]),
        "added": sorted(present.keys() - manifest.files.keys()),
        "removed": sorted(manifest.files.keys() - present.keys()),
    }
    if any(changes.values()):
        listed = "; ".join(f"{what}: {_listed(paths)}" for what, paths in changes.items() if paths)
        detail = f"the files differ from what was packed at {manifest.packed_at}; {listed}"
        flags.append(Flag(kind=FlagKind.MANIFEST_MISMATCH, detail=detail))
    return flags
