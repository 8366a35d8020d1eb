"""Write the requested report formats into an output folder."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from harness.fsutil import write_atomic
from harness.model.scorecard import Scorecard
from harness.report import html, jsonfile, markdown


class ReportFormat(StrEnum):
    JSON = "json"
    MD = "md"
    HTML = "html"


FILE_NAMES = {ReportFormat.JSON: "scorecard.json", ReportFormat.MD: "scorecard.md", ReportFormat.HTML: "scorecard.html"}


def write_reports(card: Scorecard, out_dir: Path, formats: list[ReportFormat]) -> list[Path]:
    written = []
    for fmt in formats:
        path = out_dir / FILE_NAMES[fmt]
        if fmt is ReportFormat.JSON:
            jsonfile.write(card, path)
        else:
            write_atomic(path, (markdown.render if fmt is ReportFormat.MD else html.render)(card))
        written.append(path)
    return written
