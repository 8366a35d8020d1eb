"""Services under test, on both backends: reached only through the trusted prober, stopped cleanly."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from harness import engine
from harness import exercise as exercise_mod
from harness.build.image import exercise_image
from harness.errors import SandboxError
from harness.model.execution import BackendOptions, Limits
from harness.sandbox import get_backend
from harness.sandbox.base import Sandbox
from harness.sandbox.service import HttpRequest

SERVER = """\
import http.server, json, os, signal, sys, urllib.request

if "--stubborn" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self._answer(200, f"hello {self.path}".encode())

    def do_POST(self):
        size = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(size)
        if self.path == "/notify":
            # Forward the body to the webhook named in the environment, as an alerting service would.
            request = urllib.request.Request(os.environ["ALERT_URL"], data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as answer:
                self._answer(202, str(answer.status).encode())
            return
        self._answer(201, str(len(body)).encode())

    def _answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("served", self.path, file=sys.stderr, flush=True)


http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""
LIMITS = Limits(wall_s=60, memory_mb=256, pids=64, output_bytes=64 * 1024)
SESSION = "test-services"


def server_box(backend: str, tmp_path: Path, label: str) -> AbstractContextManager[Sandbox]:
    """A sandbox on `backend` (docker: the kit's image) holding the test server as serve.py."""
    image = None
    if backend == "docker":
        exercise = exercise_mod.load("unreproducible-run")
        image = exercise_image(exercise.id, exercise.paths.image_dir)
    source = tmp_path / "src"
    source.mkdir()
    (source / "serve.py").write_text(SERVER)
    return get_backend(backend, BackendOptions(session=SESSION, image=image)).create(
        str(source), limits=LIMITS, label=label
    )


@pytest.fixture(params=["local", pytest.param("docker", marks=pytest.mark.docker)])
def sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sandbox]:
    with server_box(request.param, tmp_path, "service") as box:
        yield box
    if request.param == "docker":
        assert engine.leftovers(engine.selector(session=SESSION)).empty


def test_service_answers_through_the_prober(sandbox: Sandbox) -> None:
    service = sandbox.start_service(["python", "serve.py"], port=8080)
    assert service.wait_until_ready("/health", timeout_s=30)
    answers = service.send([HttpRequest("GET", "/a"), HttpRequest("POST", "/b", body=b"x" * 1000)])
    assert [(a.status, a.body) for a in answers] == [(200, b"hello /a"), (201, b"1000")]
    assert all(a.elapsed_s > 0 and not a.error for a in answers)
    result = service.stop(grace_s=5)
    assert not service.running() and not result.timed_out
    assert "served /a" in result.stderr


def test_repeats_and_concurrency_keep_order_on_the_hosts_clock(sandbox: Sandbox) -> None:
    service = sandbox.start_service(["python", "serve.py"], port=8080)
    assert service.wait_until_ready("/health", timeout_s=30)
    before = time.monotonic()
    answers = service.send([HttpRequest("POST", "/x", body=b"ab", repeat=5), HttpRequest("GET", "/y")], concurrency=3)
    after = time.monotonic()
    assert [(a.status, a.body) for a in answers] == [(201, b"2")] * 5 + [(200, b"hello /y")]
    # The prober records when it sent each request on the monotonic clock the host shares.
    assert all(before <= a.sent_at <= after for a in answers)
    service.stop()


def test_a_polling_request_waits_for_a_late_listener(sandbox: Sandbox) -> None:
    late = "import time; time.sleep(1.5); exec(open('serve.py').read())"
    service = sandbox.start_service(["python", "-c", late], port=8080)
    answer = service.send([HttpRequest("GET", "/late", until_ok_s=20)])[0]
    assert (answer.status, answer.body) == (200, b"hello /late")
    service.stop()


def test_stubborn_service_is_killed_after_the_grace_period(sandbox: Sandbox) -> None:
    service = sandbox.start_service(["python", "serve.py", "--stubborn"], port=8080)
    assert service.wait_until_ready(timeout_s=30)
    result = service.stop(grace_s=1)
    assert result.timed_out and not service.running()


def test_dead_service_gives_no_answer(sandbox: Sandbox) -> None:
    service = sandbox.start_service(["python", "-c", "raise SystemExit(3)"], port=8080)
    assert not service.wait_until_ready(timeout_s=5)
    assert service.request("GET", "/").status == 0
    assert service.stop().exit_code == 3


@pytest.mark.docker
def test_docker_service_has_no_address_and_no_published_port(tmp_path: Path) -> None:
    with server_box("docker", tmp_path, "isolated") as box:
        service = box.start_service(["python", "serve.py"], port=8080, sink_env="ALERT_URL")
        assert service.wait_until_ready(timeout_s=30)
        container = service.container  # type: ignore[attr-defined]
        container.reload()
        settings = container.attrs["NetworkSettings"]
        assert container.attrs["HostConfig"]["NetworkMode"] == "none"
        assert not settings.get("IPAddress") and not settings.get("Ports")
        # The sink lives in the service's own network namespace, with nothing of its own.
        labels = ["opsdrill.role=sink", f"opsdrill.session={SESSION}"]
        sink_filter: dict[str, str | list[str] | bool] = {"label": labels}
        sinks = engine.client().containers.list(filters=sink_filter)
        assert [s.attrs["HostConfig"]["NetworkMode"] for s in sinks] == [f"container:{container.id}"]
        assert sinks[0].attrs["Config"]["User"] == "65534:65534" and not sinks[0].attrs["NetworkSettings"].get("Ports")
        service.stop(grace_s=2)
        assert not engine.client().containers.list(all=True, filters=sink_filter)


@pytest.mark.docker
def test_a_prober_lost_under_a_running_service_is_the_kits_error(tmp_path: Path) -> None:
    """The engine losing the kit's prober mid-batch says nothing of the service: the grading errs
    instead of counting the batch as unanswered; a batch after the service stopped is unanswered."""
    with server_box("docker", tmp_path, "lost-prober") as box:
        service = box.start_service(["python", "serve.py"], port=8080)
        assert service.wait_until_ready(timeout_s=30)
        probers: dict[str, str | list[str] | bool] = {"label": ["opsdrill.role=prober", f"opsdrill.session={SESSION}"]}

        def remove_the_prober() -> None:
            """Once the batch runs in the prober (it already idles there since the readiness probes)."""
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                busy = [c for c in engine.client().containers.list(filters=probers) if c.attrs.get("ExecIDs")]
                if busy:
                    busy[0].remove(force=True)
                    return
                time.sleep(0.02)

        remover = threading.Thread(target=remove_the_prober)
        remover.start()
        # A batch slow on purpose (requests due one after another), so the prober goes under it.
        due = time.monotonic() + 3
        with pytest.raises(SandboxError, match="prober could not run while the service was up"):
            service.send([HttpRequest("GET", f"/{n}", not_before=due + n) for n in range(5)])
        remover.join()
        assert service.running() and service.request("GET", "/again").status == 200, "a new prober serves"
        service.stop(grace_s=2)
        assert service.request("GET", "/after").error == "the service is not running"


def test_webhook_sink_receives_what_the_service_sends(sandbox: Sandbox) -> None:
    service = sandbox.start_service(["python", "serve.py"], port=8080, sink_env="ALERT_URL")
    assert service.sink_url and service.sink_url.startswith("http://127.0.0.1:")
    assert service.wait_until_ready(timeout_s=30)
    assert service.messages() == []
    payloads = [json.dumps({"alert": n, "text": "caf\u00e9"}).encode() for n in range(3)]
    answers = service.send([HttpRequest("POST", "/notify", body=p) for p in payloads])
    assert [a.status for a in answers] == [202, 202, 202], answers[0].error or answers[0].body
    received = service.messages()
    assert [m.json() for m in received] == [json.loads(p) for p in payloads]
    assert all(m.method == "POST" and m.path == "/alerts" for m in received)
    assert received[0].headers["content-type"] == "application/json"
    service.stop(grace_s=5)
    assert len(service.messages()) == 3, "what the sink received survives the service"


def test_a_long_replay_travels_in_several_prober_runs(sandbox: Sandbox) -> None:
    service = sandbox.start_service(["python", "serve.py"], port=8080)
    assert service.wait_until_ready(timeout_s=30)
    # About 2.5 MB of requests: more than one batch, and more than one argument per batch on docker.
    bodies = [bytes([65 + n % 26]) * (1000 + n) for n in range(2000)]
    answers = service.send([HttpRequest("POST", f"/r{n}", body=b) for n, b in enumerate(bodies)])
    assert [a.body for a in answers] == [str(len(b)).encode() for b in bodies]
    service.stop(grace_s=5)
