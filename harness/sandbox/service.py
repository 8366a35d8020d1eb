"""Services under test: a candidate process that listens on a port, and a trusted client for it.

The client (the "prober") is the only thing that talks to a candidate service. On the docker
backend it is a separate container of the kit's image that joins the service container's network
namespace and reaches it on 127.0.0.1, so the candidate gets no route anywhere and the host never
needs to route to container addresses. On the local backend it is this process, over loopback.
"""

from __future__ import annotations

import abc
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from harness.model.execution import ExecResult

#: At most this many requests, and this many bytes of them, per prober run on the docker backend.
PROBE_BATCH = 2000
PROBE_BATCH_BYTES = 512 * 1024
#: What a service that is up but not ready yet answers.
UNAVAILABLE = 503
#: Longest a single prober run keeps polling a service that is starting.
POLL_RUN_S = 5.0
#: Bytes of an answer's body kept unless a request asks for more (the rest is read and dropped).
DEFAULT_MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class HttpRequest:
    method: str = "GET"
    path: str = "/"
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 5.0
    max_body: int = DEFAULT_MAX_BODY
    #: Send this very request this many times (one answer each): a load without repeating its bytes.
    repeat: int = 1
    #: Try again (every 0.2 s, for up to this long) while there is no answer or a 5xx: a readiness poll.
    until_ok_s: float = 0.0
    #: Not sent before this time on the monotonic clock the prober shares with the host (0: at once),
    #: so the trusted side can act at a known moment of a load, whatever the prober's start-up took.
    not_before: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The wire form `harness.sandbox.probe` reads."""
        return {"method": self.method, "path": self.path, "body": self.body.decode("latin-1"),
                "headers": dict(self.headers), "timeout_s": self.timeout_s, "max_body": self.max_body,
                "repeat": self.repeat, "until_ok_s": self.until_ok_s, "not_before": self.not_before}  # fmt: skip


@dataclass(frozen=True)
class HttpResponse:
    """What came back; `status` 0 means no HTTP answer at all (refused, reset, timed out)."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0
    error: str = ""
    #: When the request was sent, on the machine's monotonic clock (`time.monotonic()`).
    sent_at: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HttpResponse:
        return cls(
            status=int(data["status"]), body=str(data["body"]).encode("latin-1"), headers=dict(data["headers"]),
            elapsed_s=float(data["elapsed_s"]), error=str(data["error"]), sent_at=float(data.get("sent_at", 0.0)),
        )  # fmt: skip


@dataclass(frozen=True)
class SinkMessage:
    """One request the service sent to the webhook sink; `received_at` is the host's epoch clock."""

    received_at: float
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SinkMessage:
        return cls(
            received_at=float(data["received_at"]), method=str(data["method"]), path=str(data["path"]),
            headers=dict(data["headers"]), body=str(data["body"]).encode("latin-1"),
        )  # fmt: skip


class Service(abc.ABC):
    """A candidate process serving on `port` inside its sandbox.

    With a sink (`start_service(..., sink_env=NAME)`), the service finds in $NAME the URL of a
    webhook receiver on its own loopback, and `messages()` returns what it received so far.
    """

    port: int
    sink_url: str | None = None

    @abc.abstractmethod
    def send(
        self, requests: Sequence[HttpRequest], *, budget_s: float | None = None, concurrency: int = 1
    ) -> list[HttpResponse]:
        """Send `requests` through the trusted prober; one response per request sent (a request's
        `repeat` counts), in order. With `budget_s`, requests still due when it has run out are not
        sent (status 0): a service that answers slowly on purpose cannot stretch a replay beyond its
        budget. With `concurrency` > 1, that many requests are in flight at once."""

    @abc.abstractmethod
    def messages(self) -> list[SinkMessage]:
        """What the service sent to its sink so far, oldest first (empty without a sink)."""

    @abc.abstractmethod
    def running(self) -> bool:
        """Whether the service process is still alive."""

    def health_status(self) -> str | None:
        """What the container's own health check says (starting, healthy, unhealthy); None without one."""
        return None

    @abc.abstractmethod
    def stop(self, grace_s: float = 10.0) -> ExecResult:
        """SIGTERM, up to `grace_s` to exit, then SIGKILL; the exit status and the captured output."""

    def request(
        self, method: str = "GET", path: str = "/", body: bytes = b"", *, max_body: int = DEFAULT_MAX_BODY,
        **headers: str,
    ) -> HttpResponse:  # fmt: skip
        return self.send([HttpRequest(method, path, body, headers, max_body=max_body)])[0]

    def poll(self, request: HttpRequest, timeout_s: float, *, loading_s: float = 0.0) -> HttpResponse:
        """Send `request` until it gets an answer that is not a 5xx, the service dies, or time runs out;
        the last answer. Time runs out after `timeout_s`; while the service answers 503 (it is up
        and says it is not ready yet, e.g. loading a model on a busy machine), after `loading_s` in
        all if that is longer. Any other 5xx is a failing service, not a loading one: it gets no
        more time. The prober retries on its own for up to POLL_RUN_S at a time (one prober start,
        not one per try)."""
        started = time.monotonic()
        answer = HttpResponse(status=0, error=f"the service stopped within {timeout_s:.0f}s of starting")
        while self.running():
            limit = max(timeout_s, loading_s) if answer.status == UNAVAILABLE else timeout_s
            left = started + limit - time.monotonic()
            if left <= 0:
                break
            answer = self.send([replace(request, until_ok_s=min(POLL_RUN_S, left))])[0]
            if 0 < answer.status < 500:
                break
        return answer

    def wait_until_ready(self, path: str = "/", timeout_s: float = 30.0) -> bool:
        """Poll GET `path` until it answers with anything but a 5xx, or the service dies, or time runs out."""
        return 0 < self.poll(HttpRequest("GET", path, timeout_s=2.0), timeout_s).status < 500
