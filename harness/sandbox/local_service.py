"""Services on the local backend: a process group on a free loopback port, probed in-process."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.model.execution import ExecResult
from harness.sandbox import probe
from harness.sandbox.base import finished
from harness.sandbox.capture import CappedReader, pipe_chunks
from harness.sandbox.service import HttpRequest, HttpResponse, Service, SinkMessage
from harness.sandbox.sink import URL_PATH, Sink


def free_port() -> int:
    """A loopback port nobody listens on right now (the OS picks it)."""
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])


class Inbox:
    """A webhook sink on a free loopback port of this machine, keeping what it receives."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[SinkMessage] = []
        self._sink = Sink(0, self._keep).start()
        self.url = f"http://127.0.0.1:{self._sink.port}{URL_PATH}"

    def _keep(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._received.append(SinkMessage.from_json(message))

    def messages(self) -> list[SinkMessage]:
        with self._lock:
            return list(self._received)

    def close(self) -> None:
        self._sink.close()


class LocalService(Service):
    def __init__(
        self,
        argv: Sequence[str],
        port: int,
        cwd: Path,
        env: Mapping[str, str],
        output_cap: int,
        preexec: Callable[[], None],
        inbox: Inbox | None = None,
    ) -> None:
        self.port = port
        self._inbox = inbox
        self.sink_url = inbox.url if inbox else None
        self.argv = tuple(argv)
        self._started = time.monotonic()
        self._proc = subprocess.Popen(
            list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True, preexec_fn=preexec,
        )  # fmt: skip
        pipes = [self._proc.stdout, self._proc.stderr]
        self._readers = [
            CappedReader(pipe_chunks(p), output_cap, self._kill) for p in pipes if isinstance(p, io.BufferedReader)
        ]
        for reader in self._readers:
            reader.start()
        self._result: ExecResult | None = None

    def _kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signal.SIGKILL)

    def send(
        self, requests: Sequence[HttpRequest], *, budget_s: float | None = None, concurrency: int = 1
    ) -> list[HttpResponse]:
        answers = probe.probe(self.port, [r.to_json() for r in requests], budget_s or 0, concurrency)
        return [HttpResponse.from_json(a) for a in answers]

    def messages(self) -> list[SinkMessage]:
        return self._inbox.messages() if self._inbox else []

    def running(self) -> bool:
        return self._proc.poll() is None

    def stop(self, grace_s: float = 10.0) -> ExecResult:
        """`timed_out` in the result means the service ignored SIGTERM for `grace_s` and was killed."""
        if self._result is not None:
            return self._result
        if self.running():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=grace_s)
        timed_out = self._proc.poll() is None
        self._kill()
        self._proc.wait()
        for reader in self._readers:
            reader.join(timeout=5)
        code = self._proc.returncode
        self._result = finished(
            self.argv, code, stdout=self._readers[0].text(), stderr=self._readers[1].text(), started=self._started,
            signum=-code if code < 0 else None, timed_out=timed_out,
            output_truncated=any(r.overflowed for r in self._readers),
        )  # fmt: skip
        for pipe in (self._proc.stdout, self._proc.stderr):
            if pipe is not None:
                pipe.close()
        if self._inbox is not None:
            self._inbox.close()
        return self._result
