"""`opsdrill submit` packs what a grader needs and says what it left out; `opsdrill grade` holds the
packed files to their manifest and flags what changed after packing."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliRunner

from harness import exercise as exercise_mod
from harness.exitcodes import ExitCode
from harness.model.manifest import MANIFEST_NAME, Manifest
from harness.submit import MAX_FILE_BYTES, pack


@pytest.fixture
def project(toy_root: Path, tmp_path: Path) -> Path:
    """The toy solution, as a candidate leaves it: with an environment, caches and outputs beside it."""
    folder = tmp_path / "project"
    shutil.copytree(toy_root / "exercises" / "toy" / "solution", folder)
    (folder / ".venv" / "lib").mkdir(parents=True)
    (folder / ".venv" / "lib" / "big.so").write_bytes(b"\0" * 1024)
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (folder / "notes" / ".ipynb_checkpoints").mkdir(parents=True)
    (folder / "notes" / "explore.ipynb").write_text("{}")
    (folder / "notes" / ".ipynb_checkpoints" / "explore-checkpoint.ipynb").write_text("{}")
    (folder / "out").mkdir()
    (folder / "out" / "model.joblib").write_bytes(b"model")
    (folder / "models").mkdir()
    (folder / "models" / "shipped-on-purpose.joblib").write_bytes(b"kept")
    (folder / "data.csv").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    (folder / "passwd").symlink_to("/etc/passwd")
    return folder


def _archive(cli: CliRunner, project: Path, out: Path) -> Any:
    result = cli("submit", str(project), "--exercise", "toy", "--out", str(out))
    assert result.returncode == ExitCode.OK, result.stderr
    return result


def _grade(cli: CliRunner, exercise: str, archive: Path, out: Path) -> dict[str, Any]:
    result = cli("grade", exercise, str(archive), "--backend", "local", "--out", str(out), "--format", "json")
    assert result.returncode == ExitCode.OK, result.stderr
    card: dict[str, Any] = json.loads((out / "scorecard.json").read_text())
    return card


def test_submit_leaves_out_environments_caches_outputs_and_large_files(
    cli: CliRunner, project: Path, tmp_path: Path
) -> None:
    # A starter file replaced by a link: never packed (the archive would carry the link's target).
    (project / "answer.txt").unlink()
    (project / "answer.txt").symlink_to("/etc/hostname")
    result = _archive(cli, project, tmp_path / "submission.zip")
    with zipfile.ZipFile(tmp_path / "submission.zip") as archive:
        names = set(archive.namelist())
        manifest = Manifest.model_validate_json(archive.read(MANIFEST_NAME))
    assert names == {"run.sh", "notes/explore.ipynb", "models/shipped-on-purpose.joblib", MANIFEST_NAME}
    assert manifest.exercise == "toy" and manifest.files.keys() == names - {MANIFEST_NAME}
    left = {item.path: item.reason for item in manifest.left_out}
    assert left.keys() == {
        ".venv/",
        "__pycache__/",
        "notes/.ipynb_checkpoints/",
        "out/model.joblib",
        "data.csv",
        "passwd",
        "answer.txt",
    }
    assert "over 20 MiB" in left["data.csv"] and "model output" in left["out/model.joblib"]
    for path in left:
        assert f"left out {path}" in result.stdout
    assert "packed 3 files" in result.stdout


def test_a_model_file_the_starter_has_is_packed(toy_root: Path, tmp_path: Path) -> None:
    starter = toy_root / "exercises" / "toy" / "starter"
    (starter / "model").mkdir()
    (starter / "model" / "shipped.joblib").write_bytes(b"shipped")
    project = tmp_path / "project"
    shutil.copytree(starter, project)
    packed = pack(project, exercise_mod.load_public("toy").spec, starter, tmp_path / "s.zip")
    assert "model/shipped.joblib" in packed.manifest.files


def test_the_packed_submission_grades_without_flags(
    cli: CliRunner, project: Path, tmp_path: Path, valid_scorecard: Callable[[Path], Any]
) -> None:
    _archive(cli, project, tmp_path / "submission.zip")
    card = _grade(cli, "toy", tmp_path / "submission.zip", tmp_path / "graded")
    valid_scorecard(tmp_path / "graded" / "scorecard.json")
    assert card["total"]["percent"] == 100 and card["flags"] == []


def _rewrite(archive: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    with zipfile.ZipFile(archive) as source:
        members = {name: source.read(name) for name in source.namelist()}
    change(members)
    with zipfile.ZipFile(archive, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)


def test_files_changed_after_packing_are_flagged(cli: CliRunner, project: Path, tmp_path: Path) -> None:
    archive = tmp_path / "submission.zip"
    _archive(cli, project, archive)

    def edit(members: dict[str, bytes]) -> None:
        members["answer.txt"] += b"\n"
        members["extra.txt"] = b"added later"
        del members["notes/explore.ipynb"]

    _rewrite(archive, edit)
    flags = _grade(cli, "toy", archive, tmp_path / "graded")["flags"]
    assert [flag["kind"] for flag in flags] == ["manifest_mismatch"]
    detail = flags[0]["detail"]
    assert "edited: answer.txt" in detail and "added: extra.txt" in detail and "removed: notes/explore.ipynb" in detail


def test_another_exercises_submission_is_flagged(cli: CliRunner, project: Path, tmp_path: Path) -> None:
    archive = tmp_path / "submission.zip"
    _archive(cli, project, archive)

    def relabel(members: dict[str, bytes]) -> None:
        manifest = json.loads(members[MANIFEST_NAME])
        members[MANIFEST_NAME] = json.dumps(manifest | {"exercise": "silent-drift"}).encode()

    _rewrite(archive, relabel)
    flags = _grade(cli, "toy", archive, tmp_path / "graded")["flags"]
    assert flags == [{"kind": "other_exercise", "detail": "packed for silent-drift, graded as toy"}]


def test_a_forged_manifest_is_flagged_and_never_reaches_the_checks(
    cli: CliRunner, project: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "submission.zip"
    _archive(cli, project, archive)
    _rewrite(archive, lambda members: members.update({MANIFEST_NAME: b"not json"}))
    card = _grade(cli, "toy", archive, tmp_path / "graded")
    assert [flag["kind"] for flag in card["flags"]] == ["manifest_mismatch"] and card["total"]["percent"] == 100


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["missing-folder", "--exercise", "toy"], "is not a folder"),
        ([".", "--exercise", "toy", "--out", "inside.zip"], "is inside the project"),
        ([".", "--out", "/tmp/x.zip"], "--exercise"),
    ],
)
def test_bad_input_is_one_sentence(
    cli: CliRunner, toy_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arguments: list[str], says: str
) -> None:
    project = tmp_path / "p"
    shutil.copytree(toy_root / "exercises" / "toy" / "solution", project)
    arguments = [str(project / a) if a in ("missing-folder", "inside.zip") else str(project) if a == "." else a
                 for a in arguments]  # fmt: skip
    result = cli("submit", *arguments)
    assert result.returncode == ExitCode.BAD_INPUT and says in result.stderr and "Traceback" not in result.stderr
