"""The engine's wheel, installed into a fresh environment as a candidate would: the engine and its
dependencies only, and no file of the content pack (hidden checks, solutions, variants, rubrics)."""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from test_runtime import REPO, RUNTIME_ONLY

from harness.exitcodes import ExitCode

pytestmark = pytest.mark.slow
#: What only whoever grades holds.
HIDDEN = [
    REPO / "graders",
    REPO / "rubrics",
    *(REPO / "exercises").glob("*/solution"),
    *(REPO / "exercises").glob("*/variants"),
]


def _digests(folders: list[Path]) -> dict[str, Path]:
    return {
        hashlib.sha256(path.read_bytes()).hexdigest(): path
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_wheel_holds_the_engine_alone(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        contents = {hashlib.sha256(archive.read(name)).hexdigest(): name for name in names}
    assert all(name.startswith(("harness/", "opsdrill-")) for name in names), names
    leaked = {contents[digest]: str(path.relative_to(REPO)) for digest, path in _digests(HIDDEN).items()
              if digest in contents}  # fmt: skip
    assert leaked == {}


def test_installing_opsdrill_pulls_in_no_exercise_package(engine: Path) -> None:
    program = "import importlib.metadata as m; print('\\n'.join(d.metadata['Name'] for d in m.distributions()))"
    listing = subprocess.run([str(engine), "-c", program], capture_output=True, text=True, check=True).stdout
    names = {canonicalize_name(line) for line in listing.split()}
    assert "opsdrill" in names and "typer" in names
    assert names & RUNTIME_ONLY == set()


def test_the_installed_engine_holds_no_hidden_file(engine: Path, tmp_path: Path) -> None:
    program = "import harness, pathlib; print(pathlib.Path(harness.__file__).parent.parent)"
    found = subprocess.run([str(engine), "-I", "-c", program], capture_output=True, text=True, cwd=tmp_path, check=True)
    site = Path(found.stdout.strip())
    assert site.is_relative_to(engine.parent.parent), site
    installed = _digests([site])
    assert installed.keys() & _digests(HIDDEN).keys() == set()


def test_the_engine_alone_asks_for_a_content_pack(engine: Path, tmp_path: Path) -> None:
    result = subprocess.run([str(engine), "-m", "harness", "list"], capture_output=True, text=True, cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, check=False)  # fmt: skip
    assert result.returncode == ExitCode.INVALID_CONTENT and "Traceback" not in result.stderr
    assert "OPSDRILL_CONTENT_ROOT" in result.stderr
