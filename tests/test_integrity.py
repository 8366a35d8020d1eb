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
        (
            "tamper_attempt",
            "pytest configuration aimed at the grader, which never loads it: pyproject.toml (loads "
            "plugins or moves the rootdir in its options)",
        ),
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


ORDINARY_CONFTEST = """\
\"\"\"Fixtures for our test harness; run `opsdrill check` before pushing.\"\"\"
import logging
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
os.environ.setdefault("MODEL_PATH", "model/churn.joblib")
logging.basicConfig(level=logging.INFO)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long tests")


@pytest.fixture
def client():
    return object()
"""


def test_a_candidates_own_test_configuration_is_not_flagged(tmp_path: Path) -> None:
    starter, submission = _project(tmp_path)
    (submission / "tests").mkdir()
    (submission / "tests" / "conftest.py").write_text(ORDINARY_CONFTEST)
    (submission / "pytest.ini").write_text("[pytest]\ntestpaths = tests\naddopts = -q -p no:cacheprovider\n")
    (submission / "pyproject.toml").write_text("[tool.pytest.ini_options]\nmarkers = ['slow']\npythonpath = ['.']\n")
    (submission / "setup.cfg").write_text("[flake8]\nmax-line-length = 100\n")
    assert inspect_submission(submission, starter, []) == []


def test_configuration_aimed_at_the_grader_is_named_with_its_evidence(tmp_path: Path) -> None:
    starter, submission = _project(tmp_path)
    (submission / "conftest.py").write_text(
        "import os\nos.environ['X'] = '1'\nos._exit(0)\n\ndef pytest_runtest_makereport(item, call):\n    pass\n"
    )
    (submission / "tests").mkdir()
    (submission / "tests" / "conftest.py").write_text("import harness.check.plugin\n")
    (submission / "tox.ini").write_text("[pytest]\naddopts = -p no:harness.check.plugin\n")
    [flag] = inspect_submission(submission, starter, [])
    assert flag.kind == "tamper_attempt"
    assert flag.detail == (
        "pytest configuration aimed at the grader, which never loads it: "
        "conftest.py (calls os._exit() at import, defines pytest_runtest_makereport), "
        "tests/conftest.py (names the grader), tox.ini (names the grader)"
    )
