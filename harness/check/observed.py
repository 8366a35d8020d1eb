"""A sandbox wrapper that records what candidate commands did: time spent and limits hit."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence

from harness.check.protocol import CheckResults, Flag
from harness.sandbox.base import ExecResult, Sandbox
from harness.sandbox.service import Service

MAX_FLAGS = 50


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
        for event in result.limit_events:
            if len(self.journal.flags) < MAX_FLAGS:
                command = shlex.join(argv)[:200]
                self.journal.flags.append(
                    Flag(
                        kind=event,
                        detail=f"`{command}` hit the {event.replace('_', ' ')} during {self.current_check()}",
                    )
                )
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
        return self.inner.start_service(argv, port=port, env=env, cwd=cwd, sink_env=sink_env)

    def read_file(self, path: str, max_bytes: int) -> bytes:
        return self.inner.read_file(path, max_bytes)

    def write_file(self, path: str, data: bytes) -> None:
        self.inner.write_file(path, data)

    def exists(self, path: str) -> bool:
        return self.inner.exists(path)

    def close(self) -> None:
        self.inner.close()
