"""Sandbox and service wrappers that record what candidate code did: time spent and limits hit."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence

from harness.model.checks import CheckResults
from harness.model.execution import ExecResult
from harness.model.flags import Flag
from harness.sandbox.base import Sandbox
from harness.sandbox.service import HttpRequest, HttpResponse, Service, SinkMessage

MAX_FLAGS = 50


def record_limits(journal: CheckResults, result: ExecResult, check: str) -> None:
    for event in result.limit_events:
        if len(journal.flags) < MAX_FLAGS:
            command = shlex.join(result.argv)[:200]
            journal.flags.append(
                Flag(kind=event, detail=f"`{command}` hit the {event.replace('_', ' ')} during {check}")
            )


class ObservedService(Service):
    """Counts the time the candidate's service spends answering as candidate time."""

    def __init__(self, inner: Service, journal: CheckResults, current_check: Callable[[], str]) -> None:
        self.inner, self.journal, self.current_check = inner, journal, current_check
        self.port, self.sink_url = inner.port, inner.sink_url
        self._recorded = False

    def send(
        self, requests: Sequence[HttpRequest], *, budget_s: float | None = None, concurrency: int = 1
    ) -> list[HttpResponse]:
        answers = self.inner.send(requests, budget_s=budget_s, concurrency=concurrency)
        if concurrency > 1 and answers:
            # Concurrent answers overlap: the candidate's time is the span, not the sum.
            self.journal.sandbox_s += max(a.sent_at + a.elapsed_s for a in answers) - min(a.sent_at for a in answers)
        else:
            self.journal.sandbox_s += sum(a.elapsed_s for a in answers)
        return answers

    def health_status(self) -> str | None:
        return self.inner.health_status()

    def messages(self) -> list[SinkMessage]:
        return self.inner.messages()

    def running(self) -> bool:
        return self.inner.running()

    def stop(self, grace_s: float = 10.0) -> ExecResult:
        result = self.inner.stop(grace_s)
        if not self._recorded:
            self._recorded = True
            record_limits(self.journal, result, self.current_check())
        return result


class ObservedSandbox(Sandbox):
    def __init__(self, inner: Sandbox, journal: CheckResults, current_check: Callable[[], str]) -> None:
        self.inner, self.journal, self.current_check = inner, journal, current_check
        self.backend = inner.backend

    def exec(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str = ".",
        timeout_s: float | None = None,
    ) -> ExecResult:
        result = self.inner.exec(argv, env=env, cwd=cwd, timeout_s=timeout_s)
        self.journal.sandbox_s += result.duration_s
        record_limits(self.journal, result, self.current_check())
        return result

    def start_service(
        self,
        argv: Sequence[str],
        *,
        port: int,
        env: Mapping[str, str] | None = None,
        cwd: str = ".",
        sink_env: str | None = None,
    ) -> Service:
        inner = self.inner.start_service(argv, port=port, env=env, cwd=cwd, sink_env=sink_env)
        return ObservedService(inner, self.journal, self.current_check)

    def start_image_service(
        self, image: str, *, port: int, env: Mapping[str, str] | None = None, uid: int | None = None,
        command: Sequence[str] | None = None,
    ) -> Service:  # fmt: skip
        inner = self.inner.start_image_service(image, port=port, env=env, uid=uid, command=command)
        return ObservedService(inner, self.journal, self.current_check)

    def path(self, relative: str = ".") -> str:
        return self.inner.path(relative)

    def read_file(self, path: str, max_bytes: int) -> bytes:
        return self.inner.read_file(path, max_bytes)

    def write_file(self, path: str, data: bytes) -> None:
        self.inner.write_file(path, data)

    def exists(self, path: str) -> bool:
        return self.inner.exists(path)

    def close(self) -> None:
        self.inner.close()
