"""A batch's results in the files platforms read: a summary CSV and the scorecards as JSON lines."""

from __future__ import annotations

import csv
import io
import json

from harness.model.criteria import Criterion
from harness.model.results import EntryResult, Status

SUMMARY_COLUMNS = [
    "candidate_id", "status", "percent", "points", "max_points",
    *(c.value for c in Criterion), "maturity_level", "flags", "complete", "reason", "submission_sha256", "source",
]  # fmt: skip
#: A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell no spreadsheet evaluates: text that would start a formula is quoted with `'`."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _row(result: EntryResult) -> dict[str, object]:
    row: dict[str, object] = {
        "candidate_id": result.entry.candidate_id,
        "status": result.status.value,
        "reason": result.reason,
        "source": result.entry.source,
    }
    card = result.scorecard
    if result.status is Status.GRADED and card is not None:
        row |= {
            "percent": card.total.percent,
            "points": card.total.points,
            "max_points": card.total.max_points,
            "maturity_level": card.maturity_level,
            "flags": ";".join(sorted({flag.kind.value for flag in card.flags})),
            "complete": str(card.complete).lower(),
            "submission_sha256": card.submission.sha256,
        }
        # A criterion the exercise does not assess stays empty, never 0.
        row |= {name: score.percent for name, score in card.criteria.items() if name in SUMMARY_COLUMNS}
    return row


def summary_csv(results: list[EntryResult]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for result in results:
        writer.writerow({column: _cell(value) for column, value in _row(result).items()})
    return buffer.getvalue()


def scorecards_jsonl(results: list[EntryResult]) -> str:
    """One line per graded submission: its candidate id and its scorecard."""
    lines = [
        json.dumps({"candidate_id": r.entry.candidate_id, "scorecard": json.loads(r.scorecard.model_dump_json())})
        for r in results
        if r.status is Status.GRADED and r.scorecard is not None
    ]
    return "".join(f"{line}\n" for line in lines)
