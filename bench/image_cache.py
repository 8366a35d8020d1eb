"""Benchmark: cold and warm docker grading of one submission, and what the image cache saves.

Usage: python bench/image_cache.py [--exercise unreproducible-run]

Removes every cached exercise image (never the base image), grades the reference solution twice
on the docker backend and reports both wall times, the build share of each, and warm over cold.
"""

from __future__ import annotations

import argparse
import contextlib
import json

import docker.errors
from grading import RESULTS

from harness import engine
from harness import exercise as exercise_mod
from harness.grade import grade


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", default="unreproducible-run")
    args = parser.parse_args()
    exercise = exercise_mod.load(args.exercise)
    # Cold means nothing of the kit's cached: every exercise image goes (they share layers), the base stays.
    client = engine.client()
    for image in client.images.list(filters={"label": f"{engine.KIT_LABEL}=1"}):
        with contextlib.suppress(docker.errors.ImageNotFound, docker.errors.APIError):
            client.images.remove(image.id, force=True)
    client.images.prune(filters={"dangling": True})
    runs = {}
    for name in ("cold", "warm"):
        card = grade(exercise, exercise.paths.solution, "docker")
        runs[name] = {"wall_s": card.duration_s, "build_s": card.timings.build_s,
                      "candidate_commands_s": card.timings.sandbox_s, "percent": card.total.percent}  # fmt: skip
    report = {
        "exercise": args.exercise,
        **runs,
        "warm_over_cold": round(runs["warm"]["wall_s"] / runs["cold"]["wall_s"], 3),
        "cache_saves_s": round(runs["cold"]["build_s"] - runs["warm"]["build_s"], 3),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"image-cache-{args.exercise}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
