"""The sandbox interface every backend implements.

A `Backend` makes `Sandbox`es; each sandbox is a fresh copy of one submission in which commands
run under the exercise's limits. Candidate code runs only inside a sandbox.
"""

from __future__ import annotations

import abc
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from types import TracebackType
from typing import TYPE_CHECKING

from harness.errors import SandboxError, SubmissionPathError
from harness.model.execution import BackendOptions, ExecResult, Limits
from harness.model.flags import FlagKind

if TYPE_CHECKING:
    from harness.sandbox.service import Service


#: What a process dying at a limit prints (Python ignores SIGXFSZ, so it sees EFBIG instead).
LIMIT_MARKERS = {
    "MemoryError": FlagKind.MEMORY_LIMIT,
    "Cannot allocate memory": FlagKind.MEMORY_LIMIT,
    "File too large": FlagKind.FILE_SIZE_LIMIT,
    "File size limit exceeded": FlagKind.FILE_SIZE_LIMIT,
    "Resource temporarily unavailable": FlagKind.PIDS_LIMIT,
    "No space left on device": FlagKind.DISK_LIMIT,
}
LIMIT_SIGNALS: dict[int, FlagKind] = {
    int(signal.SIGXCPU): FlagKind.CPU_LIMIT,
    int(signal.SIGXFSZ): FlagKind.FILE_SIZE_LIMIT,
}


def limit_events(exit_code: int, signum: int | None, stderr: str) -> list[FlagKind]:
    """The limits a finished command evidently hit, from its signal and the end of its stderr."""
    if exit_code == 0:
        return []
    events = [LIMIT_SIGNALS[signum]] if signum is not None and signum in LIMIT_SIGNALS else []
    tail = stderr[-4096:]
    return events + [e for marker, e in LIMIT_MARKERS.items() if marker in tail and e not in events]


def finished(
    argv: Sequence[str],
    exit_code: int,
    *,
    stdout: str,
    stderr: str,
    started: float,
    signum: int | None,
    timed_out: bool = False,
    output_truncated: bool = False,
    events: Sequence[FlagKind] = (),
) -> ExecResult:
    """What a finished command did, as every backend reports it: the limits it evidently hit are the
    `events` the backend observed, then those its exit signal and the end of its stderr show."""
    seen = list(events)
    seen += [event for event in limit_events(exit_code, signum, stderr) if event not in seen]
    return ExecResult(
        argv=tuple(argv), exit_code=exit_code, stdout=stdout, stderr=stderr, duration_s=time.monotonic() - started,
        timed_out=timed_out, output_truncated=output_truncated, killed_by_signal=signum, limit_events=tuple(seen),
    )  # fmt: skip


def workspace_path(relative: str) -> PurePosixPath:
    """Validate a path relative to the workspace; refuse anything that leaves it."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts:
        raise SubmissionPathError(f"Path '{relative}' leaves the sandbox workspace; use a relative path inside it.")
    return path


class Sandbox(abc.ABC):
    """A fresh copy of a submission and the means to run commands in it."""

    backend: str

    @abc.abstractmethod
    def exec(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str = ".",
        timeout_s: float | None = None,
    ) -> ExecResult:
        """Run `argv` in the workspace (relative `cwd`), under the sandbox's limits. One command at a
        time per sandbox: the local backend reaps whatever is left running in it when one ends."""

    @abc.abstractmethod
    def start_service(
        self,
        argv: Sequence[str],
        *,
        port: int,
        env: Mapping[str, str] | None = None,
        cwd: str = ".",
        sink_env: str | None = None,
    ) -> Service:
        """Start a long-running candidate process that should serve HTTP on `port` (also given to it as
        $PORT). It runs until stopped or until the sandbox closes, under the same limits but wall time.
        With `sink_env`, a webhook sink listens on the service's loopback and $`sink_env` holds its URL."""

    def start_image_service(
        self, image: str, *, port: int, env: Mapping[str, str] | None = None, uid: int | None = None,
        command: Sequence[str] | None = None,
    ) -> Service:  # fmt: skip
        """Start a container of `image` (the candidate's own) with its own command, serving on `port`
        ($PORT). The sandbox's workspace is mounted read-only at the path `path()` reports, so files
        the checks planted there mean the same to it. `uid` is the image user's id: an image that would
        run as root (or whose user is unknown) runs as nobody. `command` runs instead of the image's
        entrypoint and command, its health check still running: what that check says with nothing
        serving. Only backends that run images have it."""
        raise SandboxError(f"The {self.backend} backend cannot run images; this needs the docker backend.")

    @abc.abstractmethod
    def path(self, relative: str = ".") -> str:
        """The absolute path of a workspace path as commands in the sandbox see it."""

    @abc.abstractmethod
    def read_file(self, path: str, max_bytes: int) -> bytes:
        """Bytes of a workspace file; SandboxError if missing, not a regular file, or over `max_bytes`."""

    @abc.abstractmethod
    def write_file(self, path: str, data: bytes) -> None:
        """Create or replace a workspace file (the trusted side planting inputs)."""

    @abc.abstractmethod
    def exists(self, path: str) -> bool:
        """Whether a workspace path exists (as a regular file or folder)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Kill everything still running and remove the sandbox. Safe to call twice."""

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class Backend(abc.ABC):
    """Makes sandboxes of one kind."""

    name: str

    def __init__(self, options: BackendOptions) -> None:
        self.options = options

    @classmethod
    @abc.abstractmethod
    def available(cls) -> bool:
        """Whether this backend can run here."""

    @abc.abstractmethod
    def create(self, source: str, *, limits: Limits, label: str) -> Sandbox:
        """A sandbox holding a fresh copy of the folder `source`."""
