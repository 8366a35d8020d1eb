"""The grading service over HTTP on loopback: grading, tenants, idempotency, bad uploads, webhooks,
operations, and the embedded default started with its one command."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
import requests
from conftest import REPO, CliRunner
from junitparser import JUnitXml
from prometheus_client.parser import text_string_to_metric_families
from service_support import LiveService, free_port, live_service, until_ready, zipped

from harness.content import CONTENT_ENV
from harness.exercise import Exercise
from harness.grade import grade
from harness.model.jobs import JobStatus
from harness.report.jsonfile import schema_errors
from harness.service import keys

GRADESCOPE_SCHEMA = REPO / "tests" / "data" / "formats" / "gradescope-results.schema.json"


@pytest.fixture
def service(toy_root: Path, tmp_path: Path) -> Iterator[LiveService]:
    with live_service(tmp_path / "service") as running:
        yield running


def _sentence(answer: requests.Response) -> str:
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and detail.endswith(".") and "\n" not in detail and "Traceback" not in detail
    return detail


def test_a_submission_is_graded_and_its_scorecard_served_in_every_format(service: LiveService, toy: Exercise) -> None:
    answer = service.submit(zipped(toy.paths.solution))
    assert answer.status_code == 202, answer.text
    job = service.wait(answer.json()["id"])
    assert job["status"] == "graded" and job["percent"] == 100.0
    expected = grade(toy, toy.paths.solution, "local")
    path = f"/v1/submissions/{job['id']}/scorecard"
    card = service.call("GET", path).json()
    assert schema_errors(card) == []
    assert card["total"] == expected.total.model_dump() and card["exercise"]["id"] == "toy"
    assert card["submission"]["source"] == "submission.zip"
    assert "# " in service.call("GET", path, params={"format": "md"}).text
    page = service.call("GET", path, params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html") and "<html" in page.text
    suites = JUnitXml.fromstring(service.call("GET", path, params={"format": "junit"}).text)
    assert sum(suite.tests for suite in suites) == len(card["checks"])
    results = service.call("GET", path, params={"format": "gradescope"}).json()
    jsonschema.validate(results, json.loads(GRADESCOPE_SCHEMA.read_text()))
    assert service.call("GET", path, params={"format": "pdf"}).status_code == 422


def test_every_route_needs_a_live_key_and_shows_only_its_tenants_jobs(service: LiveService, toy: Exercise) -> None:
    job = service.wait(service.submit(zipped(toy.paths.solution), tenant="acme").json()["id"])
    revoked = service.store.add_key(service.store.find_tenant("globex").id)
    service.store.revoke_key(revoked.id)
    routes = [
        (method.upper(), path.replace("{job_id}", job["id"]))
        for path, operations in service.call("GET", "/openapi.json", tenant=None).json()["paths"].items()
        if path.startswith("/v1/")
        for method in operations
    ]
    assert len(routes) == 5
    for method, path in routes:
        for token in ("", "Bearer odk_0123456789abcdef.x", f"Bearer {revoked.token}"):
            header = {"Authorization": token} if token else {}
            answer = service.call(method, path, tenant=None, headers=header)
            assert answer.status_code == 401, (method, path, token)
            assert answer.headers["WWW-Authenticate"] == "Bearer"
            _sentence(answer)
    for path in (f"/v1/submissions/{job['id']}", f"/v1/submissions/{job['id']}/scorecard"):
        other = service.call("GET", path, tenant="globex")
        assert other.status_code == 404 and job["id"] not in other.text
        assert service.call("GET", path, tenant="acme").status_code == 200
    assert service.call("GET", "/v1/submissions", tenant="globex").json() == []
    assert [j["id"] for j in service.call("GET", "/v1/submissions", tenant="acme").json()] == [job["id"]]


def test_a_retried_upload_with_its_idempotency_key_is_graded_once(service: LiveService, toy: Exercise) -> None:
    data = zipped(toy.paths.solution)
    first = service.submit(data, key="upload-7")
    again = service.submit(data, key="upload-7")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    job = service.wait(first.json()["id"])
    after = service.submit(data, key="upload-7")
    assert after.status_code == 200 and after.json() == job
    assert job["status"] == "graded" and job["attempts"] == 1
    assert len(service.call("GET", "/v1/submissions").json()) == 1
    conflict = service.submit(zipped(toy.paths.starter), key="upload-7")
    assert conflict.status_code == 409 and "upload-7" in _sentence(conflict)
    elsewhere = service.submit(data, key="upload-7", tenant="globex")
    assert elsewhere.status_code == 202 and elsewhere.json()["id"] != job["id"]


def _zip_slip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as packed:
        packed.writestr("../../escape.txt", "out")
    return buffer.getvalue()


def test_a_bad_upload_gets_one_sentence_and_queues_nothing(service: LiveService, toy: Exercise) -> None:
    good = zipped(toy.paths.solution)
    cases: list[tuple[int, Callable[[], requests.Response]]] = [
        (422, lambda: service.submit(good, exercise="no-such-exercise")),
        (422, lambda: service.submit(good, name="submission.rar")),
        (422, lambda: service.submit(b"not a zip at all", name="broken.zip")),
        (422, lambda: service.submit(_zip_slip())),
        (413, lambda: service.submit(os.urandom(2**20 + 10), name="big.tar.gz")),
        (422, lambda: service.submit(good, key="has spaces")),
        (422, lambda: service.submit(good, webhook="file:///etc/passwd")),
        (422, lambda: service.call("POST", "/v1/submissions", data={"exercise": "toy"})),
    ]
    for code, send in cases:
        answer = send()
        assert answer.status_code == code, answer.text
        _sentence(answer)
    assert service.call("GET", "/v1/submissions").json() == []


def test_an_unknown_route_or_method_gets_one_sentence(service: LiveService) -> None:
    missing = service.call("GET", "/v1/nowhere")
    assert missing.status_code == 404 and "/docs" in _sentence(missing)
    wrong = service.call("DELETE", "/v1/submissions")
    assert wrong.status_code == 405 and "method" in _sentence(wrong)


def test_a_tenant_at_its_limit_of_queued_jobs_is_told_to_wait(toy_root: Path, toy: Exercise, tmp_path: Path) -> None:
    with live_service(tmp_path / "service", max_queued_jobs=1) as service:
        first = service.submit(zipped(toy.paths.solution))
        second = service.submit(zipped(toy.paths.starter))
        assert (first.status_code, second.status_code) == (202, 429)
        assert "limit" in _sentence(second)
        service.wait(first.json()["id"])
        assert service.submit(zipped(toy.paths.starter)).status_code == 202


class _Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that fails its first call (500) and takes every later one."""

    calls: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append((dict(self.headers), body))
        self.send_response(500 if len(type(self).calls) == 1 else 204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_webhook_is_signed_retried_and_delivered(service: LiveService, toy: Exercise) -> None:
    _Receiver.calls = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        job = service.wait(service.submit(zipped(toy.paths.solution), webhook=url).json()["id"])
        deadline = time.monotonic() + 60
        while len(_Receiver.calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        receiver.shutdown()
        receiver.server_close()
    assert len(_Receiver.calls) == 2
    (first, _), (headers, body) = _Receiver.calls
    assert first["X-Opsdrill-Delivery"] == headers["X-Opsdrill-Delivery"]
    secret = service.store.webhook_secret(service.store.find_tenant("acme").id)
    stamp, signature = headers["X-Opsdrill-Timestamp"], headers["X-Opsdrill-Signature"]
    assert signature == keys.sign(secret, stamp, body) != keys.sign("another tenant's secret", stamp, body)
    note = json.loads(body)
    assert note["job_id"] == job["id"] and note["status"] == "graded" and note["percent"] == 100.0
    assert service.store.due_deliveries() == []


def test_webhooks_to_the_services_own_network_are_refused_unless_allowed(
    toy_root: Path, toy: Exercise, tmp_path: Path
) -> None:
    _Receiver.calls = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    port = receiver.server_address[1]
    try:
        with live_service(tmp_path / "service", allow_private_webhooks=False) as service:
            for address in ("127.0.0.1", "10.0.0.8", "169.254.169.254", "[::1]"):
                refused = service.submit(zipped(toy.paths.solution), webhook=f"http://{address}:{port}/hook")
                assert refused.status_code == 422 and "public address" in _sentence(refused), address
            # A name is resolved when the webhook is sent: localhost is loopback, so nothing is sent.
            job = service.wait(
                service.submit(zipped(toy.paths.solution), webhook=f"http://localhost:{port}/h").json()["id"]
            )
            assert job["status"] == "graded"
            deadline = time.monotonic() + 30
            while service.store.due_deliveries() and time.monotonic() < deadline:
                time.sleep(0.1)
            with service.store.db.transaction() as cur:
                state, last_error = cur.execute("SELECT state, last_error FROM deliveries")[0]
    finally:
        receiver.shutdown()
        receiver.server_close()
    assert _Receiver.calls == [] and state == "abandoned" and "not a public address" in last_error


def test_health_readiness_and_metrics(service: LiveService, toy: Exercise) -> None:
    assert service.call("GET", "/health", tenant=None).json() == {"status": "ok"}
    assert service.call("GET", "/ready", tenant=None).status_code == 200
    service.wait(service.submit(zipped(toy.paths.solution)).json()["id"])
    text = service.call("GET", "/metrics", tenant=None).text
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("opsdrill_jobs", (("state", "graded"),))] == 1
    assert samples[("opsdrill_queue_depth", ())] == 0
    assert samples[("opsdrill_grading_duration_seconds_count", ())] == 1
    assert samples[("opsdrill_infrastructure_errors_total", ())] == 0


def _serve(data: Path, port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness", "serve", "--data", str(data), "--port", str(port), "--backend", "local",
         "--jobs", "1"],
        env=os.environ | env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def test_the_embedded_default_grades_with_one_command_and_resumes_after_a_kill(
    toy_root: Path, toy: Exercise, tmp_path: Path, cli: CliRunner
) -> None:
    env = {CONTENT_ENV: str(toy_root)}
    data = tmp_path / "service"
    made = cli("tenant", "create", "acme", "--data", str(data), env=env)
    assert made.returncode == 0, made.stderr
    token = re.search(r"odk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}", made.stdout)
    assert token is not None
    auth = {"Authorization": f"Bearer {token.group(0)}"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = _serve(data, port, env)
    try:
        until_ready(url, server)
        files = {"file": ("ana.zip", zipped(toy.paths.solution))}
        posted = requests.post(f"{url}/v1/submissions", data={"exercise": "toy"}, files=files, headers=auth, timeout=30)
        assert posted.status_code == 202, posted.text
        job_id = posted.json()["id"]
        # Killed while the job is queued or grading: nothing is lost, the restart grades it.
        server.send_signal(signal.SIGKILL)
        server.communicate(timeout=30)
        server = _serve(data, port, env)
        until_ready(url, server)
        deadline = time.monotonic() + 300
        while (job := requests.get(f"{url}/v1/submissions/{job_id}", headers=auth, timeout=30).json())["status"] in (
            JobStatus.QUEUED,
            JobStatus.RUNNING,
        ):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        card = requests.get(f"{url}/v1/submissions/{job_id}/scorecard", headers=auth, timeout=30).json()
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    graded = cli("grade", "toy", str(toy.paths.solution), "--backend", "local", "--out", str(tmp_path / "cli"), env=env)
    assert graded.returncode == 0, graded.stderr
    expected = json.loads((tmp_path / "cli" / "scorecard.json").read_text())
    assert job["status"] == "graded" and card["total"] == expected["total"]
    assert [c["status"] for c in card["checks"]] == [c["status"] for c in expected["checks"]]
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(line.get("job_id") == job_id and line["message"] == "grading ended" for line in logged)
    assert cli("tenant", "create", "acme", "--data", str(data), env=env).returncode == 3
