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
from harness.content import CONTENT_ENV
from harness.exercise import Exercise
from harness.report.jsonfile import schema_errors

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Docker tests skip without an engine, unless OPSDRILL_REQUIRE_DOCKER=1 (then they fail)."""
    from harness.sandbox import available_backends

    if "docker" in available_backends() or os.environ.get("OPSDRILL_REQUIRE_DOCKER") == "1":
        return
    skip = pytest.mark.skip(reason="no Docker engine answers here (set OPSDRILL_REQUIRE_DOCKER=1 to fail instead)")
    for item in items:
        if "docker" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _engine_left_clean() -> Iterator[None]:
    """After the whole suite, the engine holds no container, volume or network of the kit's."""
    yield
    from harness import engine
    from harness.sandbox import available_backends

    if "docker" in available_backends():
        assert engine.leftovers(engine.selector()).empty
