"""Benchmark: the grading service's throughput, embedded (`opsdrill serve --jobs 2`) and scaled out
(two `opsdrill worker --jobs 1` on a Redis broker and a PostgreSQL store), and the latency the API
and the queue add to a grading. Ratios within one run.

Usage: python bench/service.py [--exercise unreproducible-run] [--submissions 8] [--backend local]
                               [--broker redis://...] [--store postgresql://...]

Without --broker and --store only the embedded service is measured. Every submission is the
solution, the starter or a variant with a note of its own, so that no result is reused. Latency
added is, for submissions sent one at a time to an idle service, the time from sending to seeing
the result over HTTP less the grading's own duration (as the worker measured it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from harness import exercise as exercise_mod
from harness.exercise import Exercise
from harness.grade import grade
from harness.service import open_store
from harness.variants import materialized

RESULTS = Path(__file__).with_name("results")
POLL_S = 0.02
LATENCY_SAMPLES = 3


def _submissions(exercise: Exercise, count: int, folder: Path) -> list[Path]:
    kinds = [exercise.paths.solution, exercise.paths.starter]
    made = []
    with materialized(exercise, exercise.variants()[0]) as variant:
        kinds.append(variant)
        for n in range(count):
            target = folder / f"s{n:02d}"
            shutil.copytree(kinds[n % len(kinds)], target)
            (target / "NOTES.md").write_text(f"Submission {n}.\n")
            made.append(target)
    return made


def _zipped(folder: Path) -> bytes:
    archive = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as packed:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                packed.write(path, path.relative_to(folder).as_posix())
    return archive.read_bytes()


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _service(
    args: list[str], workers: list[list[str]], scratch: Path, store_url: str | None
) -> Iterator[tuple[str, str]]:
    """A running service (and its workers): (its URL, an API key)."""
    store = open_store(scratch, store_url)
    tenant = store.create_tenant(f"bench-{time.monotonic_ns()}", 2**30, 10_000)
    token = store.add_key(tenant.id).token
    store.close()
    port = _port()
    command = [sys.executable, "-m", "harness"]
    logs = (scratch / "logs").open("a")
    processes = [subprocess.Popen([*command, "serve", "--port", str(port), *args], stdout=logs, stderr=logs)]
    processes += [subprocess.Popen([*command, "worker", *worker], stdout=logs, stderr=logs) for worker in workers]
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/ready", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit(f"the service did not become ready; see {scratch / 'logs'}")
        yield url, token
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=600)
        logs.close()


def _send(url: str, token: str, exercise_id: str, data: bytes) -> tuple[str, float]:
    sent = time.monotonic()
    answer = requests.post(
        f"{url}/v1/submissions", data={"exercise": exercise_id}, files={"file": ("s.zip", data)},
        headers={"Authorization": f"Bearer {token}"}, timeout=120,
    )  # fmt: skip
    answer.raise_for_status()
    return answer.json()["id"], sent


def _ended(url: str, token: str, job_id: str) -> tuple[dict[str, Any], float]:
    while True:
        job: dict[str, Any] = requests.get(
            f"{url}/v1/submissions/{job_id}", headers={"Authorization": f"Bearer {token}"}, timeout=30
        ).json()
        if job["status"] not in ("queued", "running"):
            return job, time.monotonic()
        time.sleep(POLL_S)


def _measure(url: str, token: str, exercise_id: str, archives: list[bytes], latency: list[bytes]) -> dict[str, float]:
    added = []
    for data in latency:
        job_id, sent = _send(url, token, exercise_id, data)
        job, seen = _ended(url, token, job_id)
        added.append(seen - sent - job["duration_s"])
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        ids = [job_id for job_id, _ in pool.map(lambda data: _send(url, token, exercise_id, data), archives)]
    jobs = [_ended(url, token, job_id)[0] for job_id in ids]
    wall = time.monotonic() - started
    assert all(job["status"] == "graded" for job in jobs), [job["status"] for job in jobs]
    return {
        "submissions": len(jobs),
        "wall_s": round(wall, 2),
        "per_minute": round(60 * len(jobs) / wall, 2),
        "latency_added_s_median": round(statistics.median(added), 3),
        "latency_added_s_max": round(max(added), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", default="unreproducible-run")
    parser.add_argument("--backend", default="local")
    parser.add_argument("--submissions", type=int, default=8)
    parser.add_argument("--broker")
    parser.add_argument("--store")
    options = parser.parse_args()
    exercise = exercise_mod.load(options.exercise)
    report: dict[str, Any] = {"exercise": exercise.id, "backend": options.backend, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="opsdrill-bench-") as holder:
        scratch = Path(holder)
        folders = _submissions(exercise, options.submissions + 2 * LATENCY_SAMPLES, scratch / "in")
        archives = [_zipped(folder) for folder in folders]
        throughput, latency = archives[: options.submissions], archives[options.submissions :]
        started = time.monotonic()
        for folder in folders[: options.submissions]:
            grade(exercise, folder, options.backend)
        cli_wall = time.monotonic() - started
        report["cli_one_at_a_time"] = {
            "wall_s": round(cli_wall, 2),
            "per_minute": round(60 * len(throughput) / cli_wall, 2),
        }
        embedded = ["--data", str(scratch / "embedded"), "--jobs", "2", "--backend", options.backend]
        with _service(embedded, [], scratch / "embedded", None) as (url, token):
            report["embedded_2_jobs"] = _measure(url, token, exercise.id, throughput, latency[:LATENCY_SAMPLES])
        if options.broker and options.store:
            scale = ["--broker", options.broker, "--store", options.store]
            worker = [*scale, "--jobs", "1", "--backend", options.backend]
            with _service(scale, [worker, worker], scratch, options.store) as (url, token):
                report["celery_2_workers"] = _measure(url, token, exercise.id, throughput, latency[LATENCY_SAMPLES:])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "service.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
