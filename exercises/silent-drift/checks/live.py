"""A candidate's service under replay: phases of traffic, and the alerts each phase produced."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.grading import SINK_MAX_MESSAGES, Grading, HttpRequest, HttpResponse, Service, SinkMessage

WEBHOOK_ENV = "ALERT_WEBHOOK_URL"
Watch = Literal["watch", "expected", "ignore"]
SERVE = ["python", "serve.py"]
PORT = 8000
POLL_S = 0.1
#: After the first alert of a phase, how long to wait for stragglers before moving on.
QUIET_S = 0.5
#: An expected alert may take this many settle windows to arrive before the phase closes without it
#: (a loaded machine delays the service's alert thread, not the requests it was due within).
EXPECTED_SETTLES = 3
METRICS_MAX_BYTES = 2 * 1024 * 1024
BUDGET_FIXED_S = 10.0
#: No check here looks at how a service stops: one that ignores SIGTERM is killed this soon after.
STOP_GRACE_S = 1.0
#: The public checks' timing (they run without the grader's params): start timeout, seconds per
#: replayed request, wait for alerts after a phase.
PUBLIC_TIMING = {"start_timeout_s": 90.0, "request_budget_s": 0.05, "settle_s": 2.0}


@dataclass
class Phase:
    """Requests sent in order, and the alerts the sink received between the previous phase's close
    and this one's (sink clock), read when asked so that late deliveries are still counted."""

    name: str
    answers: list[HttpResponse]
    opened: float
    closed: float
    received: Callable[[], list[SinkMessage]]

    @property
    def alerts(self) -> list[SinkMessage]:
        return [m for m in self.received() if self.opened <= m.received_at < self.closed]

    def share(self, low: int, high: int) -> float:
        """Share of answers with a status in [low, high]."""
        return sum(low <= a.status <= high for a in self.answers) / max(len(self.answers), 1)


def payload(message: SinkMessage) -> dict[str, Any] | None:
    try:
        data = message.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def named(alerts: list[SinkMessage]) -> list[str]:
    """The features the alerts name, in order (the documented payload's `feature`)."""
    names = []
    for message in alerts:
        data = payload(message)
        if data is not None and isinstance(data.get("feature"), str):
            names.append(data["feature"])
    return names


@dataclass
class Live:
    """Started fresh on creation, with the grader's settle time, start timeout and replay budget
    (PUBLIC_TIMING where the params do not give them: in the public checks). `files` (workspace
    path: bytes) are written into its sandbox before it starts."""

    grading: Grading
    label: str
    of: Literal["submission", "starter"] = "submission"
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    phases: dict[str, Phase] = field(default_factory=dict)

    def __post_init__(self) -> None:
        params = PUBLIC_TIMING | self.grading.params
        self.settle_s = float(params["settle_s"])
        #: Seconds each request may take on average before the rest of a replay is dropped.
        self.request_budget_s = float(params["request_budget_s"])
        sandbox = self.grading.sandbox(self.label, of=self.of)
        for path, data in self.files.items():
            sandbox.write_file(path, data)
        self.service: Service = sandbox.start_service(SERVE, port=PORT, env=self.env, sink_env=WEBHOOK_ENV)
        self.up = self.service.wait_until_ready("/health", timeout_s=float(params["start_timeout_s"]))
        self._closed = 0.0

    def phase(self, name: str, requests: list[HttpRequest], *, alerts: Watch = "watch") -> Phase:
        """Send `requests` in order, then close the phase: "watch" waits settle_s for alerts,
        "expected" stops waiting soon after the first (or after a few settle windows without
        one), "ignore" does not wait."""
        opened = self._closed
        answers = self.send(requests)
        self._closed = self._close(opened, alerts)
        self.phases[name] = Phase(name, answers, opened, self._closed, self.service.messages)
        return self.phases[name]

    def _close(self, opened: float, watch: Watch) -> float:
        """The sink time at which the phase ends."""
        waits = {"watch": self.settle_s, "expected": self.settle_s * EXPECTED_SETTLES, "ignore": 0.0}
        deadline = time.time() + waits[watch]
        while watch == "expected" and time.time() < deadline:
            latest = max((m.received_at for m in self.service.messages() if m.received_at >= opened), default=None)
            if latest is not None and time.time() - latest > QUIET_S:
                return time.time()
            time.sleep(POLL_S)
        time.sleep(max(deadline - time.time(), 0.0))
        return deadline

    def overflowed(self) -> bool:
        """Whether the sink reached its message cap: past it, alerts are counted by the sink only."""
        return len(self.service.messages()) >= SINK_MAX_MESSAGES

    def send(self, requests: list[HttpRequest]) -> list[HttpResponse]:
        return self.service.send(requests, budget_s=BUDGET_FIXED_S + self.request_budget_s * len(requests))

    def get(self, *paths: str) -> list[HttpResponse]:
        """GET each path, in one prober run."""
        return self.send([HttpRequest("GET", path) for path in paths])

    def metrics_text(self) -> str | None:
        answer = self.service.request("GET", "/metrics", max_body=METRICS_MAX_BYTES)
        return answer.body.decode("utf-8", "replace") if answer.status == 200 else None

    def all_alerts(self) -> list[SinkMessage]:
        return self.service.messages()

    def stop(self) -> None:
        self.service.stop(grace_s=STOP_GRACE_S)


def assert_countable(live: Live) -> None:
    """Checks that count alerts (or their absence) cannot be judged past the sink's cap."""
    assert not live.overflowed(), (
        f"the service sent {SINK_MAX_MESSAGES} or more webhook messages in one replay, past what the grader keeps, so "
        "its alerts cannot be counted"
    )


def post_raw(body: bytes, content_type: str = "application/json") -> HttpRequest:
    return HttpRequest("POST", "/score", body, {"Content-Type": content_type})


def json_body(value: Any) -> bytes:
    return json.dumps(value).encode()
