"""harness.testing's FakeSandbox and FakeService behave like the real ones where a helper can tell."""

from __future__ import annotations

import time

import pytest

from harness.errors import SandboxError
from harness.sandbox.service import HttpRequest, HttpResponse, SinkMessage
from harness.testing import FakeSandbox, FakeService, completed


def test_files_live_in_memory_under_the_same_rules() -> None:
    box = FakeSandbox({"data/train.csv": b"a,b\n1,2\n"}, root="/work/box")
    assert box.read_file("./data/train.csv", 100) == b"a,b\n1,2\n"
    assert box.exists("data") and box.exists("data/train.csv") and not box.exists("model")
    with pytest.raises(SandboxError, match="is not a file"):
        box.read_file("data/missing.csv", 100)
    with pytest.raises(SandboxError, match="larger than 4 bytes"):
        box.read_file("data/train.csv", 4)
    with pytest.raises(SandboxError, match="leaves the sandbox"):
        box.write_file("../outside", b"x")
    box.write_file("model/m.joblib", b"\x80")
    assert box.files["model/m.joblib"] == b"\x80" and box.path("model/m.joblib") == "/work/box/model/m.joblib"
    assert not box.exists("/etc/passwd")


def test_exec_answers_from_a_mapping_or_a_callable_and_records_commands() -> None:
    box = FakeSandbox(script={("python", "train.py"): completed(["python", "train.py"], 0, stdout="done\n")})
    assert box.exec(["python", "train.py"], env={"SEED": "1"}).stdout == "done\n"
    unknown = box.exec(["make", "gate"], cwd="sub")
    assert (unknown.exit_code, unknown.stderr) == (127, "make: command not found\n")
    assert box.argvs == [("python", "train.py"), ("make", "gate")]
    assert (box.commands[0].env, box.commands[1].cwd) == ({"SEED": "1"}, "sub")
    echo = FakeSandbox(script=lambda argv: completed(argv, 0, stdout=" ".join(argv[1:])))
    assert echo.exec(["echo", "hi", "there"]).stdout == "hi there"
    echo.close()
    with pytest.raises(SandboxError):
        echo.exec(["echo"])


def test_services_answer_from_their_handler_until_stopped() -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        return HttpResponse(200 if request.path == "/ready" else 404, b"ok")

    with FakeSandbox(handler=handler) as box:
        service = box.start_service(["python", "serve.py"], port=8123, env={"MODEL_PATH": "m"})
        assert service.wait_until_ready("/ready", timeout_s=1.0)
        answers = service.send([HttpRequest("GET", "/ready", repeat=3), HttpRequest("GET", "/nope")])
        assert [a.status for a in answers] == [200, 200, 200, 404] and all(a.sent_at > 0 for a in answers)
        assert (service.port, service.env, len(service.requests)) == (8123, {"MODEL_PATH": "m"}, 5)
    assert not service.running()
    assert service.request("GET", "/ready").status == 0
    assert service.stop().argv == ("python", "serve.py")


def test_a_service_reports_its_sink_and_health() -> None:
    service = FakeService(health="healthy", logs="INFO started\n")
    service.sink.append(SinkMessage(1.0, "POST", "/alerts", {}, b'{"feature": "income"}'))
    assert service.messages()[0].json() == {"feature": "income"}
    assert service.health_status() == "healthy"
    assert service.request().status == 404
    assert service.stop().stdout == "INFO started\n"


def _slow(statuses: list[int]) -> FakeService:
    """A service whose answers take 50 ms each: `statuses` in turn, then 200."""

    def handler(request: HttpRequest) -> HttpResponse:
        time.sleep(0.05)
        return HttpResponse(statuses.pop(0) if statuses else 200)

    return FakeService(handler)


def test_a_loading_service_gets_the_loading_time_a_failing_one_does_not() -> None:
    loading = _slow([503] * 4)
    assert loading.poll(HttpRequest("POST", "/predict"), 0.05, loading_s=30).status == 200
    failing = _slow([500] * 1000)
    assert failing.poll(HttpRequest("POST", "/predict"), 0.05, loading_s=30).status == 500
    assert len(failing.requests) < 100, "a 500 was given the loading time"
