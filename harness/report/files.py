"""Write the requested report formats into an output folder."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from harness.fsutil import write_atomic
from harness.report import jsonfile, markdown
from harness.report.model import Scorecard


class ReportFormat(StrEnum):
    JSON = "json"
    MD = "md"


FILE_NAMES = {ReportFormat.JSON: "scorecard.json", ReportFormat.MD: "scorecard.md"}


def write_reports(card: Scorecard, out_dir: Path, formats: list[ReportFormat]) -> list[Path]:
    written = []
    for fmt in formats:
        path = out_dir / FILE_NAMES[fmt]
        if fmt is ReportFormat.JSON:
            jsonfile.write(card, path)
        else:
            write_atomic(path, markdown.render(card))
        written.append(path)
    return written
