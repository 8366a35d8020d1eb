"""The local backend: limits hold, nothing outlives a command, the host environment stays private."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.errors import SandboxError
from harness.model.execution import BackendOptions, Limits
from harness.sandbox import get_backend
from harness.sandbox.base import Sandbox

LIMITS = Limits(wall_s=20, memory_mb=512, pids=64, output_bytes=64 * 1024, file_size_mb=8)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    source = tmp_path / "src"
    source.mkdir()
    (source / "hello.txt").write_text("hello\n")
    with get_backend("local", BackendOptions(session="test")).create(str(source), limits=LIMITS, label="test") as box:
        yield box


def test_runs_in_a_copy_of_the_submission(sandbox: Sandbox, tmp_path: Path) -> None:
    result = sandbox.exec(["sh", "-c", "cat hello.txt && echo changed > hello.txt && pwd"])
    assert result.ok and result.stdout.startswith("hello\n")
    assert (tmp_path / "src" / "hello.txt").read_text() == "hello\n"
    assert sandbox.read_file("hello.txt", 100) == b"changed\n"


def test_host_environment_is_not_visible(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDRILL_TEST_SECRET", "hunter2")
    result = sandbox.exec(["sh", "-c", "env"])
    assert "hunter2" not in result.stdout and "OPSDRILL_TEST_SECRET" not in result.stdout


def test_infinite_loop_times_out_and_is_flagged(sandbox: Sandbox) -> None:
    result = sandbox.exec(["python", "-c", "while True: pass"], timeout_s=1)
    assert result.timed_out and not result.ok and "timeout" in result.limit_events


def test_output_is_capped(sandbox: Sandbox) -> None:
    result = sandbox.exec(["python", "-c", "import sys\nwhile True: sys.stdout.write('x' * 4096)"])
    assert result.output_truncated and "output_limit" in result.limit_events
    assert len(result.stdout) == LIMITS.output_bytes


def test_memory_hog_is_stopped_and_flagged(sandbox: Sandbox) -> None:
    result = sandbox.exec(["python", "-c", "block = bytearray(2 * 1024**3)"])
    assert result.exit_code != 0 and "memory_limit" in result.limit_events


def test_file_size_limit(sandbox: Sandbox) -> None:
    result = sandbox.exec(["python", "-c", "open('big', 'wb').write(b'0' * (16 * 1024 * 1024))"])
    assert result.exit_code != 0
    assert "file_size_limit" in result.limit_events


def test_background_processes_die_with_the_command(sandbox: Sandbox) -> None:
    result = sandbox.exec(["sh", "-c", "(sleep 1; echo late > late.txt) & echo started"])
    assert result.ok and result.stdout == "started\n"
    time.sleep(1.5)
    assert not sandbox.exists("late.txt")


def test_daemons_that_leave_the_group_are_killed_too(sandbox: Sandbox) -> None:
    daemon = "import os, time\nif os.fork() == 0:\n    os.setsid()\n"
    daemon += "    time.sleep(1)\n    open('late.txt', 'w').write('x')\n"
    assert sandbox.exec(["python", "-c", daemon]).ok
    time.sleep(1.5)
    assert not sandbox.exists("late.txt")


def test_files_are_read_with_a_cap_and_only_inside(sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError, match="larger than"):
        sandbox.read_file("hello.txt", 3)
    for outside in ("../outside", "/etc/passwd"):
        with pytest.raises(SandboxError):
            sandbox.read_file(outside, 100)
    sandbox.exec(["ln", "-s", "/etc/passwd", "link"])
    with pytest.raises(SandboxError, match="outside"):
        sandbox.read_file("link", 10_000)
    assert not sandbox.exists("missing.txt")


def test_write_file_replaces_a_planted_link(sandbox: Sandbox, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    sandbox.exec(["ln", "-s", str(victim), "planted"])
    with pytest.raises(SandboxError):
        sandbox.write_file("planted", b"overwritten")
    assert victim.read_text() == "untouched"


def test_close_removes_everything_even_read_only_folders(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    box = get_backend("local", BackendOptions(session="test")).create(str(source), limits=LIMITS, label="close")
    box.exec(
        [
            "sh",
            "-c",
            "mkdir -p locked/inner && touch locked/inner/f && chmod 000 locked/inner && chmod 500 locked",
        ]
    )
    root = box.root  # type: ignore[attr-defined]
    box.close()
    box.close()
    assert not root.exists()
