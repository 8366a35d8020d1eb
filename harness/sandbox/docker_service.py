"""Services on the docker backend: a long-running candidate container, reached only by a prober
container that joins its network namespace (no published ports, no route for the candidate).
A webhook sink, when asked for, is one more kit container in that namespace.

The prober container idles between batches of requests and runs each batch as one process of its
own: starting a process in a running container costs about a quarter of what creating, starting and
removing a container does, and a grading sends dozens of batches."""

from __future__ import annotations

import contextlib
import json
import re
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
from harness.sandbox.container import ENGINE_ERRORS, ContainerRun, stream_closer
from harness.sandbox.service import PROBE_BATCH, PROBE_BATCH_BYTES, HttpRequest, HttpResponse, Service, SinkMessage

PROBE_SOURCE = Path(probe.__file__).read_text(encoding="utf-8")
SINK_SOURCE = Path(sink.__file__).read_text(encoding="utf-8")
PROBER_MEMORY = "256m"
#: What the prober container runs between batches.
PROBER_IDLE = ["sleep", "infinity"]
#: Longest a stopping service waits for the batches still in flight (they end once it is gone).
PROBES_SETTLE_S = 30.0
#: Bytes of a failed batch's error output kept for the answer's error.
PROBE_ERROR_TAIL = 300
#: Bytes of a prober's answers read back (at most PROBE_BATCH answers of up to 64 KiB each, and some).
PROBE_OUTPUT = 256 * 1024 * 1024
#: The sink's port on the service's loopback, and the URL the service is given.
SINK_PORT = 9099
SINK_URL = f"http://127.0.0.1:{SINK_PORT}{sink.URL_PATH}"
SINK_READY_S = 10.0
#: What a service's container answers for it once it is gone, or before it ever ran.
NOT_RUNNING = "the service is not running"
#: How the engine says it could not start a container's own command (a missing program, a bad path).
COMMAND_REFUSED = re.compile(r"start(ing)? container process")
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


def _answers(stdout: bytes, count: int) -> list[HttpResponse] | None:
    """The batch's answers, when the prober printed all of them (whatever its exit code says)."""
    try:
        answers = [HttpResponse.from_json(answer) for answer in json.loads(stdout)]
    except (ValueError, KeyError, TypeError):
        return None
    return answers if len(answers) == count else None


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
        self._down = NOT_RUNNING
        self.run = ContainerRun(client, image, list(argv) or None, options, output_cap=output_cap, what="a service")
        try:
            self.run.start()
        except SandboxError as exc:
            if not COMMAND_REFUSED.search(str(exc)):
                self.run.remove()
                raise
            # The engine could not start the image's own command: the service never ran, its doing.
            self._down = f"{NOT_RUNNING} (its command could not start: {str(exc)[-PROBE_ERROR_TAIL:]})"
        except BaseException:
            self.run.remove()
            raise
        self.container = self.run.container
        self._prober = _Prober(client, self._image, self._prober_options())
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
        timeout_s = (budget_s or batch.timeout_s / max(concurrency, 1)) + 30
        try:
            code, stdout, stderr = self._prober.run(command, timeout_s)
        except (*ENGINE_ERRORS, InfrastructureError) as exc:
            if isinstance(exc, _Stopped) or not self.running():
                return [HttpResponse(status=0, error=self._down) for _ in range(batch.count)]
            # The engine failed the kit, not the service: an error of the grading, never an answer.
            raise SandboxError(f"The prober could not run while the service was up ({exc}).") from exc
        answers = _answers(stdout, batch.count)
        if answers is not None:
            return answers
        # No complete answers: the batch outran every request's time, or the prober died on what it got.
        error = "prober ran out of time" if code is None else stderr.decode("utf-8", "replace")[-PROBE_ERROR_TAIL:]
        return [HttpResponse(status=0, error=error or f"prober exited with {code}") for _ in range(batch.count)]

    def send(
        self, requests_: Sequence[HttpRequest], *, budget_s: float | None = None, concurrency: int = 1
    ) -> list[HttpResponse]:
        if not self.running():
            down = HttpResponse(status=0, error=self._down)
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
            self._prober.close(PROBES_SETTLE_S)
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


class _Stopped(SandboxError):
    """A batch asked for after its service was stopped."""


class _Prober:
    """The kit's container in a service's network namespace, created at the first batch, idle
    between batches; each batch is one process in it. Batches may run at once (the drain check
    sends a wave while the service is being stopped)."""

    def __init__(self, client: DockerClient, image: str, options: dict[str, Any]) -> None:
        self._client, self._image, self._options = client, image, options
        self._run: ContainerRun | None = None
        self._closed = False
        self._in_flight = 0
        self._changed = threading.Condition()

    def _container(self) -> ContainerRun:
        with self._changed:
            if self._closed:
                raise _Stopped("the service has been stopped")
            if self._run is None:
                run = ContainerRun(
                    self._client, self._image, PROBER_IDLE, self._options, output_cap=0, what="the prober"
                )
                try:
                    # Starting it joins the service's network: that fails when the service is gone.
                    run.start()
                except BaseException:
                    run.remove()
                    raise
                self._run = run
            self._in_flight += 1
            return self._run

    def run(self, command: list[str], timeout_s: float) -> tuple[int | None, bytes, bytes]:
        """Exit code (None: it ran out of time and the container was killed), stdout, stderr."""
        run = self._container()
        try:
            return self._exec(run, command, timeout_s)
        except (*ENGINE_ERRORS, SandboxError, InfrastructureError):
            # Whatever went wrong stays with this batch: the next one gets a new container.
            self._discard(run)
            raise
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def _exec(self, run: ContainerRun, command: list[str], timeout_s: float) -> tuple[int | None, bytes, bytes]:
        api = self._client.api
        with engine.translated("run the prober"):
            exec_id = api.exec_create(run.id, command)["Id"]
            stream = api.exec_start(exec_id, stream=True, demux=True)
        stdout, stderr = bytearray(), bytearray()

        def read() -> None:
            try:
                with contextlib.suppress(*ENGINE_ERRORS, OSError, ValueError):
                    for out, err in stream:
                        stdout.extend(out or b"")
                        stderr.extend(err or b"")
                        del stderr[:-PROBE_ERROR_TAIL]
                        if len(stdout) > PROBE_OUTPUT:
                            break
            finally:
                stream_closer(stream)()

        reader = threading.Thread(target=read, name="opsdrill-prober-reader", daemon=True)
        reader.start()
        reader.join(timeout_s)
        if reader.is_alive() or len(stdout) > PROBE_OUTPUT:
            self._discard(run)
            if not reader.is_alive():
                # The service's answers, not the kit, made it too much: a failed batch, no answers.
                return -1, b"", f"the answers came to more than {PROBE_OUTPUT} bytes".encode()
            return None, b"", b""
        code = self._exit_code(exec_id)
        if code != 0 and not self._alive(run):
            # Only the engine, or the kit, removes or kills the prober's container.
            raise SandboxError("the prober's container went away under the batch")
        return code, bytes(stdout), bytes(stderr)

    def _alive(self, run: ContainerRun) -> bool:
        """Whether the container still runs a new process. Its recorded state is no proof: the
        engine may still call it running a moment after it was killed."""
        api = self._client.api
        try:
            with engine.translated("check the prober"):
                exec_id = api.exec_create(run.id, ["true"])["Id"]
                api.exec_start(exec_id)
            return self._exit_code(exec_id) == 0
        except InfrastructureError:
            return False

    def _exit_code(self, exec_id: str) -> int:
        """The process's exit code: the engine may need a moment after its output ends to record it."""
        for _ in range(50):
            with engine.translated("inspect the prober"):
                state = self._client.api.exec_inspect(exec_id)
            if not state.get("Running") and state.get("ExitCode") is not None:
                return int(state["ExitCode"])
            time.sleep(0.05)
        return -1

    def _discard(self, run: ContainerRun) -> None:
        """Remove a prober whose batch overran or failed: the next batch gets a new container."""
        with self._changed:
            if self._run is run:
                self._run = None
        run.remove()

    def close(self, settle_s: float) -> None:
        """No more batches; those in flight get `settle_s` to end, then the container goes."""
        with self._changed:
            self._closed = True
            self._changed.wait_for(lambda: self._in_flight == 0, timeout=settle_s)
            run, self._run = self._run, None
        if run is not None:
            run.remove()
