"""Stage 1: folders and archives become a safe workspace copy with a stable content hash."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from harness import unpack
from harness.errors import SubmissionError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("print('hi')\n")
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    (root / "data.bin").write_bytes(bytes(range(256)) * 10)
    return root


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def _tar(path: Path, entries: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _entries(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_directory_copy_keeps_content_and_exec_bit(project: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    result = unpack.unpack(project, dest)
    assert _entries(result.path) == _entries(project)
    assert os.access(result.path / "run.sh", os.X_OK)
    assert result.files == 3 and len(result.sha256) == 64


def test_same_content_same_hash_whatever_the_container(project: Path, tmp_path: Path) -> None:
    """A folder, a zip with a wrapping folder and a tar.gz of the same files hash alike."""
    (project / "run.sh").chmod(0o644)  # these archives carry no exec bits
    entries = _entries(project)
    wrapped = {f"submission/{name}": data for name, data in entries.items()}
    hashes = set()
    for source in (project, _zip(tmp_path / "s.zip", wrapped), _tar(tmp_path / "s.tar.gz", entries)):
        with unpack.unpacked(source) as submission:
            hashes.add(submission.sha256)
    assert len(hashes) == 1


def test_hash_changes_with_one_byte(project: Path) -> None:
    with unpack.unpacked(project) as before:
        first = before.sha256
    (project / "pkg" / "mod.py").write_text("print('ho')\n")
    with unpack.unpacked(project) as after:
        assert after.sha256 != first


def test_unpacked_folder_is_removed_afterwards(project: Path) -> None:
    with unpack.unpacked(project) as submission:
        holder = submission.path.parent
        assert holder.exists()
    assert not holder.exists()


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/evil.txt", "a/../../escape.txt"])
def test_zip_paths_leaving_the_workspace_are_refused(tmp_path: Path, name: str) -> None:
    archive = _zip(tmp_path / "evil.zip", {"ok.txt": b"ok", name: b"evil"})
    with pytest.raises(SubmissionError, match="leaves the submission"), unpack.unpacked(archive):
        pass
    assert not (tmp_path / "escape.txt").exists()


def test_tar_with_absolute_path_is_refused(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "evil.tar.gz", {"/tmp/opsdrill-evil-abs.txt": b"evil"})
    with pytest.raises(SubmissionError, match="leaves the submission"), unpack.unpacked(archive):
        pass
    assert not Path("/tmp/opsdrill-evil-abs.txt").exists()


def test_tar_links_out_and_devices_are_refused(tmp_path: Path) -> None:
    for kind, target in (
        (tarfile.SYMTYPE, "/etc/passwd"),
        (tarfile.LNKTYPE, "/etc/passwd"),
        (tarfile.CHRTYPE, ""),
    ):
        path = tmp_path / f"evil-{kind!r}.tar"
        with tarfile.open(path, "w") as archive:
            info = tarfile.TarInfo("innocent")
            info.type, info.linkname = kind, target
            archive.addfile(info)
        with pytest.raises(SubmissionError), unpack.unpacked(path):
            pass


def test_zip_with_a_link_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("passwd")
        info.external_attr = 0o120777 << 16  # a symlink entry
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(SubmissionError, match="contains a link"), unpack.unpacked(path):
        pass


def test_folder_with_link_out_is_refused(project: Path) -> None:
    (project / "passwd").symlink_to("/etc/passwd")
    with pytest.raises(SubmissionError, match="outside the submission"), unpack.unpacked(project):
        pass


def test_folder_with_inner_link_is_kept_as_link(project: Path) -> None:
    (project / "alias.py").symlink_to("pkg/mod.py")
    with unpack.unpacked(project) as submission:
        assert (submission.path / "alias.py").is_symlink()
        assert (submission.path / "alias.py").read_text() == "print('hi')\n"


def test_fifo_is_refused(project: Path) -> None:
    os.mkfifo(project / "pipe")
    with pytest.raises(SubmissionError, match="not a regular file"), unpack.unpacked(project):
        pass


def test_zip_bomb_ratio_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"zeros.bin": b"\0" * (50 * 1024 * 1024)})
    with pytest.raises(SubmissionError, match="zip bomb"), unpack.unpacked(archive):
        pass


def test_too_many_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unpack, "MAX_FILES", 5)
    archive = _zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(6)})
    with pytest.raises(SubmissionError, match="more than 5 files"), unpack.unpacked(archive):
        pass


def test_total_size_cap_counts_real_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unpack, "MAX_TOTAL_BYTES", 1000)
    archive = _tar(tmp_path / "big.tar.gz", {"a.bin": os.urandom(600), "b.bin": os.urandom(600)})
    with pytest.raises(SubmissionError, match="unpacks to more than"), unpack.unpacked(archive):
        pass


def test_too_deep(tmp_path: Path) -> None:
    deep = "/".join(["d"] * (unpack.MAX_DEPTH + 2)) + "/f.txt"
    with (
        pytest.raises(SubmissionError, match="deeper than"),
        unpack.unpacked(_zip(tmp_path / "deep.zip", {deep: b"x"})),
    ):
        pass


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"hello", "not a folder, a .zip or a .tar.gz"),
        ("broken.zip", b"PK\x03\x04garbage", "not a folder, a .zip or a .tar.gz"),
        ("empty.tar.gz", b"", "not a folder, a .zip or a .tar.gz"),
    ],
)
def test_non_archives_are_refused_in_one_sentence(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SubmissionError, match=message), unpack.unpacked(path):
        pass


def test_missing_and_empty_submissions(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match="does not exist"), unpack.unpacked(tmp_path / "nope"):
        pass
    (tmp_path / "empty").mkdir()
    with pytest.raises(SubmissionError, match="is empty"), unpack.unpacked(tmp_path / "empty"):
        pass


def test_undecodable_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.tar"
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT, encoding="latin-1") as archive:
        info = tarfile.TarInfo("caf\xe9.txt")
        archive.addfile(info, io.BytesIO(b""))
    with pytest.raises(SubmissionError, match="not valid UTF-8"), unpack.unpacked(path):
        pass


def test_nested_archives_are_copied_not_opened(tmp_path: Path) -> None:
    inner = _zip(tmp_path / "inner.zip", {"../../escape.txt": b"evil"})
    outer = _zip(tmp_path / "outer.zip", {"project/inner.zip": inner.read_bytes(), "project/a.txt": b"a"})
    with unpack.unpacked(outer) as submission:
        assert sorted(p.name for p in submission.path.iterdir()) == ["a.txt", "inner.zip"]
    assert not (tmp_path / "escape.txt").exists()
