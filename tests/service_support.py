"""A grading service run for a test: the real app on a loopback port, in this process, with tenants."""

from __future__ import annotations

import io
import socket
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import uvicorn

from harness.service import open_store
from harness.service.app import create_app
from harness.service.store import ServiceStore
from harness.service.webhooks import Deliverer
from harness.service.worker import LocalWorkers

TENANTS = ("acme", "globex")


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as packed:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                packed.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


@dataclass
class LiveService:
    url: str
    store: ServiceStore
    #: A live API key per tenant name.
    keys: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, tenant: str | None = "acme", **options: Any) -> requests.Response:
        headers = dict(options.pop("headers", {}))
        if tenant is not None:
            headers["Authorization"] = f"Bearer {self.keys[tenant]}"
        return requests.request(method, self.url + path, headers=headers, timeout=30, **options)

    def submit(
        self, data: bytes, *, tenant: str = "acme", exercise: str = "toy", name: str = "submission.zip",
        key: str | None = None, webhook: str | None = None,
    ) -> requests.Response:  # fmt: skip
        form = {"exercise": exercise} | ({"webhook_url": webhook} if webhook else {})
        headers = {"Idempotency-Key": key} if key else {}
        return self.call("POST", "/v1/submissions", tenant, data=form, files={"file": (name, data)}, headers=headers)

    def wait(self, job_id: str, tenant: str = "acme", timeout_s: float = 300) -> dict[str, Any]:
        """The job once it ended (graded, refused or failed by the kit)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job: dict[str, Any] = self.call("GET", f"/v1/submissions/{job_id}", tenant).json()
            if job["status"] not in ("queued", "running"):
                return job
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not end in {timeout_s} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def until_ready(url: str, process: subprocess.Popen[str], timeout_s: float = 60) -> None:
    """Wait for `opsdrill serve` (`process`) at `url` to answer /ready."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else "opsdrill serve stopped"
        try:
            if requests.get(f"{url}/ready", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"opsdrill serve did not become ready in {timeout_s} s")


def serve_in_thread(app: Any) -> tuple[uvicorn.Server, threading.Thread, int]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, int(port)


@contextmanager
def live_service(
    data: Path, *, jobs: int = 2, max_queued_jobs: int = 100, allow_private_webhooks: bool = True
) -> Iterator[LiveService]:
    """The service on the local backend, with short retry and webhook pauses, and two tenants;
    webhooks may go to loopback (where the tests' receivers are) unless told otherwise."""
    store = open_store(data)
    service = LiveService(url="", store=store)
    for name in TENANTS:
        found = [t for t in store.tenants() if t.name == name]
        tenant = found[0] if found else store.create_tenant(name, 2**20, max_queued_jobs)
        service.keys[name] = store.add_key(tenant.id).token
    app = create_app(
        store, LocalWorkers(store, "local", jobs, retry_delays_s=(0.1,)),
        deliverer=Deliverer(store, poll_s=0.1, backoff_s=(0.3, 0.3, 0.3), allow_private=allow_private_webhooks),
        allow_private_webhooks=allow_private_webhooks,
    )  # fmt: skip
    server, thread, port = serve_in_thread(app)
    service.url = f"http://127.0.0.1:{port}"
    try:
        yield service
    finally:
        server.should_exit = True
        thread.join(timeout=120)
        store.close()
