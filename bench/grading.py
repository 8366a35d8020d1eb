"""Benchmark: where grading time goes, and what a second worker buys. Ratios within one run.

Usage: python bench/grading.py [--exercise unreproducible-run] [--backend local]

Reports, per submission, the share of wall time spent in candidate commands (the checks' own
work) versus the harness (unpack, check-process start-up, copying sandboxes, scoring), and the
wall-time ratio of grading a batch with 2 workers over 1 worker.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import exercise as exercise_mod
from harness.exercise import Exercise
from harness.grade import grade
from harness.model.scorecard import Scorecard
from harness.variants import materialized

RESULTS = Path(__file__).with_name("results")


def _split(card: Scorecard) -> dict[str, float]:
    harness_s = card.duration_s - card.timings.sandbox_s
    return {
        "wall_s": card.duration_s,
        "candidate_commands_s": card.timings.sandbox_s,
        "harness_s": round(harness_s, 3),
        "harness_over_checks": round(harness_s / max(card.timings.sandbox_s, 1e-9), 3),
    }


def _batch(exercise: Exercise, backend: str, jobs: int) -> float:
    variants = exercise.variants()[:2]

    def one(index: int) -> None:
        if index == 0:
            grade(exercise, exercise.paths.solution, backend)
        elif index == 1:
            grade(exercise, exercise.paths.starter, backend)
        else:
            with materialized(exercise, variants[index - 2]) as folder:
                grade(exercise, folder, backend)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, range(2 + len(variants))))
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", default="unreproducible-run")
    parser.add_argument("--backend", default="local")
    args = parser.parse_args()
    exercise = exercise_mod.load(args.exercise)
    report: dict[str, object] = {"exercise": args.exercise, "backend": args.backend}
    for name, folder in (("solution", exercise.paths.solution), ("starter", exercise.paths.starter)):
        report[name] = _split(grade(exercise, folder, args.backend))
    one_worker, two_workers = _batch(exercise, args.backend, 1), _batch(exercise, args.backend, 2)
    report["batch_of_4"] = {
        "one_worker_s": round(one_worker, 3),
        "two_workers_s": round(two_workers, 3),
        "two_over_one": round(two_workers / one_worker, 3),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"grading-{args.exercise}-{args.backend}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
