"""Integrity flags: what a submission tried, with evidence, without touching its score."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.integrity import inspect_submission


def _project(tmp_path: Path) -> tuple[Path, Path]:
    starter = tmp_path / "starter"
    starter.mkdir()
    (starter / "source.py").write_text("DATA = 1\n")
    (starter / "train.py").write_text("print('train')\n")
    submission = tmp_path / "submission"
    shutil.copytree(starter, submission)
    return starter, submission


def test_a_clean_submission_has_no_flags(tmp_path: Path) -> None:
    starter, submission = _project(tmp_path)
    (submission / "train.py").write_text("print('better')\n")
    assert inspect_submission(submission, starter, ["source.py"]) == []


def test_injection_attempts_are_named(tmp_path: Path) -> None:
    starter, submission = _project(tmp_path)
    (submission / "tests").mkdir()
    (submission / "tests" / "conftest.py").write_text("")
    (submission / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '-p evil'\n")
    (submission / "sitecustomize.py").write_text("")
    (submission / "evil.pth").write_text("import os\n")
    (submission / "pytest.py").write_text("")
    (submission / "harness").mkdir()
    (submission / "harness" / "__init__.py").write_text("")
    flags = {(f.kind, f.detail) for f in inspect_submission(submission, starter, [])}
    assert flags == {
        ("pytest_config_ignored", "not used by the grader: pyproject.toml, tests/conftest.py"),
        ("tamper_attempt", "Python start-up hooks in the submission: evil.pth, sitecustomize.py"),
        ("tamper_attempt", "modules shadowing the grader's: harness/__init__.py, pytest.py"),
    }


def test_protected_files_changed_removed_or_linked(tmp_path: Path) -> None:
    starter, submission = _project(tmp_path)
    (submission / "source.py").write_text("DATA = 2\n")
    details = [f.detail for f in inspect_submission(submission, starter, ["source.py"])]
    assert len(details) == 1 and details[0].startswith("source.py differs from the starter (sha256 ")
    (submission / "source.py").unlink()
    (submission / "source.py").symlink_to("train.py")
    assert [f.kind for f in inspect_submission(submission, starter, ["source.py"])] == ["protected_file_changed"]
