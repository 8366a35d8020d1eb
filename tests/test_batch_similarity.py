"""Similarity flags: what a submission changed relative to the starter, compared between submissions
and with the exercise's references. A flag for a person, never a score."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from harness.batch import similarity

STARTER = "".join(f"def starter_{n}():\n    return {n}\n" for n in range(40))


def _project(root: Path, name: str, extra: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "app.py").write_text(STARTER + extra)
    return folder


def _changes(tag: str, lines: int = 30) -> str:
    return "".join(f"value_{tag}_{n} = compute({n}, '{tag}')\n" for n in range(lines))


def test_the_starter_counts_for_nothing(tmp_path: Path) -> None:
    starter = _project(tmp_path, "starter", "")
    copy = _project(tmp_path, "copy", "\n# only a comment\n\n")
    assert similarity.fingerprint(copy, starter) == {}


def test_the_same_changes_pair_up_wherever_they_live(tmp_path: Path) -> None:
    starter = _project(tmp_path, "starter", "")
    first = _project(tmp_path, "first", _changes("a"))
    second = _project(tmp_path, "second", "")
    # The same lines, moved to a file of another name and indented differently.
    (second / "helpers.py").write_text(_changes("a").replace("value_", "    value_"))
    other = _project(tmp_path, "other", _changes("b"))
    prints = {name: similarity.fingerprint(folder, starter) for name, folder in
              [("first", first), ("second", second), ("other", other)]}  # fmt: skip
    [pair] = similarity.pairs(prints)
    assert (pair.first, pair.second, pair.overlap) == ("first", "second", 1.0)
    assert pair.shared and all("value_a_" in shared.lines for shared in pair.shared)


def test_small_changes_say_too_little_to_compare(tmp_path: Path) -> None:
    starter = _project(tmp_path, "starter", "")
    tiny = {n: similarity.fingerprint(_project(tmp_path, n, _changes("t", 3)), starter) for n in ("x", "y")}
    assert similarity.pairs(tiny) == []


def test_a_submission_close_to_the_reference_is_flagged(tmp_path: Path) -> None:
    starter = _project(tmp_path, "starter", "")
    reference = _project(tmp_path, "solution", _changes("ref"))
    copied = shutil.copytree(reference, tmp_path / "copied")
    (copied / "notes.md").write_text("My own notes on the fix.\n")
    own = _project(tmp_path, "own", _changes("mine"))
    prints = {name: similarity.fingerprint(folder, starter) for name, folder in [("copied", copied), ("own", own)]}
    report = json.loads(similarity.report(prints, {"solution": similarity.fingerprint(reference, starter)}))
    assert [(n["candidate"], n["reference"]) for n in report["near_references"]] == [("copied", "solution")]
    assert report["near_references"][0]["share"] >= similarity.REFERENCE_SHARE
    assert "never a verdict" in report["note"] and report["pairs"] == []
