"""A real `opsdrill live` process on the toy exercise, and waiting on what its views say."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from harness.content import CONTENT_ENV

START_TIMEOUT_S = 60
URL = re.compile(r"(candidate|interviewer) view:\s+(http://127\.0\.0\.1:\d+/[ci]/\S+)")


@dataclass
class LiveProcess:
    proc: subprocess.Popen[str]
    candidate: str
    interviewer: str
    output: list[str]

    def state(self, view: str = "interviewer") -> dict[str, Any]:
        answer = httpx.get(f"{getattr(self, view)}/state", timeout=10)
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        return data

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return httpx.post(f"{self.interviewer}{path}", json=body, timeout=10)

    def wait_for(self, what: str, holds: Callable[[dict[str, Any]], bool], timeout_s: float = 180) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        state: dict[str, Any] = {}
        while True:
            try:
                state = self.state()
            except httpx.TransportError:  # not listening yet
                state = {}
            if state and holds(state):
                return state
            assert time.monotonic() < deadline, f"{what}: not within {timeout_s:.0f}s; last state {state}"
            assert self.proc.poll() is None, f"opsdrill live exited: {''.join(self.output)}"
            time.sleep(0.3)


@contextmanager
def live_process(content_root: Path, workspace: Path, exercise: str = "toy") -> Iterator[LiveProcess]:
    """`opsdrill live` on the local backend, until the block ends (then stopped, or already killed)."""
    env = os.environ | {CONTENT_ENV: str(content_root), "PYTHONUNBUFFERED": "1", "COLUMNS": "400"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "live", exercise, "--workspace", str(workspace), "--port", "0",
         "--backend", "local"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    output: list[str] = []
    urls: dict[str, str] = {}
    deadline = time.monotonic() + START_TIMEOUT_S
    while len(urls) < 2 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        output.append(line)
        if match := URL.search(line):
            urls[match.group(1)] = match.group(2)
    try:
        assert len(urls) == 2, f"opsdrill live printed no URLs: {''.join(output)}"
        live = LiveProcess(proc, urls["candidate"], urls["interviewer"], output)
        live.wait_for("the server answering", lambda s: True, timeout_s=30)
        yield live
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()


def passed(state: dict[str, Any] | None, suite: str) -> bool:
    run = (state or {}).get(suite)
    return bool(run and run["statuses"] and all(s == "passed" for s in run["statuses"].values()))
