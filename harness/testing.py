"""In-memory stand-ins for a sandbox and a service, for fast unit tests of grader helpers.

`FakeSandbox` keeps the workspace as a dict of bytes and answers commands from a script the test
gives; `FakeService` answers requests from a handler. Both record what they were asked to do.
Nothing runs: no process, no container, no port.
"""

from __future__ import annotations

import posixpath
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from harness.errors import SandboxError
from harness.model.execution import ExecResult
from harness.sandbox.base import Sandbox, workspace_path
from harness.sandbox.service import HttpRequest, HttpResponse, Service, SinkMessage

Handler = Callable[[HttpRequest], HttpResponse]
Script = Callable[[tuple[str, ...]], ExecResult] | Mapping[tuple[str, ...], ExecResult]


def completed(argv: Sequence[str], exit_code: int = 0, stdout: str = "", stderr: str = "") -> ExecResult:
    """An ExecResult of a command that ran for no time."""
    return ExecResult(argv=tuple(argv), exit_code=exit_code, stdout=stdout, stderr=stderr, duration_s=0.0)


def not_found(argv: Sequence[str]) -> ExecResult:
    """What a shell says of a command it cannot find."""
    return completed(argv, 127, stderr=f"{argv[0] if argv else ''}: command not found\n")


def no_route(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=404, body=b'{"detail":"Not Found"}')


@dataclass(frozen=True)
class Command:
    """One `exec` call as the sandbox received it."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: str


class FakeService(Service):
    """A service answering from `handler`; `requests` lists every request it answered, in order."""

    def __init__(self, handler: Handler = no_route, *, port: int = 8000, env: Mapping[str, str] | None = None,
                 argv: Sequence[str] = (), logs: str = "", health: str | None = None) -> None:  # fmt: skip
        self.handler, self.port, self.env, self.argv = handler, port, dict(env or {}), tuple(argv)
        self.logs, self.health = logs, health
        self.requests: list[HttpRequest] = []
        #: What the service "sent" to its sink; a test appends to it.
        self.sink: list[SinkMessage] = []
        self.stopped = False

    def send(
        self, requests: Sequence[HttpRequest], *, budget_s: float | None = None, concurrency: int = 1
    ) -> list[HttpResponse]:
        answers = []
        for request in requests:
            for _ in range(max(request.repeat, 1)):
                if self.stopped:
                    answers.append(HttpResponse(status=0, error="connection refused (the service stopped)"))
                    continue
                self.requests.append(request)
                sent_at = time.monotonic()
                answers.append(replace(self.handler(request), sent_at=sent_at))
        return answers

    def messages(self) -> list[SinkMessage]:
        return list(self.sink)

    def running(self) -> bool:
        return not self.stopped

    def health_status(self) -> str | None:
        return self.health

    def stop(self, grace_s: float = 10.0) -> ExecResult:
        self.stopped = True
        return completed(self.argv, 0, stdout=self.logs)


class FakeSandbox(Sandbox):
    """A workspace in memory (`files`: relative path -> bytes) whose commands are answered by `script`
    (a callable, or a mapping from argv to result; unknown commands exit 127). `commands` records every
    `exec`; services started here answer from `handler` and are listed in `services`."""

    backend = "fake"

    def __init__(self, files: Mapping[str, bytes] | None = None, script: Script | None = None,
                 handler: Handler = no_route, root: str = "/workspace") -> None:  # fmt: skip
        self.files = {self._key(path): data for path, data in (files or {}).items()}
        self.script, self.handler, self.root = script, handler, root
        self.commands: list[Command] = []
        self.services: list[FakeService] = []
        self.closed = False

    @staticmethod
    def _key(path: str) -> str:
        return posixpath.normpath(str(workspace_path(path)))

    def __enter__(self) -> FakeSandbox:
        return self

    @property
    def argvs(self) -> list[tuple[str, ...]]:
        return [command.argv for command in self.commands]

    def exec(
        self, argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str = ".",
        timeout_s: float | None = None,
    ) -> ExecResult:  # fmt: skip
        if self.closed:
            raise SandboxError("The sandbox is closed; create another one.")
        key = tuple(argv)
        self.commands.append(Command(key, dict(env or {}), cwd))
        if self.script is None:
            return not_found(key)
        if isinstance(self.script, Mapping):
            return self.script.get(key) or not_found(key)
        return self.script(key)

    def start_service(
        self, argv: Sequence[str], *, port: int, env: Mapping[str, str] | None = None, cwd: str = ".",
        sink_env: str | None = None,
    ) -> FakeService:  # fmt: skip
        service = FakeService(self.handler, port=port, env=env, argv=argv)
        self.services.append(service)
        return service

    def start_image_service(
        self, image: str, *, port: int, env: Mapping[str, str] | None = None, uid: int | None = None,
        command: Sequence[str] | None = None,
    ) -> FakeService:  # fmt: skip
        return self.start_service(list(command or [image]), port=port, env=env)

    def path(self, relative: str = ".") -> str:
        return posixpath.normpath(posixpath.join(self.root, self._key(relative)))

    def read_file(self, path: str, max_bytes: int) -> bytes:
        data = self.files.get(self._key(path))
        if data is None:
            raise SandboxError(f"'{path}' is not a file in the sandbox.")
        if len(data) > max_bytes:
            raise SandboxError(f"'{path}' is larger than {max_bytes} bytes.")
        return data

    def write_file(self, path: str, data: bytes) -> None:
        self.files[self._key(path)] = bytes(data)

    def exists(self, path: str) -> bool:
        try:
            key = self._key(path)
        except SandboxError:
            return False
        return key == "." or key in self.files or any(name.startswith(key + "/") for name in self.files)

    def close(self) -> None:
        for service in self.services:
            service.stop()
        self.closed = True
