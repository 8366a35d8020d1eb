"""What a batch grades: its inputs read as entries, one per submission, each with a candidate id.

- one folder: every folder, .zip and .tar.gz/.tgz in it is a submission, named by its file name
  without the extension (hidden files are skipped);
- a .csv manifest with the columns `candidate_id` and `path` (relative to the manifest's folder);
- several paths: each is one submission, named as in a folder.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from harness.errors import BadInputError
from harness.model.results import Entry

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".zip")
MANIFEST_COLUMNS = ("candidate_id", "path")
#: Candidate ids name files and appear in reports: printable, no path separator, not '.' or '..'.
CANDIDATE_ID = re.compile(r"^(?!\.{1,2}$)[^\x00-\x1f/\\]{1,200}$")


def read_inputs(inputs: list[Path]) -> list[Entry]:
    if not inputs:
        raise BadInputError("Name at least one submission, folder of submissions or CSV manifest.")
    for path in inputs:
        if not path.exists():
            raise BadInputError(f"{path} does not exist.")
    if len(inputs) == 1 and inputs[0].is_dir():
        entries = _folder(inputs[0])
    elif len(inputs) == 1 and inputs[0].suffix.lower() == ".csv":
        entries = _manifest(inputs[0])
    else:
        entries = [_submission(path) for path in inputs]
    _no_duplicates(entries)
    return entries


def _candidate_id(path: Path) -> str:
    name = path.name
    for suffix in ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _is_submission(path: Path) -> bool:
    return path.is_dir() or path.name.lower().endswith(ARCHIVE_SUFFIXES)


def _submission(path: Path) -> Entry:
    if not _is_submission(path):
        raise BadInputError(f"{path} is neither a folder nor a .zip or .tar.gz archive.")
    candidate = _candidate_id(path)
    if not CANDIDATE_ID.match(candidate):
        raise BadInputError(f"{path}: its name cannot serve as a candidate id; rename it or list it in a CSV manifest.")
    return Entry(candidate_id=candidate, source=str(path.resolve()))


def _folder(folder: Path) -> list[Entry]:
    found = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and _is_submission(p))
    if not found:
        raise BadInputError(f"{folder} holds no submission (folders, .zip or .tar.gz archives).")
    return [_submission(path) for path in found]


def _manifest(manifest: Path) -> list[Entry]:
    try:
        with manifest.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BadInputError(f"{manifest} cannot be read as a CSV manifest ({exc}).") from exc
    if not rows or any(column not in rows[0] for column in MANIFEST_COLUMNS):
        columns = ", ".join(MANIFEST_COLUMNS)
        raise BadInputError(f"{manifest} needs a header with the columns {columns} and one row per submission.")
    entries = []
    for line, row in enumerate(rows, start=2):
        candidate, where = ((row.get(column) or "").strip() for column in MANIFEST_COLUMNS)
        if not CANDIDATE_ID.match(candidate) or not where:
            raise BadInputError(
                f"{manifest}, line {line}: needs a candidate id (no '/' or control characters) and a path."
            )
        path = (manifest.parent / where).resolve()
        if not path.exists() or not _is_submission(path):
            raise BadInputError(f"{manifest}, line {line}: {where} is not a folder, .zip or .tar.gz archive.")
        entries.append(Entry(candidate_id=candidate, source=str(path)))
    return entries


def _no_duplicates(entries: list[Entry]) -> None:
    seen: set[str] = set()
    for entry in entries:
        if entry.candidate_id in seen:
            raise BadInputError(f"The candidate id '{entry.candidate_id}' names two submissions; give each its own.")
        seen.add(entry.candidate_id)
