"""The wheelhouse: Python packages for offline image builds, picked by an exercise's lock file."""

from __future__ import annotations

import os
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from harness.errors import ContentError, InfrastructureError

WHEELHOUSE_ENV = "OPSDRILL_WHEELHOUSE"


def wheelhouse_dir() -> Path:
    """`$OPSDRILL_WHEELHOUSE`, else ~/.cache/opsdrill/wheelhouse (filled by scripts/wheelhouse)."""
    configured = os.environ.get(WHEELHOUSE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "opsdrill" / "wheelhouse"


def read_lock(lock: Path) -> dict[str, str]:
    """name -> exact version for every line of a fully pinned requirements file."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(lock.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise ContentError(f"{lock}:{number}: '{line}' is not a requirement ({exc}); write name==version.") from exc
        specs = list(requirement.specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            raise ContentError(f"{lock}:{number}: '{line}' is not pinned; write name==version.")
        pins[canonicalize_name(requirement.name)] = specs[0].version
    return pins


def _same_version(pinned: str, version: Version) -> bool:
    """Whether a lock's `==` version is this wheel's (`1.6` is `1.6.0`, as pip reads them)."""
    try:
        return Version(pinned) == version
    except InvalidVersion:
        return False


def select_wheels(lock: Path, wheelhouse: Path | None = None) -> list[Path]:
    """The wheel files the lock asks for; InfrastructureError naming what is missing."""
    folder = wheelhouse or wheelhouse_dir()
    wanted = read_lock(lock)
    found: dict[str, Path] = {}
    for wheel in sorted(folder.glob("*.whl")) if folder.is_dir() else []:
        try:
            name, version, _build, _tags = parse_wheel_filename(wheel.name)
        except InvalidWheelFilename:
            continue
        if name in wanted and _same_version(wanted[name], version):
            found.setdefault(name, wheel)
    missing = sorted(f"{name}=={version}" for name, version in wanted.items() if name not in found)
    if missing:
        shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
        raise InfrastructureError(
            f"The wheelhouse {folder} lacks {shown}; run scripts/wheelhouse on a machine with PyPI access "
            f"(or point {WHEELHOUSE_ENV} at a folder holding those wheels)."
        )
    return [found[name] for name in sorted(found)]
