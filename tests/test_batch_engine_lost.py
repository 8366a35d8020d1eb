"""A batch whose Docker engine goes away midway: no submission gets a score it did not earn, the run
says what happened, and the same command completes the batch once the engine is back.

The batch reaches the real engine through a socket proxy the test controls (`DOCKER_HOST`), so
"the engine goes away" is the proxy refusing every connection and cutting those open, while the
engine itself keeps serving the rest of the suite.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

from harness import batch, engine
from harness.exercise import Exercise
from harness.exitcodes import ExitCode
from harness.grade import grade
from harness.model.results import Status
from harness.variants import materialized

pytestmark = [pytest.mark.docker, pytest.mark.slow]
ENGINE_SOCKET = "/var/run/docker.sock"
#: Results stored before the engine goes away.
LOST_AFTER_RESULTS = 1
#: Copies of each submission in the batch.
COPIES = 3
BATCH_TIMEOUT_S = 1800


class EngineProxy:
    """A Unix socket that forwards every connection to the engine's, until `cut()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server: socket.socket | None = None

    def start(self) -> None:
        self.path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.path))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(ENGINE_SOCKET)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        """The engine is gone: no new connection, and every open one dropped."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self.path.unlink(missing_ok=True)
        with self._lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self._open.clear()


@contextlib.contextmanager
def proxied(folder: Path) -> Iterator[EngineProxy]:
    proxy = EngineProxy(folder / "engine.sock")
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.cut()


def _stored(out: Path) -> int:
    if not (out / batch.STORE_FILE).exists():
        return 0
    store = batch.open_store(out, create=False)
    try:
        return sum(r.status is Status.GRADED for r in store.entries())
    finally:
        store.close()


def test_an_engine_lost_midway_scores_nothing_and_a_rerun_completes(docker_toy: Exercise, tmp_path: Path) -> None:
    """The toy exercise on docker (the test is about the batch, not the grading): its solution,
    starter and variant, and copies of them each with a note of its own (so each is graded)."""
    inputs = tmp_path / "in"
    earned: dict[str, float | None] = {}
    with contextlib.ExitStack() as stack:
        named = {"solution": docker_toy.paths.solution, "starter": docker_toy.paths.starter}
        for variant in docker_toy.variants():
            named[variant.name] = stack.enter_context(materialized(docker_toy, variant))
        for name, folder in named.items():
            earned[name] = grade(docker_toy, folder, "docker").total.percent
            for copy in range(COPIES):
                shutil.copytree(folder, inputs / f"{name}-{copy}")
                (inputs / f"{name}-{copy}" / "NOTES.md").write_text(f"Copy {copy} of {name}.\n")
    out = tmp_path / "results"
    command = [sys.executable, "-m", "harness", "batch", docker_toy.id, str(inputs), "--out", str(out),
               "--backend", "docker", "--jobs", "2"]  # fmt: skip
    env = os.environ | {"DOCKER_HOST": f"unix://{tmp_path / 'engine.sock'}"}
    try:
        with proxied(tmp_path) as proxy:
            running = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            deadline = time.monotonic() + BATCH_TIMEOUT_S
            while running.poll() is None and _stored(out) < LOST_AFTER_RESULTS and time.monotonic() < deadline:
                time.sleep(0.1)
            proxy.cut()
            stdout, stderr = running.communicate(timeout=BATCH_TIMEOUT_S)
        assert running.returncode == ExitCode.INFRASTRUCTURE, stdout + stderr
        assert "stopped:" in stderr and "No score was given" in stderr and "run the same command again" in stderr
        store = batch.open_store(out, create=False)
        results = store.entries()
        store.close()
        assert any(r.status is not Status.GRADED for r in results), "the engine went away after the batch ended"
        # Every score given is the one the submission earns; the rest have none.
        for result in results:
            if result.status is Status.GRADED:
                assert result.scorecard and result.scorecard.total.percent == earned[_kind(result.entry.candidate_id)]
            else:
                assert result.scorecard is None and result.status in (Status.INFRASTRUCTURE_ERROR, Status.PENDING)

        with proxied(tmp_path):
            again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=BATCH_TIMEOUT_S)
        assert again.returncode == ExitCode.OK, again.stdout + again.stderr
        store = batch.open_store(out, create=False)
        results = store.entries()
        store.close()
        assert len(results) == len(list(inputs.iterdir()))
        for result in results:
            assert result.status is Status.GRADED and result.scorecard
            assert result.scorecard.total.percent == earned[_kind(result.entry.candidate_id)], result.entry.candidate_id
        # What the lost run could not remove, the next run's sessions reaped (its owners are gone).
        assert engine.leftovers(engine.selector()).empty
    finally:
        # Containers the lost run could not remove (its clean-up had no engine either).
        engine.remove(engine.selector())


def _kind(candidate: str) -> str:
    return candidate.rsplit("-", 1)[0]
