"""The docker backend: every limit really holds inside the container, and nothing is left behind."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import engine
from harness import exercise as exercise_mod
from harness.build.image import exercise_image
from harness.errors import SandboxError
from harness.model.execution import BackendOptions, Limits
from harness.sandbox import get_backend
from harness.sandbox.base import Sandbox

pytestmark = pytest.mark.docker

LIMITS = Limits(wall_s=30, memory_mb=256, pids=64, output_bytes=64 * 1024, file_size_mb=8)
SESSION = "test-docker-sandbox"


@pytest.fixture(scope="module")
def image() -> str:
    exercise = exercise_mod.load("unreproducible-run")
    return exercise_image(exercise.id, exercise.paths.image_dir)


@pytest.fixture
def sandbox(image: str, tmp_path: Path) -> Iterator[Sandbox]:
    source = tmp_path / "src"
    source.mkdir()
    (source / "hello.txt").write_text("hello\n")
    backend = get_backend("docker", BackendOptions(session=SESSION, image=image))
    with backend.create(str(source), limits=LIMITS, label="limits") as box:
        yield box
    assert engine.leftovers(engine.selector(session=SESSION)).empty


def test_runs_as_non_root_in_a_copy(sandbox: Sandbox, tmp_path: Path) -> None:
    result = sandbox.exec(["sh", "-c", "id -u && cat hello.txt && echo changed > hello.txt"])
    assert result.ok and result.stdout.split() == ["10001", "hello"]
    assert sandbox.read_file("hello.txt", 100) == b"changed\n"
    assert (tmp_path / "src" / "hello.txt").read_text() == "hello\n"


def test_writes_outside_workspace_and_tmp_fail(sandbox: Sandbox) -> None:
    for target in ("/etc/opsdrill", "/opt/venv/evil", "/usr/bin/evil", "/home/evil", "/evil"):
        result = sandbox.exec(["sh", "-c", f"echo x > {target}"])
        assert result.exit_code != 0, target
    assert sandbox.exec(["sh", "-c", "echo x > /tmp/ok && echo x > ok.txt"]).ok


def test_tmp_is_size_capped_and_files_are_size_limited(sandbox: Sandbox) -> None:
    big = sandbox.exec(["sh", "-c", "head -c 20M /dev/zero > big"])
    assert big.exit_code != 0 and "file_size_limit" in big.limit_events
    fill = "for i in $(seq 50); do head -c 7M /dev/zero > /tmp/fill$i || exit 1; done"
    result = sandbox.exec(["sh", "-c", fill])
    assert result.exit_code != 0 and "No space left" in result.stderr


def test_memory_hog_is_killed_and_flagged(sandbox: Sandbox) -> None:
    result = sandbox.exec(["python", "-c", "blocks = [bytearray(16 * 1024**2) for _ in range(64)]"])
    assert result.exit_code != 0 and "memory_limit" in result.limit_events


def test_fork_bomb_is_contained(sandbox: Sandbox) -> None:
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    result = sandbox.exec(["python", "-c", bomb], timeout_s=5)
    assert result.timed_out and "timeout" in result.limit_events
    assert sandbox.exec(["true"]).ok  # the sandbox (and the host) still work


def test_infinite_loop_times_out(sandbox: Sandbox) -> None:
    result = sandbox.exec(["python", "-c", "while True: pass"], timeout_s=2)
    assert result.timed_out and not result.ok and "timeout" in result.limit_events


def test_output_is_capped(sandbox: Sandbox) -> None:
    result = sandbox.exec(["python", "-c", "import sys\nwhile True: sys.stdout.write('x' * 65536)"])
    assert result.output_truncated and "output_limit" in result.limit_events
    assert len(result.stdout) == LIMITS.output_bytes


def test_no_network_route_anywhere(sandbox: Sandbox) -> None:
    """A server on the host's loopback is unreachable, and there is no interface but lo."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    port = server.getsockname()[1]
    probe = (
        "import socket, os\n"
        f"s = socket.socket(); s.settimeout(2)\n"
        f"print(s.connect_ex(('127.0.0.1', {port})))\n"
        "print(sorted(os.listdir('/sys/class/net')))\n"
    )
    result = sandbox.exec(["python", "-c", probe])
    with server, pytest.raises(BlockingIOError):
        server.accept()  # nothing ever connected
    assert result.ok and result.stdout.split("\n")[1] == "['lo']"
    assert result.stdout.split("\n")[0] != "0"


def test_host_environment_is_not_visible(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDRILL_TEST_SECRET", "hunter2")
    assert "hunter2" not in sandbox.exec(["env"]).stdout


def test_background_processes_do_not_survive(sandbox: Sandbox) -> None:
    assert sandbox.exec(["sh", "-c", "(sleep 2; echo late > late.txt) & echo started"]).ok
    assert not sandbox.exec(["sleep", "3"]).timed_out
    assert not sandbox.exists("late.txt")


def test_files_in_and_out(sandbox: Sandbox) -> None:
    sandbox.write_file("deep/er/planted.txt", b"planted")
    assert sandbox.exec(["sh", "-c", "cat deep/er/planted.txt && echo more >> deep/er/planted.txt"]).ok
    assert sandbox.read_file("deep/er/planted.txt", 100) == b"plantedmore\n"
    with pytest.raises(SandboxError, match="larger than"):
        sandbox.read_file("hello.txt", 3)
    sandbox.exec(["ln", "-s", "/etc/passwd", "link"])
    with pytest.raises(SandboxError, match="not a regular file"):
        sandbox.read_file("link", 10_000)
    with pytest.raises(SandboxError):
        sandbox.read_file("../../etc/passwd", 10_000)
    assert not sandbox.exists("missing.txt") and sandbox.exists("deep")
