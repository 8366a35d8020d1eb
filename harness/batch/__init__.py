"""`opsdrill batch`: many submissions of one exercise, graded in parallel into a durable store.

The results folder holds the store (`results.sqlite`) and the exports written from it after every
run (`summary.csv`, `scorecards.jsonl`, `junit.xml`, `gradescope/<candidate id>/results.json`,
`summary.html`, `similarity.json`); `opsdrill export-results` writes them again at any time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from harness.batch import similarity
from harness.batch.inputs import read_inputs
from harness.batch.runner import BatchRun, BatchRunner, Listener
from harness.errors import BadInputError
from harness.exercise import Exercise
from harness.fsutil import write_atomic
from harness.model.results import Status
from harness.report import batch_html, gradescope, junit
from harness.report.batch import scorecards_jsonl, summary_csv
from harness.store import ResultStore, SqliteStore
from harness.variants import materialized

STORE_FILE = "results.sqlite"

__all__ = [
    "BatchRun", "BatchRunner", "ExportFormat", "Listener",
    "export_results", "open_store", "read_inputs",
]  # fmt: skip


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    JUNIT = "junit"
    #: One Gradescope `results.json` per graded submission: gradescope/<candidate id>/results.json.
    GRADESCOPE = "gradescope"
    HTML = "html"
    #: Near-duplicate submissions, and submissions close to the reference solution or a variant.
    SIMILARITY = "similarity"


EXPORT_FILES = {
    ExportFormat.CSV: "summary.csv", ExportFormat.JSONL: "scorecards.jsonl", ExportFormat.JUNIT: "junit.xml",
    ExportFormat.GRADESCOPE: "gradescope", ExportFormat.HTML: "summary.html",
    ExportFormat.SIMILARITY: "similarity.json",
}  # fmt: skip


def open_store(results_dir: Path, *, create: bool) -> SqliteStore:
    path = results_dir / STORE_FILE
    if not create and not path.is_file():
        raise BadInputError(f"{results_dir} holds no batch results ({STORE_FILE}); run `opsdrill batch` into it first.")
    return SqliteStore(path)


def _references(exercise: Exercise) -> dict[str, similarity.Fingerprint]:
    """The fingerprints of the exercise's reference solution and of each of its variants."""
    starter = exercise.paths.starter
    found = {"solution": similarity.fingerprint(exercise.paths.solution, starter)}
    for variant in exercise.variants():
        with materialized(exercise, variant) as folder:
            found[f"variant {variant.name}"] = similarity.fingerprint(folder, starter)
    return found


def _similarity(store: ResultStore, exercise: Exercise) -> str:
    prints = {candidate: json.loads(data) for candidate, data in store.fingerprints().items()}
    return similarity.report(prints, _references(exercise))


def export_results(store: ResultStore, exercise: Exercise, out_dir: Path, formats: list[ExportFormat]) -> list[Path]:
    """Write each format's file (or folder) into `out_dir` from what the store holds now."""
    results = store.entries()
    exercise_id = exercise.id
    renderers: dict[ExportFormat, Callable[[], str]] = {
        ExportFormat.CSV: lambda: summary_csv(results),
        ExportFormat.JSONL: lambda: scorecards_jsonl(results),
        ExportFormat.JUNIT: lambda: junit.render(exercise_id, results),
        ExportFormat.HTML: lambda: batch_html.render(exercise_id, results),
        ExportFormat.SIMILARITY: lambda: _similarity(store, exercise),
    }
    written = []
    for fmt in formats:
        path = out_dir / EXPORT_FILES[fmt]
        if fmt is ExportFormat.GRADESCOPE:
            for result in results:
                if result.status is Status.GRADED and result.scorecard is not None:
                    write_atomic(path / result.entry.candidate_id / "results.json", gradescope.render(result.scorecard))
        else:
            write_atomic(path, renderers[fmt]())
        written.append(path)
    return written
