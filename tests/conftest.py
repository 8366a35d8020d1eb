"""Shared fixtures: the toy exercise (fast, for pipeline tests), the CLI, the scorecard schema."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import exercise as exercise_mod
from harness.build.wheelhouse import wheelhouse_dir
from harness.content import CONTENT_ENV
from harness.exercise import Exercise
from harness.report.jsonfile import schema_errors

#: Real redis-server and PostgreSQL servers, for the service's scale-out tests.
pytest_plugins = ["scale_services"]

REPO = Path(__file__).resolve().parent.parent
TOY_ROOT = Path(__file__).resolve().parent / "data" / "toy"

CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def toy_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, writable copy of the toy content root, selected through the environment."""
    root = tmp_path / "content"
    shutil.copytree(TOY_ROOT, root, symlinks=True)
    monkeypatch.setenv(CONTENT_ENV, str(root))
    return root


@pytest.fixture
def toy(toy_root: Path) -> Exercise:
    return exercise_mod.load("toy")


@pytest.fixture
def docker_toy(toy_root: Path) -> Exercise:
    """The toy exercise able to grade on docker: its image is unreproducible-run's (already built for
    that exercise's tests, so it costs no build of its own)."""
    image = toy_root / "exercises" / "toy" / "image"
    image.mkdir()
    requirements = REPO / "exercises" / "unreproducible-run" / "image" / "requirements.txt"
    shutil.copyfile(requirements, image / "requirements.txt")
    return exercise_mod.load("toy")


@pytest.fixture
def cli() -> CliRunner:
    """Run `opsdrill ARGS...` as a user would, in a separate process."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "harness", *args],
            capture_output=True, text=True, timeout=timeout, env=os.environ | (env or {}), cwd=REPO,
        )  # fmt: skip

    return run


def assert_valid_scorecard(path: Path) -> dict[str, Any]:
    """Every scorecard a test produces is checked against the shipped JSON Schema."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert schema_errors(document) == []
    return document


@pytest.fixture
def valid_scorecard() -> Callable[[Path], dict[str, Any]]:
    return assert_valid_scorecard


#: The headless browser the page tests drive (Debian's `chromium`; playwright's own download cannot run offline).
CHROMIUM = Path("/usr/bin/chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Docker tests skip without an engine, unless OPSDRILL_REQUIRE_DOCKER=1 (then they fail); browser
    tests skip without Chromium, unless OPSDRILL_REQUIRE_BROWSER=1."""
    from harness.sandbox import available_backends

    missing = {
        "docker": "docker" not in available_backends() and os.environ.get("OPSDRILL_REQUIRE_DOCKER") != "1",
        "browser": not CHROMIUM.exists() and os.environ.get("OPSDRILL_REQUIRE_BROWSER") != "1",
    }
    reasons = {
        "docker": "no Docker engine answers here (set OPSDRILL_REQUIRE_DOCKER=1 to fail instead)",
        "browser": f"no {CHROMIUM} here (set OPSDRILL_REQUIRE_BROWSER=1 to fail instead)",
    }
    for item in items:
        for marker, absent in missing.items():
            if absent and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reasons[marker]))


@pytest.fixture(scope="session", autouse=True)
def _engine_left_clean() -> Iterator[None]:
    """After the whole suite, the engine holds no container, volume or network of the kit's."""
    yield
    from harness import engine
    from harness.sandbox import available_backends

    if "docker" in available_backends():
        assert engine.leftovers(engine.selector()).empty


# -- the engine as a candidate installs it ------------------------------------------------------------


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(REPO)]
    built = subprocess.run(command, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    return next(out.glob("opsdrill-*.whl"))


@pytest.fixture(scope="session")
def engine(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh environment holding the engine installed from its wheel, as a candidate
    installs it: no content pack anywhere near it."""
    venv = tmp_path_factory.mktemp("engine") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    target = venv / "bin" / "python"
    command = [sys.executable, "-m", "pip", "--python", str(target), "install", "--quiet", "--no-warn-script-location"]
    if wheelhouse_dir().is_dir():
        command += ["--find-links", str(wheelhouse_dir())]
    installed = subprocess.run([*command, str(wheel)], capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr[-2000:]
    return target
