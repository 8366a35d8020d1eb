"""The take-home, both sides: the interviewer exports a bundle from the content pack; the candidate,
with the engine installed from its wheel and nothing else, self-checks and submits; the interviewer
grades what came back. And what a bundle never holds."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, CliRunner

from harness import exercise as exercise_mod
from harness.bundle import KIT_DIR, PROJECT_DIR
from harness.content import exercise_ids
from harness.exitcodes import ExitCode
from harness.model.manifest import MANIFEST_NAME

EXERCISES = REPO / "exercises"
#: What only whoever grades holds.
HIDDEN_FOLDERS = [REPO / "graders", REPO / "rubrics", *EXERCISES.glob("*/solution"), *EXERCISES.glob("*/variants")]
#: What a candidate may hold anyway.
PUBLIC_FOLDERS = [*EXERCISES.glob("*/starter"), *EXERCISES.glob("*/checks"), *EXERCISES.glob("*/image")]
TAKE_HOME = "unreproducible-run"


def _digests(folders: list[Path]) -> set[str]:
    return {
        hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.stat().st_size > 0
    }


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def identifying_values(exercise_id: str) -> list[str]:
    """The grader params that could identify a check: numbers of three significant digits or more
    (seeds, reference scores) and strings, unless the brief or the starter has them (then they are
    public: a feature's name, a section of the runbook)."""
    exercise = exercise_mod.load(exercise_id)
    starter = [p.read_text(errors="replace") for p in exercise.paths.starter.rglob("*") if p.is_file()]
    public = "\n".join([exercise.paths.brief.read_text(encoding="utf-8"), *starter])
    found = []
    for value in _leaves(exercise.spec.params):
        text = str(value)
        if isinstance(value, bool) or text.lower() in public.lower():
            continue
        if isinstance(value, int | float) and len(re.sub(r"[^0-9]", "", text).strip("0")) < 3:
            continue
        found.append(text)
    return found


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every exercise's bundle, exported with the content pack (this clone)."""
    out = tmp_path_factory.mktemp("bundles")
    made = {}
    for exercise_id in exercise_ids():
        result = subprocess.run(
            [sys.executable, "-m", "harness", "export", exercise_id, "--out", str(out / exercise_id)],
            capture_output=True, text=True, cwd=REPO, check=False,
        )  # fmt: skip
        assert result.returncode == ExitCode.OK, result.stderr
        made[exercise_id] = out / exercise_id
    return made


def leaks(bundle: Path, exercise_id: str) -> tuple[list[str], list[str]]:
    """The bundle's files that have a hidden file's bytes, and the identifying param values it names."""
    hidden = _digests(HIDDEN_FOLDERS) - _digests(PUBLIC_FOLDERS)
    files = [path for path in sorted(bundle.rglob("*")) if path.is_file()]
    copied = [str(path.relative_to(bundle)) for path in files
              if hashlib.sha256(path.read_bytes()).hexdigest() in hidden]  # fmt: skip
    texts = "\n".join(path.read_text(errors="replace") for path in files)
    named = [value for value in identifying_values(exercise_id)
             if re.search(rf"(?<![\w.]){re.escape(value)}(?![\w])", texts)]  # fmt: skip
    return copied, named


@pytest.mark.parametrize("exercise_id", exercise_ids())
def test_a_bundle_holds_nothing_hidden(exercise_id: str, bundles: dict[str, Path]) -> None:
    assert leaks(bundles[exercise_id], exercise_id) == ([], [])
    spec = (bundles[exercise_id] / KIT_DIR / "exercises" / exercise_id / "exercise.yaml").read_text()
    assert "params" not in spec


def test_the_leak_probes_see_a_leak(bundles: dict[str, Path], tmp_path: Path) -> None:
    """The probes the test above relies on fail a bundle that carries a grader file and a seed."""
    bundle = tmp_path / "leaky"
    shutil.copytree(bundles["silent-drift"], bundle)
    shutil.copy2(REPO / "graders" / "silent-drift" / "conftest.py", bundle / "project" / "helpers.py")
    (bundle / "project" / "notes.txt").write_text("replay seed: 880301\n")
    assert leaks(bundle, "silent-drift") == (["project/helpers.py"], ["880301"])


# -- the whole take-home, on the engine a candidate installs ------------------------------------------


def _candidate(engine: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`opsdrill ARGS` run by the candidate: the engine from its wheel, no content pack in reach."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPSDRILL_CONTENT")}
    return subprocess.run([str(engine), "-m", "harness", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=900, check=False)  # fmt: skip


@pytest.fixture
def received(cli: CliRunner, tmp_path: Path) -> Path:
    """The bundle as the candidate unzips it."""
    archive = tmp_path / "take-home.zip"
    result = cli("export", TAKE_HOME, "--out", str(archive), "--zip")
    assert result.returncode == ExitCode.OK, result.stderr
    with zipfile.ZipFile(archive) as unzipped:
        unzipped.extractall(tmp_path / "candidate")
    return tmp_path / "candidate" / "take-home"


def _work(bundle: Path, source: Path) -> None:
    """The candidate's project becomes `source` (what a candidate who wrote it would have)."""
    shutil.rmtree(bundle / PROJECT_DIR)
    shutil.copytree(source, bundle / PROJECT_DIR)


@pytest.mark.slow
@pytest.mark.parametrize(("source", "expect_full"), [("solution", True), ("starter", False)])
def test_the_whole_take_home(
    source: str, expect_full: bool, received: Path, engine: Path, cli: CliRunner, tmp_path: Path
) -> None:
    exercise = exercise_mod.load(TAKE_HOME)
    _work(received, EXERCISES / TAKE_HOME / source)
    (received / PROJECT_DIR / ".venv").mkdir()
    (received / PROJECT_DIR / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")

    checked = _candidate(engine, "check", cwd=received / PROJECT_DIR)
    assert checked.returncode == ExitCode.OK, checked.stderr
    assert "not your score" in checked.stdout and "Traceback" not in checked.stderr
    failed = [line for line in checked.stdout.splitlines() if line.startswith("failed")]
    assert bool(failed) != expect_full, checked.stdout

    submitted = _candidate(engine, "submit", "--out", str(tmp_path / "submission.zip"), cwd=received)
    assert submitted.returncode == ExitCode.OK, submitted.stderr
    assert "left out .venv/" in submitted.stdout
    with zipfile.ZipFile(tmp_path / "submission.zip") as archive:
        manifest = json.loads(archive.read(MANIFEST_NAME))
    assert manifest["exercise"] == TAKE_HOME and manifest["exercise_version"] == exercise.spec.version

    graded = cli("grade", TAKE_HOME, str(tmp_path / "submission.zip"), "--backend", "local",
                 "--out", str(tmp_path / "graded"), "--format", "json")  # fmt: skip
    assert graded.returncode == ExitCode.OK, graded.stderr
    card = json.loads((tmp_path / "graded" / "scorecard.json").read_text())
    assert card["flags"] == []
    if expect_full:
        assert card["total"]["percent"] == 100
    else:
        assert card["total"]["percent"] <= exercise.spec.starter_max_percent


def test_check_outside_a_bundle_asks_for_the_exercise(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("check", str(tmp_path))
    assert result.returncode == ExitCode.BAD_INPUT and "--exercise" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_never_overwrites(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    result = cli("export", TAKE_HOME, "--out", str(tmp_path / "taken"))
    assert result.returncode == ExitCode.BAD_INPUT and "already exists" in result.stderr
    assert list((tmp_path / "taken").iterdir()) == []
