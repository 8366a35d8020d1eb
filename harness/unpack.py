"""Stage 1: turn a submission (folder, .zip, .tar.gz) into a fresh, safe workspace copy.

Only regular files, folders and symlinks that stay inside the submission are copied; anything
that could write or point outside the workspace is refused with one sentence. The content hash
(`sha256`) covers every path, its executable bit and its bytes, independent of the container.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from harness.errors import SubmissionError

MAX_FILES = 20_000
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 32
MAX_RATIO = 200
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Submission:
    """An unpacked submission: where its copy lives and what it hashed to."""

    source: str
    path: Path
    sha256: str
    files: int


class _Budget:
    """Counts files and bytes across one unpack, refusing once a cap is passed."""

    def __init__(self, origin: str) -> None:
        self.origin, self.files, self.bytes = origin, 0, 0

    def add_file(self) -> None:
        self.files += 1
        if self.files > MAX_FILES:
            raise SubmissionError(
                f"{self.origin} holds more than {MAX_FILES} files; remove generated files and resubmit."
            )

    def add_bytes(self, count: int) -> None:
        self.bytes += count
        if self.bytes > MAX_TOTAL_BYTES:
            raise SubmissionError(
                f"{self.origin} unpacks to more than {MAX_TOTAL_BYTES // 2**20} MiB; "
                "remove data files and build outputs and resubmit."
            )


def _safe_relative(name: str, origin: str) -> PurePosixPath:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = name.encode("utf-8", "backslashreplace").decode("ascii", "replace")
        raise SubmissionError(
            f"{origin} contains a file name that is not valid UTF-8 ({shown}); rename it and resubmit."
        ) from None
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or name.startswith("/"):
        raise SubmissionError(f"{origin} contains the path '{name}', which leaves the submission; repack it.")
    parts = [p for p in path.parts if p not in ("", ".")]
    if len(parts) > MAX_DEPTH:
        raise SubmissionError(f"{origin} nests folders deeper than {MAX_DEPTH} levels at '{name}'; flatten it.")
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


def _copy_stream(src: IO[bytes], dest: Path, budget: _Budget, executable: bool) -> None:
    budget.add_file()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("xb") as out:
        while chunk := src.read(COPY_CHUNK):
            budget.add_bytes(len(chunk))
            out.write(chunk)
    dest.chmod(0o755 if executable else 0o644)


def _link_target_ok(rel: PurePosixPath, target: str) -> bool:
    joined = PurePosixPath(*rel.parent.parts, *PurePosixPath(target).parts)
    depth = 0
    for part in joined.parts:
        depth += -1 if part == ".." else 0 if part == "." else 1
        if depth < 0:
            return False
    return not PurePosixPath(target).is_absolute()


def _from_directory(source: Path, dest: Path, budget: _Budget) -> None:
    for folder, subdirs, files in os.walk(source):
        here = Path(folder)
        for name in sorted(subdirs + files):
            path = here / name
            rel = _safe_relative(path.relative_to(source).as_posix(), str(source))
            info = path.lstat()
            target = dest / rel
            if stat.S_ISLNK(info.st_mode):
                link = str(path.readlink())
                if not _link_target_ok(rel, link):
                    raise SubmissionError(f"{path} is a link to '{link}', outside the submission; remove it.")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(link)
                if name in subdirs:
                    subdirs.remove(name)
            elif stat.S_ISDIR(info.st_mode):
                target.mkdir(parents=True, exist_ok=True)
            elif stat.S_ISREG(info.st_mode):
                with path.open("rb") as handle:
                    _copy_stream(handle, target, budget, bool(info.st_mode & 0o111))
            else:
                raise SubmissionError(f"{path} is not a regular file or folder; remove it and resubmit.")


def _from_zip(source: Path, dest: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(source) as archive:
        for entry in archive.infolist():
            rel = _safe_relative(entry.filename, source.name)
            mode = entry.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise SubmissionError(f"{source.name} contains a link '{entry.filename}'; zip files without links.")
            if entry.is_dir():
                (dest / rel).mkdir(parents=True, exist_ok=True)
                continue
            if entry.file_size > MAX_RATIO * max(entry.compress_size, 1) and entry.file_size > COPY_CHUNK:
                raise SubmissionError(
                    f"{source.name}: '{entry.filename}' expands more than {MAX_RATIO}x; that looks like a zip bomb."
                )
            with archive.open(entry) as handle:
                _copy_stream(handle, dest / rel, budget, bool(mode & 0o111))


def _from_tar(source: Path, dest: Path, budget: _Budget) -> None:
    with tarfile.open(source, mode="r:*") as archive:
        for member in archive:
            rel = _safe_relative(member.name, source.name)
            if member.isdir():
                (dest / rel).mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                handle = archive.extractfile(member)
                assert handle is not None
                with handle:
                    _copy_stream(handle, dest / rel, budget, bool(member.mode & 0o111))
            elif member.issym() and _link_target_ok(rel, member.linkname):
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                (dest / rel).symlink_to(member.linkname)
            else:
                raise SubmissionError(
                    f"{source.name} contains '{member.name}', which is not a plain file, folder or inner link; "
                    "repack without it."
                )


def content_sha256(root: Path) -> str:
    """A hash of the tree: sorted paths, each with its kind, executable bit and bytes."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            digest.update(f"L {rel} -> {path.readlink()}\n".encode())
        elif path.is_file():
            file_hash = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(COPY_CHUNK):
                    file_hash.update(chunk)
            executable = "x" if path.stat().st_mode & 0o111 else "-"
            digest.update(f"F {rel} {executable} {file_hash.hexdigest()}\n".encode())
        elif path.is_dir():
            digest.update(f"D {rel}\n".encode())
    return digest.hexdigest()


def _single_top_folder(dest: Path) -> Path:
    """Archives often wrap everything in one folder; grade what is inside it."""
    entries = list(dest.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return dest


def unpack(source: Path, dest: Path) -> Submission:
    """Copy or extract `source` into the empty folder `dest`."""
    if not source.exists():
        raise SubmissionError(f"Submission '{source}' does not exist; pass a folder, .zip or .tar.gz.")
    budget = _Budget(source.name)
    name = source.name.lower()
    try:
        if source.is_dir():
            _from_directory(source, dest, budget)
        elif name.endswith(".zip") and zipfile.is_zipfile(source):
            _from_zip(source, dest, budget)
        elif name.endswith((".tar.gz", ".tgz", ".tar")) and tarfile.is_tarfile(source):
            _from_tar(source, dest, budget)
        else:
            raise SubmissionError(
                f"Submission '{source}' is not a folder, a .zip or a .tar.gz archive; pack it as one of those."
            )
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, UnicodeError) as exc:
        raise SubmissionError(f"Submission '{source}' could not be unpacked ({exc}); repack it and retry.") from exc
    root = _single_top_folder(dest)
    if not any(root.iterdir()):
        raise SubmissionError(f"Submission '{source}' is empty; submit the project folder.")
    return Submission(str(source), root, content_sha256(root), budget.files)


@contextmanager
def unpacked(source: Path) -> Iterator[Submission]:
    """Unpack into a private temporary folder that is removed afterwards, whatever happens."""
    holder = Path(tempfile.mkdtemp(prefix="opsdrill-submission-"))
    try:
        (holder / "src").mkdir()
        yield unpack(source, holder / "src")
    finally:
        shutil.rmtree(holder, ignore_errors=True)
