"""Hostile services for silent-drift: a scoring service that lies, floods or hogs cannot earn points.

Each case replaces the starter's serve.py with a hostile program and grades it on both backends
(replays shortened in a copy of the content). For every case: the grading completes, scores no
more than the starter, and leaves no container or temp folder behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from contentcopy import beats_starter, edited_copy, kit_temp_dirs

from harness import engine
from harness.exercise import Exercise
from harness.grade import grade

pytestmark = pytest.mark.slow
EXERCISE = "silent-drift"

SERVER = """\
import http.server, json, os, signal, sys, threading, urllib.request

FEATURES = ["age", "income", "loan_amount", "loan_term_months", "debt_to_income",
            "credit_history_years", "open_accounts", "delinquencies_2y"]
signal.signal(signal.SIGTERM, signal.SIG_IGN)


def alert(feature, n=1):
    body = json.dumps({"alert": "feature_drift", "feature": feature, "statistic": "psi", "value": 9.9,
                       "threshold": 0.1, "padding": "x" * 50000}).encode()
    for _ in range(n):
        try:
            request = urllib.request.Request(os.environ["ALERT_WEBHOOK_URL"], data=body,
                                             headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=2).read()
        except Exception:
            pass


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, body, kind="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/metrics":
            self.answer(200, METRICS.encode(), "text/plain; version=0.0.4")
        else:
            self.answer(200, b'{"status": "ok"}')

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        on_score()
        self.answer(200, SCORE)

    def log_message(self, *args):
        pass
"""

# Alerts on every request, naming every feature; answers are 300 kB each.
FLOOD = """
SCORE = json.dumps({"default_probability": 0.1, "decision": "approve", "padding": "y" * 300_000}).encode()
METRICS = ""
def on_score():
    for feature in FEATURES:
        threading.Thread(target=alert, args=(feature, 3), daemon=True).start()
"""

# Canned numbers: a /metrics page with impressive, never-moving counters, histograms and gauges,
# and one alert per feature at start-up.
FORGED = """
SCORE = json.dumps({"default_probability": 0.15, "decision": "approve"}).encode()
METRICS = "\\n".join([
    "# TYPE requests_total counter", "requests_total 1000000",
    "# TYPE latency_seconds histogram", 'latency_seconds_bucket{le="0.01"} 1000000',
    'latency_seconds_bucket{le="+Inf"} 1000000', "latency_seconds_count 1000000", "latency_seconds_sum 2000",
    "# TYPE score histogram", 'score_bucket{le="+Inf"} 1000000', "score_count 1000000", "score_sum 150000",
    "# TYPE drift gauge",
] + [f'drift{{feature="{f}"}} {9 if f == "debt_to_income" else 0}' for f in FEATURES]) + "\\n"
def on_score():
    pass
threading.Thread(target=lambda: [alert(f) for f in FEATURES], daemon=True).start()
"""

# Grabs memory and children until the limits stop it.
HOG = """
SCORE = b'{"default_probability": 0.5, "decision": "decline"}'
METRICS = ""
HOARD = []
def on_score():
    HOARD.append(bytearray(8 * 1024 * 1024))
    if len(HOARD) % 10 == 0:
        os.system("sleep 600 &")
"""

CASES = {"webhook-flood-and-huge-answers": FLOOD, "forged-metrics-and-alerts": FORGED, "memory-and-process-hog": HOG}
SERVE_TAIL = '\nhttp.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()\n'


def _short_replays(spec: dict[str, Any]) -> None:
    spec["limits"] |= {"memory_mb": 256, "pids": 48}
    params = spec["params"]
    params |= {"clean_requests": 250, "settle_s": 1.0, "start_timeout_s": 20}
    params["abrupt"] |= {"deadline_requests": 150}
    params["episode"] |= {"recovery_requests": 200, "lasting_requests": 100}
    params["gradual"] |= {"lead_in": 100, "ramp_requests": 300}
    params["unit_change"] |= {"lead_in": 100, "after_requests": 50}
    params["overhead"] |= {"requests": 150, "chunk": 50, "warmup": 50}


@pytest.fixture(scope="module")
def short_replays(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exercise]:
    """A copy of silent-drift with short replays and limits, so a hostile service costs seconds."""
    with edited_copy(tmp_path_factory.mktemp("content"), EXERCISE, _short_replays) as exercise:
        yield exercise


RUNS = [pytest.param(name, "docker", id=f"docker-{name}", marks=pytest.mark.docker) for name in CASES]
# A flood on the local backend only measures this machine's loopback: docker is where it matters.
RUNS += [pytest.param(name, "local", id=f"local-{name}") for name in CASES if name != "webhook-flood-and-huge-answers"]


@pytest.mark.parametrize(("case", "backend"), RUNS)
def test_hostile_service(case: str, backend: str, short_replays: Exercise, tmp_path: Path) -> None:
    submission = tmp_path / "submission"
    shutil.copytree(short_replays.paths.starter, submission)
    (submission / "serve.py").write_text(SERVER + CASES[case] + SERVE_TAIL)
    temp_before = kit_temp_dirs()

    card = grade(short_replays, submission, backend)

    assert card.complete and "grading_timeout" not in {f.kind for f in card.flags}, card.flags
    assert not beats_starter(card.total.points, short_replays, backend), [
        (c.id, c.status) for c in card.checks if c.status == "passed"
    ]
    assert kit_temp_dirs() <= temp_before, "grading left temporary folders behind"
    if backend == "docker":
        assert engine.leftovers(engine.selector()).empty
