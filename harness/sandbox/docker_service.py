"""Services on the docker backend: a long-running candidate container, reached only by a prober
container that joins its network namespace (no published ports, no route for the candidate).
A webhook sink, when asked for, is one more kit container in that namespace."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker.errors
import requests
from docker import DockerClient
from docker.types import CancellableStream

from harness import engine
from harness.errors import InfrastructureError, SandboxError
from harness.model.execution import ExecResult
from harness.sandbox import probe, sink
from harness.sandbox.container import ENGINE_ERRORS, ContainerRun
from harness.sandbox.service import PROBE_BATCH, PROBE_BATCH_BYTES, HttpRequest, HttpResponse, Service, SinkMessage

PROBE_SOURCE = Path(probe.__file__).read_text(encoding="utf-8")
SINK_SOURCE = Path(sink.__file__).read_text(encoding="utf-8")
PROBER_MEMORY = "256m"
#: Bytes of a prober's answers read back (at most PROBE_BATCH answers of up to 64 KiB each, and some).
PROBE_OUTPUT = 256 * 1024 * 1024
#: The sink's port on the service's loopback, and the URL the service is given.
SINK_PORT = 9099
SINK_URL = f"http://127.0.0.1:{SINK_PORT}{sink.URL_PATH}"
SINK_READY_S = 10.0
#: One argument of a command line may not exceed 128 KiB on Linux; batches travel in pieces.
ARG_PIECE = 96 * 1024


def _pieces(text: str) -> list[str]:
    return [text[i : i + ARG_PIECE] for i in range(0, len(text), ARG_PIECE)] or [""]


@dataclass
class _Batch:
    """One prober run: the requests' wire JSON, and how long they may take without a budget."""

    texts: list[str] = field(default_factory=list)
    timeout_s: float = 0.0
    size: int = 0
    #: Requests to send, repeats included (one answer each).
    count: int = 0


def _batches(requests_: Sequence[HttpRequest]) -> list[_Batch]:
    """Consecutive runs of requests, each within the prober's count and size budget."""
    batches: list[_Batch] = []
    for request in requests_:
        text = json.dumps(request.to_json())
        if not batches or len(batches[-1].texts) >= PROBE_BATCH or batches[-1].size + len(text) > PROBE_BATCH_BYTES:
            batches.append(_Batch())
        batch = batches[-1]
        batch.texts.append(text)
        batch.timeout_s += request.timeout_s * request.repeat + request.until_ok_s
        batch.timeout_s += max(request.not_before - time.monotonic(), 0.0)
        batch.size += len(text)
        batch.count += request.repeat
    return batches


class DockerService(Service):
    def __init__(
        self, client: DockerClient, image: str, argv: Sequence[str], port: int, options: dict[str, Any],
        labels: dict[str, str], output_cap: int, *, with_sink: bool = False, prober_image: str | None = None,
    ) -> None:  # fmt: skip
        """`image` runs `argv` (its own command when empty); probers and the sink run the kit's
        `prober_image` (default: `image`, when that is the kit's image)."""
        self.port, self.argv = port, tuple(argv)
        self._client, self._image, self._labels, self._cap = client, prober_image or image, labels, output_cap
        self._result: ExecResult | None = None
        self._sink: ContainerRun | None = None
        self._reader: threading.Thread | None = None
        self._sink_ready = threading.Event()
        self._lock = threading.Lock()
        self._messages: list[SinkMessage] = []
        self.run = ContainerRun(client, image, list(argv) or None, options, output_cap=output_cap, what="a service")
        try:
            self.run.start()
        except BaseException:
            self.run.remove()
            raise
        self.container = self.run.container
        if with_sink:
            self._start_sink()

    def _start_sink(self) -> None:
        command = ["python", "-I", "-c", SINK_SOURCE, str(SINK_PORT)]
        options = self._prober_options() | {"labels": self._labels | {"opsdrill.role": "sink"}}
        self._sink = ContainerRun(self._client, self._image, command, options, output_cap=0, what="the webhook sink")
        self._sink.start()
        with engine.translated("follow the webhook sink"):
            stream = self._sink.follow()
        self.sink_url = SINK_URL
        self._reader = threading.Thread(target=self._receive, args=(stream,), name="opsdrill-sink-reader", daemon=True)
        self._reader.start()
        self._sink_ready.wait(SINK_READY_S)

    def _receive(self, stream: CancellableStream[bytes]) -> None:
        """Follow the sink's output (one JSON line per message) until the sink container goes away."""
        pending = b""
        with contextlib.suppress(docker.errors.APIError, requests.exceptions.RequestException, ValueError):
            try:
                for chunk in stream:
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        self._keep(line)
            finally:
                stream.close()
        self._sink_ready.set()

    def _keep(self, line: bytes) -> None:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            data = json.loads(line)
            if data == sink.READY:
                self._sink_ready.set()
            elif "received_at" in data:
                with self._lock:
                    self._messages.append(SinkMessage.from_json(data))

    def messages(self) -> list[SinkMessage]:
        with self._lock:
            return list(self._messages)

    def _prober_options(self) -> dict[str, Any]:
        return {
            "network_mode": f"container:{self.container.id}",
            "user": "65534:65534",
            "read_only": True,
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "mem_limit": PROBER_MEMORY,
            "pids_limit": 32,
            "labels": self._labels | {"opsdrill.role": "prober"},
            "environment": {"PYTHONDONTWRITEBYTECODE": "1"},
        }

    def _probe(self, batch: _Batch, budget_s: float, concurrency: int) -> list[HttpResponse]:
        pieces = _pieces("[" + ",".join(batch.texts) + "]")
        command = ["python", "-I", "-c", PROBE_SOURCE, str(self.port), str(budget_s), str(concurrency), *pieces]
        # Creating it is the kit's business: a failure there is an error of the grading, never an answer.
        prober = ContainerRun(
            self._client, self._image, command, self._prober_options(), output_cap=PROBE_OUTPUT, what="the prober"
        )
        try:
            # Starting it joins the service's network: that fails when the service is gone.
            prober.start()
            code, timed_out = prober.wait((budget_s or batch.timeout_s / max(concurrency, 1)) + 30)
            if code == 0:
                return [HttpResponse.from_json(answer) for answer in json.loads(prober.output())]
            error = "prober ran out of time" if timed_out else prober.output(stdout=False)[-300:]
        except (*ENGINE_ERRORS, InfrastructureError, SandboxError, ValueError) as exc:
            error = f"prober failed: {exc}"
        finally:
            prober.remove()
        return [HttpResponse(status=0, error=error) for _ in range(batch.count)]

    def send(
        self, requests_: Sequence[HttpRequest], *, budget_s: float | None = None, concurrency: int = 1
    ) -> list[HttpResponse]:
        if not self.running():
            down = HttpResponse(status=0, error="the service is not running")
            return [down for request in requests_ for _ in range(request.repeat)]
        deadline = time.monotonic() + budget_s if budget_s else None
        answers: list[HttpResponse] = []
        for batch in _batches(requests_):
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                answers += [HttpResponse(status=0, error=probe.NOT_SENT) for _ in range(batch.count)]
            else:
                answers += self._probe(batch, left or 0.0, concurrency)
        return answers

    def health_status(self) -> str | None:
        with contextlib.suppress(docker.errors.NotFound, requests.exceptions.RequestException):
            self.container.reload()
            health = self.container.attrs.get("State", {}).get("Health") or {}
            return str(health["Status"]) if "Status" in health else None
        return None

    def running(self) -> bool:
        return self.run.running()

    def stop(self, grace_s: float = 10.0) -> ExecResult:
        """`timed_out` in the result means the service ignored SIGTERM for `grace_s` and was killed."""
        if self._result is not None:
            return self._result
        try:
            self._result = self.run.result(*self.run.stop(grace_s))
        finally:
            self.run.remove()
            self._remove_sink()
        return self._result

    def _remove_sink(self) -> None:
        """What the sink received stays: `messages()` still answers after the service stopped."""
        if self._sink is not None:
            self._sink.remove()
            self._sink = None
        if self._reader is not None:
            # The log stream ends with its container; what it delivered last is kept.
            self._reader.join(timeout=5)
