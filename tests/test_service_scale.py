"""The scale-out deployment, really run: `opsdrill serve` on a real PostgreSQL store and a real
Redis broker, two `opsdrill worker` processes (Celery), 40 submissions sent at once over HTTP on
loopback, one worker killed with SIGKILL while it grades. Every submission ends with exactly one
result, the one the CLI gives the same submission; no job is lost or graded twice."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import REPO, CliRunner
from prometheus_client.parser import text_string_to_metric_families
from service_support import free_port, until_ready, zipped

from harness import batch
from harness.content import CONTENT_ENV
from harness.exercise import Exercise
from harness.model.jobs import FINAL_STATUSES, JobStatus
from harness.service import open_store
from harness.variants import materialized

pytestmark = pytest.mark.slow
SUBMISSIONS = 40
#: A job sent to the broker but started by no worker (its message taken by the killed worker before
#: it began) is sent again after this long; the test must not wait the default ten minutes.
RESEND_AFTER_S = 20
DEADLINE_S = 600
#: Gradings the first worker ends before it is killed in the middle of more.
KILL_AFTER = 3


def _submissions(toy: Exercise, folder: Path) -> dict[str, Path]:
    """SUBMISSIONS folders, the solution, the starter and the variant in turn, each with a note of
    its own so that no two have the same content (none takes another's result)."""
    kinds = {"solution": toy.paths.solution, "starter": toy.paths.starter}
    made: dict[str, Path] = {}
    with materialized(toy, toy.variants()[0]) as variant:
        kinds[toy.variants()[0].name] = variant
        for n in range(SUBMISSIONS):
            kind = list(kinds)[n % len(kinds)]
            made[f"c{n:02d}-{kind}"] = target = folder / f"c{n:02d}-{kind}"
            shutil.copytree(kinds[kind], target)
            (target / "NOTES.md").write_text(f"Candidate {n}: my notes.\n")
    return made


def _opsdrill(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    with log.open("w") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "harness", *args], env=env, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip


def _logged(log: Path) -> list[dict[str, Any]]:
    lines = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):  # a line the kill cut short
                lines.append(json.loads(line))
    return lines


def _progress(log: Path) -> tuple[set[str], set[str]]:
    """(jobs ended, jobs started and not ended) by the worker writing `log`."""
    lines = _logged(log)
    started = {line["job_id"] for line in lines if line["message"] == "grading started"}
    ended = {line["job_id"] for line in lines if line["message"] == "grading ended"}
    return ended, started - ended


def test_forty_submissions_on_two_celery_workers_one_killed_midway(
    toy_root: Path, toy: Exercise, tmp_path: Path, cli: CliRunner, redis_server: str, postgres_url: str
) -> None:
    env = os.environ | {CONTENT_ENV: str(toy_root)}
    submissions = _submissions(toy, tmp_path / "submissions")
    store = open_store(tmp_path, postgres_url)
    tenant = store.create_tenant("acme", 2**20, SUBMISSIONS)
    auth = {"Authorization": f"Bearer {store.add_key(tenant.id).token}"}
    url = f"http://127.0.0.1:{free_port()}"
    scale = ["--store", postgres_url, "--broker", redis_server]
    api = _opsdrill("serve", *scale, "--port", url.rsplit(":", 1)[1], "--resend-after", str(RESEND_AFTER_S),
                    env=env, log=tmp_path / "api.log")  # fmt: skip
    logs = [tmp_path / f"worker-{n}.log" for n in range(2)]
    workers = [
        _opsdrill("worker", *scale, "--jobs", "2", "--backend", "local", env=env, log=log) for log in logs
    ]  # fmt: skip
    try:
        until_ready(url, api)

        def send(name: str) -> tuple[str, str]:
            files = {"file": (f"{name}.zip", zipped(submissions[name]))}
            headers = auth | {"Idempotency-Key": name}
            answer = requests.post(f"{url}/v1/submissions", data={"exercise": "toy"}, files=files, headers=headers,
                                   timeout=60)  # fmt: skip
            assert answer.status_code == 202, answer.text
            return name, answer.json()["id"]

        with ThreadPoolExecutor(8) as pool:
            jobs = dict(pool.map(send, submissions))

        # SIGKILL the first worker while it grades, once it has graded a few.
        deadline = time.monotonic() + DEADLINE_S
        while len((progress := _progress(logs[0]))[0]) < KILL_AFTER or not progress[1]:
            assert time.monotonic() < deadline and workers[0].poll() is None, logs[0].read_text()[-3000:]
            time.sleep(0.02)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=30)
        killed_mid_job = _progress(logs[0])[1]

        while (unfinished := [j for j in store.jobs(tenant.id) if j.status not in FINAL_STATUSES]) != []:
            assert time.monotonic() < deadline, f"{len(unfinished)} jobs did not end: {unfinished[:3]}"
            assert workers[1].poll() is None, logs[1].read_text()[-3000:]
            time.sleep(0.5)
        stored = {job.id: job for job in store.jobs(tenant.id, limit=1000)}
        cards = {job_id: store.scorecard(tenant.id, job_id) for job_id in stored}
        # The API's metrics count what the workers stored in PostgreSQL.
        metrics = {
            (sample.name, sample.labels.get("state", sample.labels.get("le", ""))): sample.value
            for family in text_string_to_metric_families(requests.get(f"{url}/metrics", timeout=30).text)
            for sample in family.samples
        }
        assert metrics[("opsdrill_jobs", "graded")] == SUBMISSIONS and metrics[("opsdrill_queue_depth", "")] == 0
        assert metrics[("opsdrill_grading_duration_seconds_count", "")] == SUBMISSIONS
    finally:
        for process in (api, *workers):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (api, *workers):
            process.wait(timeout=120)
        store.close()

    # Exactly one job per submission, each graded, none twice.
    assert sorted(stored) == sorted(jobs.values())
    assert all(job.status is JobStatus.GRADED for job in stored.values())
    ended = Counter(line["job_id"] for log in logs for line in _logged(log) if line["message"] == "grading ended")
    assert set(ended) == set(stored) and set(ended.values()) == {1}, ended.most_common(3)
    assert len(_progress(logs[0])[0]) >= KILL_AFTER and len(_progress(logs[1])[0]) >= KILL_AFTER, "both worked"
    # The jobs killed with their worker were handed over and graded again; no other was started twice.
    assert {job_id for job_id, job in stored.items() if job.attempts > 1} == killed_mid_job
    assert all(stored[job_id].attempts == 2 for job_id in killed_mid_job)

    # Each result is the one the CLI gives the same submission.
    out = tmp_path / "cli"
    graded = cli("batch", "toy", str(tmp_path / "submissions"), "--out", str(out), "--backend", "local",
                 "--jobs", "2", env={CONTENT_ENV: str(toy_root)})  # fmt: skip
    assert graded.returncode == 0, graded.stdout + graded.stderr
    results = batch.open_store(out, create=False)
    try:
        expected = {result.entry.candidate_id: result.scorecard for result in results.entries()}
    finally:
        results.close()
    for name, job_id in jobs.items():
        card, cli_card = cards[job_id], expected[name]
        assert card is not None and cli_card is not None
        assert card.total == cli_card.total, name
        assert [(c.id, c.status) for c in card.checks] == [(c.id, c.status) for c in cli_card.checks], name
    assert {card.total.percent for card in cards.values() if card} == {c.total.percent for c in expected.values() if c}
