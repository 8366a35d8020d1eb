"""One container of the kit, from creation to removal: the docker backend's single way of running
anything (sandbox commands, services, probers, the sink, the image user probe).

Create, start, follow the output under a cap (or read it back at the end), wait or time out, kill
or stop, collect what happened as an ExecResult, remove. Removal is certain: use it as a context
manager, or call `remove()` in a `finally`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

import docker.errors
import requests
from docker import DockerClient
from docker.models.containers import Container

from harness import engine
from harness.model.execution import ExecResult
from harness.model.flags import FlagKind
from harness.sandbox.base import finished
from harness.sandbox.capture import CappedReader

#: Errors of the engine or of the connection to it that mean "this container is gone or unreachable".
ENGINE_ERRORS = (docker.errors.APIError, requests.exceptions.RequestException)


def stream_closer(stream: Any) -> Any:
    """Close a log stream: the SDK's close() shuts the socket but leaves the HTTP response holding it."""

    def close() -> None:
        for closable in (stream, getattr(stream, "_response", None)):
            close_it = getattr(closable, "close", None)
            if callable(close_it):
                with contextlib.suppress(OSError, ValueError):
                    close_it()

    return close


class ContainerRun:
    def __init__(
        self, client: DockerClient, image: str, command: Sequence[str] | None, options: dict[str, Any], *,
        output_cap: int, what: str,
    ) -> None:  # fmt: skip
        """Create the container (`command` None: the image's own). `what` names it in errors."""
        self.client, self.output_cap, self.what = client, output_cap, what
        self.argv = tuple(command or ())
        self.events: list[FlagKind] = []
        self._readers: list[CappedReader] = []
        self.started = time.monotonic()
        with engine.translated(f"create {what}"):
            self.container: Container = client.containers.create(
                image, command=list(command) if command is not None else None, **options
            )

    @property
    def id(self) -> str:
        return str(self.container.id)

    def start(self, *, follow: bool = False) -> ContainerRun:
        """Start it; with `follow`, its stdout and stderr are read as they come, at most `output_cap`
        bytes each, and it is killed past that."""
        with engine.translated(f"start {self.what}"):
            self.container.start()
        self.started = time.monotonic()
        if follow:
            self._readers = [self._reader(stdout=out) for out in (True, False)]
            for reader in self._readers:
                reader.start()
        return self

    def _reader(self, *, stdout: bool) -> CappedReader:
        stream = self.client.api.logs(self.id, stdout, not stdout, stream=True, follow=True)
        return CappedReader(stream, self.output_cap, self._overflow, close=stream_closer(stream), quiet=ENGINE_ERRORS)

    def _overflow(self) -> None:
        if FlagKind.OUTPUT_LIMIT not in self.events:
            self.events.append(FlagKind.OUTPUT_LIMIT)
        self.kill()

    def follow(self, *, stdout: bool = True) -> Iterator[bytes]:
        """One output stream as it comes, uncapped: for kit containers whose output is their protocol."""
        stream: Iterator[bytes] = self.client.api.logs(self.id, stdout, not stdout, stream=True, follow=True)
        return stream

    def wait(self, timeout_s: float) -> tuple[int, bool]:
        """Its exit code and whether it ran out of time (then it is killed, and the code is -9)."""
        try:
            status = self.container.wait(timeout=timeout_s)
            return int(status.get("StatusCode", -1)), False
        except requests.exceptions.RequestException:
            self.events.append(FlagKind.TIMEOUT)
            self.kill()
            return -9, True

    def stop(self, grace_s: float) -> tuple[int, bool]:
        """SIGTERM, `grace_s` to exit, then SIGKILL: the exit code and whether the kill was needed."""
        with engine.translated(f"stop {self.what}"):
            stopping = time.monotonic()
            self.container.stop(timeout=int(grace_s))
            waited = time.monotonic() - stopping
            self.container.reload()
        code = int(self.container.attrs.get("State", {}).get("ExitCode", -1))
        return code, code == 137 and waited >= grace_s

    def kill(self) -> None:
        with contextlib.suppress(*ENGINE_ERRORS):
            self.container.kill()

    def running(self) -> bool:
        with contextlib.suppress(docker.errors.NotFound, requests.exceptions.RequestException):
            self.container.reload()
            return bool(self.container.attrs.get("State", {}).get("Running"))
        return False

    def state(self) -> dict[str, Any]:
        with engine.translated(f"inspect {self.what}"):
            self.container.reload()
        state: dict[str, Any] = self.container.attrs.get("State", {})
        return state

    def output(self, *, stdout: bool = True) -> str:
        """One output stream, read back from the engine: the last `output_cap` bytes of it."""
        with engine.translated(f"read the output of {self.what}"):
            data: bytes = self.container.logs(stdout=stdout, stderr=not stdout)
        return data[-self.output_cap :].decode("utf-8", "replace")

    def result(self, code: int, timed_out: bool) -> ExecResult:
        """What it did: its output (as followed, or read back), the limits it hit, its exit signal
        (docker-init and the engine report a signal as 128 + its number)."""
        if self._readers:
            for reader in self._readers:
                reader.join(timeout=10)
            stdout, stderr = self._readers[0].text(), self._readers[1].text()
        else:
            stdout, stderr = self.output(stdout=True), self.output(stdout=False)
        if self.state().get("OOMKilled") and FlagKind.MEMORY_LIMIT not in self.events:
            self.events.append(FlagKind.MEMORY_LIMIT)
        return finished(
            self.argv, code, stdout=stdout, stderr=stderr, started=self.started,
            signum=code - 128 if code > 128 else None, timed_out=timed_out,
            output_truncated=any(reader.overflowed for reader in self._readers), events=self.events,
        )  # fmt: skip

    def remove(self) -> None:
        with contextlib.suppress(*ENGINE_ERRORS):
            self.container.remove(force=True, v=True)

    def __enter__(self) -> ContainerRun:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.remove()
