"""`opsdrill submit`: pack a candidate's project as a .zip with a manifest of what was packed.

Left out, and listed: virtual environments, caches, notebook checkpoints, version-control folders,
model outputs (model files in an output folder such as out/ or artifacts/, unless the starter has
them there), symbolic links, and any file over the size cap. A model file elsewhere is packed: a
candidate may ship one on purpose, and a grader that misses it costs more than a larger archive.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from harness import __version__
from harness.errors import SubmissionError
from harness.fsutil import file_sha256
from harness.model.manifest import MANIFEST_NAME, LeftOut, Manifest
from harness.spec.exercise import ExerciseSpec

#: Folders never packed: environments, caches, checkpoints, version control, experiment logs.
SKIPPED_FOLDERS = {
    ".venv": "a virtual environment",
    "venv": "a virtual environment",
    ".tox": "a virtual environment",
    ".nox": "a virtual environment",
    "node_modules": "installed packages",
    "__pycache__": "a cache",
    ".pytest_cache": "a cache",
    ".mypy_cache": "a cache",
    ".ruff_cache": "a cache",
    ".ipynb_checkpoints": "notebook checkpoints",
    ".git": "version control",
    ".hg": "version control",
    "mlruns": "experiment logs",
    "wandb": "experiment logs",
}
SKIPPED_SUFFIXES = {".pyc": "compiled Python", ".pyo": "compiled Python"}
#: Model outputs: model files under one of OUTPUT_FOLDERS, unless the starter has the file.
OUTPUT_FOLDERS = {"out", "output", "outputs", "artifacts", "checkpoints", "runs"}
MODEL_SUFFIXES = {".joblib", ".pkl", ".pickle", ".pt", ".pth", ".onnx", ".h5", ".ckpt", ".safetensors"}
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Packed:
    archive: Path
    manifest: Manifest


def _left_out(relative: PurePosixPath, path: Path, starter: set[str]) -> str | None:
    """Why a file is not packed, or None to pack it."""
    if path.is_symlink():
        return "a symbolic link"
    if relative.as_posix() in starter:
        return None
    if relative.suffix in SKIPPED_SUFFIXES:
        return SKIPPED_SUFFIXES[relative.suffix]
    if relative.suffix in MODEL_SUFFIXES and OUTPUT_FOLDERS & set(relative.parts[:-1]):
        return "a model output (the pipeline makes it)"
    if relative.name == MANIFEST_NAME:
        return "a manifest of an earlier packing"
    if path.stat().st_size > MAX_FILE_BYTES:
        return f"over {MAX_FILE_BYTES // 2**20} MiB"
    return None


def _walk(project: Path, starter: set[str]) -> tuple[dict[str, Path], list[LeftOut]]:
    packed: dict[str, Path] = {}
    left: list[LeftOut] = []
    for folder, subfolders, files in os.walk(project):
        here = Path(folder)
        for name in sorted(subfolders):
            relative = (here / name).relative_to(project).as_posix()
            if name in SKIPPED_FOLDERS or (here / name).is_symlink():
                subfolders.remove(name)
                left.append(LeftOut(path=relative + "/", reason=SKIPPED_FOLDERS.get(name, "a symbolic link")))
        for name in sorted(files):
            path = here / name
            posix = PurePosixPath(path.relative_to(project).as_posix())
            reason = _left_out(posix, path, starter)
            if reason is None:
                packed[posix.as_posix()] = path
            else:
                left.append(LeftOut(path=posix.as_posix(), reason=reason))
    return dict(sorted(packed.items())), sorted(left, key=lambda item: item.path)


def pack(project: Path, spec: ExerciseSpec, starter: Path, out: Path) -> Packed:
    """Write `out` (a .zip): the project's files and the manifest. Replaces `out` only when done."""
    if not project.is_dir():
        raise SubmissionError(f"{project} is not a folder; give the folder of your project.")
    if out.resolve().is_relative_to(project.resolve()):
        raise SubmissionError(f"{out} is inside the project; write the archive outside {project}.")
    starter_files = {p.relative_to(starter).as_posix() for p in starter.rglob("*") if p.is_file()}
    files, left = _walk(project, starter_files)
    if not files:
        raise SubmissionError(f"{project} has no files to pack.")
    manifest = Manifest(
        exercise=spec.id,
        exercise_version=spec.version,
        kit_version=__version__,
        packed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        files={relative: file_sha256(path) for relative, path in files.items()},
        left_out=left,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".opsdrill-submit-", suffix=".zip", dir=out.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for relative, path in files.items():
                info = zipfile.ZipInfo.from_file(path, relative)
                info.external_attr = (stat.S_IFREG | (path.stat().st_mode & 0o777)) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with path.open("rb") as source, archive.open(info, "w") as target:
                    while chunk := source.read(1024 * 1024):
                        target.write(chunk)
            archive.writestr(MANIFEST_NAME, manifest.model_dump_json(indent=2) + "\n")
        Path(temporary).replace(out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Packed(out, manifest)
