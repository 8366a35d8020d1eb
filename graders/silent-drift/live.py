"""A candidate's service under replay: phases of traffic, and the alerts each phase produced."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.check.plugin import Grading
from harness.sandbox.service import HttpRequest, HttpResponse, Service, SinkMessage

WEBHOOK_ENV = "ALERT_WEBHOOK_URL"
Watch = Literal["watch", "expected", "ignore"]
SERVE = ["python", "serve.py"]
PORT = 8000
POLL_S = 0.1
#: After the first alert of a phase, how long to wait for stragglers before moving on.
QUIET_S = 0.5
METRICS_MAX_BYTES = 2 * 1024 * 1024
BUDGET_FIXED_S = 10.0


@dataclass
class Phase:
    name: str
    answers: list[HttpResponse]
    alerts: list[SinkMessage]

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
    """Started fresh on creation, with the exercise's settle time, start timeout and replay budget."""

    grading: Grading
    label: str
    of: Literal["submission", "starter"] = "submission"
    env: dict[str, str] = field(default_factory=dict)
    phases: dict[str, Phase] = field(default_factory=dict)

    def __post_init__(self) -> None:
        params = self.grading.params
        self.settle_s = float(params["settle_s"])
        #: Seconds each request may take on average before the rest of a replay is dropped.
        self.request_budget_s = float(params["request_budget_s"])
        sandbox = self.grading.sandbox(self.label, of=self.of)
        self.service: Service = sandbox.start_service(SERVE, port=PORT, env=self.env, sink_env=WEBHOOK_ENV)
        self.up = self.service.wait_until_ready("/health", timeout_s=float(params["start_timeout_s"]))
        self._seen = 0

    def phase(self, name: str, requests: list[HttpRequest], *, alerts: Watch = "watch") -> Phase:
        """Send `requests` in order, then collect the alerts they caused: "watch" waits settle_s for
        any, "expected" stops waiting soon after the first, "ignore" does not wait."""
        answers = self.send(requests)
        self.phases[name] = Phase(name, answers, self._collect(alerts))
        return self.phases[name]

    def _collect(self, watch: Watch) -> list[SinkMessage]:
        alert_expected = watch == "expected"
        deadline = time.monotonic() + (self.settle_s if watch != "ignore" else 0)
        received = self.service.messages()
        while time.monotonic() < deadline:
            if alert_expected and len(received) > self._seen and time.time() - received[-1].received_at > QUIET_S:
                break
            time.sleep(POLL_S)
            received = self.service.messages()
        new, self._seen = received[self._seen :], len(received)
        return new

    def send(self, requests: list[HttpRequest]) -> list[HttpResponse]:
        return self.service.send(requests, budget_s=BUDGET_FIXED_S + self.request_budget_s * len(requests))

    def get(self, *paths: str) -> list[HttpResponse]:
        """GET each path, in one prober run."""
        return self.send([HttpRequest("GET", path) for path in paths])

    def metrics_text(self) -> str | None:
        answer = self.service.request("GET", "/metrics", max_body=METRICS_MAX_BYTES)
        return answer.body.decode("utf-8", "replace") if answer.status == 200 else None

    def all_alerts(self) -> list[SinkMessage]:
        return [m for p in self.phases.values() for m in p.alerts]

    def stop(self) -> None:
        self.service.stop(grace_s=5)


def post_raw(body: bytes, content_type: str = "application/json") -> HttpRequest:
    return HttpRequest("POST", "/score", body, {"Content-Type": content_type})


def json_body(value: Any) -> bytes:
    return json.dumps(value).encode()
