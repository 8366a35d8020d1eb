"""Benchmark: `opsdrill batch` throughput with 1 and 2 jobs over the same submissions, and the
harness's overhead. Ratios within one run.

Usage: python bench/batch.py [--exercise unreproducible-run] [--backend local] [--submissions 6]

Submissions are the solution, the starter and the first variants, each graded by a fresh store (so
nothing is reused). Overhead is the batch's wall time (one job) over the time the checks themselves
spent running candidate commands (`timings.sandbox_s`, summed over the scorecards).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from harness import exercise as exercise_mod
from harness.batch import BatchRunner, open_store, read_inputs
from harness.exercise import Exercise
from harness.variants import materialized

RESULTS = Path(__file__).with_name("results")


def _submissions(exercise: Exercise, count: int, folder: Path) -> None:
    shutil.copytree(exercise.paths.solution, folder / "solution")
    shutil.copytree(exercise.paths.starter, folder / "starter")
    for variant in exercise.variants()[: max(count - 2, 0)]:
        with materialized(exercise, variant) as source:
            shutil.copytree(source, folder / variant.name)


def _run(exercise: Exercise, inputs: Path, backend: str, jobs: int, scratch: Path) -> dict[str, float]:
    store = open_store(scratch / f"jobs-{jobs}", create=True)
    try:
        entries = read_inputs([inputs])
        started = time.monotonic()
        BatchRunner(exercise, store, backend, jobs=jobs).run(entries)
        wall = time.monotonic() - started
        cards = [r.scorecard for r in store.entries() if r.scorecard is not None]
    finally:
        store.close()
    checks_s = sum(card.timings.sandbox_s for card in cards)
    return {
        "submissions": len(cards),
        "wall_s": round(wall, 3),
        "per_minute": round(60 * len(cards) / wall, 3),
        "checks_s": round(checks_s, 3),
        "wall_over_checks": round(wall / checks_s, 3) if checks_s else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", default="unreproducible-run")
    parser.add_argument("--backend", default="local")
    parser.add_argument("--submissions", type=int, default=6)
    args = parser.parse_args()
    exercise = exercise_mod.load(args.exercise)
    with tempfile.TemporaryDirectory(prefix="opsdrill-bench-") as tmp:
        scratch = Path(tmp)
        _submissions(exercise, args.submissions, scratch / "in")
        one = _run(exercise, scratch / "in", args.backend, 1, scratch)
        two = _run(exercise, scratch / "in", args.backend, 2, scratch)
    report = {
        "exercise": args.exercise, "backend": args.backend, "one_job": one, "two_jobs": two,
        "two_over_one_throughput": round(two["per_minute"] / one["per_minute"], 3),
    }  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"batch-{args.exercise}-{args.backend}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
