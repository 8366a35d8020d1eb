"""`opsdrill batch`: inputs, the store, resuming, and kit failures that never become scores."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, CliRunner

from harness import batch
from harness.batch import runner
from harness.errors import BadInputError, InfrastructureError
from harness.exercise import Exercise
from harness.exitcodes import ExitCode
from harness.grade import grade, grade_unpacked
from harness.model.flags import Flag, FlagKind
from harness.model.results import Entry, Event, Status
from harness.model.scorecard import Scorecard
from harness.report.batch import summary_csv
from harness.store import SqliteStore
from harness.unpack import Submission
from harness.variants import materialized


def _zip(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as packed:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                packed.write(path, path.relative_to(folder).as_posix())
    return archive


@pytest.fixture
def submissions(toy: Exercise, tmp_path: Path) -> Path:
    """Two copies of the solution (a folder and a .zip), the starter, and an archive that is none."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copytree(toy.paths.solution, folder / "ana")
    _zip(toy.paths.solution, folder / "ben.zip")
    shutil.copytree(toy.paths.starter, folder / "cy")
    (folder / "dee.zip").write_text("not a zip")
    (folder / ".hidden").mkdir()
    (folder / "notes.txt").write_text("not a submission")
    return folder


def _entry(folder: Path) -> Entry:
    return Entry(candidate_id=folder.name, source=str(folder))


def _run(toy: Exercise, store: SqliteStore, entries: list[Entry], **options: object) -> runner.BatchRun:
    events: list[Event] = []
    run = runner.BatchRunner(toy, store, "local", listener=lambda event, entry: events.append(event), **options)  # type: ignore[arg-type]
    outcome = run.run(entries)
    assert events.count(Event.STARTED) == len(entries) - outcome.pending
    return outcome


def test_inputs_are_read_from_a_folder_a_manifest_or_paths(submissions: Path, tmp_path: Path) -> None:
    entries = batch.read_inputs([submissions])
    assert [e.candidate_id for e in entries] == ["ana", "ben", "cy", "dee"]
    assert Path(entries[1].source) == (submissions / "ben.zip").resolve()
    manifest = submissions.parent / "manifest.csv"
    manifest.write_text("candidate_id,path\nc-17,in/ana\nc-18, in/ben.zip \n")
    assert [(e.candidate_id, Path(e.source).name) for e in batch.read_inputs([manifest])] == [
        ("c-17", "ana"), ("c-18", "ben.zip"),
    ]  # fmt: skip
    assert [e.candidate_id for e in batch.read_inputs([submissions / "cy", submissions / "ben.zip"])] == ["cy", "ben"]


@pytest.mark.parametrize(
    ("write", "says"),
    [
        (lambda d: [d / "missing"], "does not exist"),
        (lambda d: [(d / "m.csv", (d / "m.csv").write_text("id,file\nx,y\n"))[0]], "needs a header"),
        (lambda d: [(d / "m.csv", (d / "m.csv").write_text("candidate_id,path\nx,nowhere\n"))[0]], "line 2"),
        (lambda d: [(d / "m.csv", (d / "m.csv").write_text("candidate_id,path\na/b,in/ana\n"))[0]], "candidate id"),
        (lambda d: [d / "in" / "ana", d / "other" / "ana"], "names two submissions"),
        (lambda d: [d / "in" / "notes.txt"], "neither a folder nor"),
    ],
)
def test_bad_inputs_get_one_sentence(submissions: Path, write: Callable[[Path], list[Path]], says: str) -> None:
    shutil.copytree(submissions / "ana", submissions.parent / "other" / "ana")
    with pytest.raises(BadInputError, match=says):
        batch.read_inputs(write(submissions.parent))


def test_a_batch_grades_each_submission_once_and_a_rerun_resumes(toy: Exercise, submissions: Path) -> None:
    entries = batch.read_inputs([submissions])
    store = batch.open_store(submissions.parent / "out", create=True)
    first = _run(toy, store, entries, jobs=2)
    # The folder and the .zip of the solution are the same submission: graded once, shared.
    assert first.counts == {Event.STARTED: 4, Event.GRADED: 2, Event.REUSED: 1, Event.REFUSED: 1}
    results = {r.entry.candidate_id: r for r in store.entries()}
    assert [results[c].status for c in ("ana", "ben", "cy", "dee")] == [Status.GRADED] * 3 + [Status.REFUSED]
    assert results["ana"].scorecard == results["ben"].scorecard
    assert results["ana"].scorecard and results["ana"].scorecard.total.percent == 100
    assert results["cy"].scorecard and results["cy"].scorecard.total.percent == 0
    assert "not a folder, a .zip or a .tar.gz" in results["dee"].reason
    # A result is what grading the submission alone gives.
    assert _same_outcomes(results["cy"].scorecard, grade(toy, toy.paths.starter, "local"))
    store.close()
    store = batch.open_store(submissions.parent / "out", create=False)
    again = _run(toy, store, entries, jobs=2)
    assert again.counts == {Event.STARTED: 4, Event.REUSED: 3, Event.REFUSED: 1}
    regraded = _run(toy, store, entries, jobs=2, regrade=True)
    assert regraded.counts == {Event.STARTED: 4, Event.GRADED: 2, Event.REUSED: 1, Event.REFUSED: 1}
    assert len(store.entries()) == 4


def _same_outcomes(a: Scorecard, b: Scorecard) -> bool:
    """The same score from each check (times differ between gradings)."""
    return [(c.id, c.status, c.points) for c in a.checks] == [(c.id, c.status, c.points) for c in b.checks]


def test_a_store_holds_one_exercise_and_refuses_what_is_not_one(toy: Exercise, tmp_path: Path) -> None:
    store = batch.open_store(tmp_path / "out", create=True)
    store.claim("toy")
    with pytest.raises(BadInputError, match="holds results of 'toy', not 'other'"):
        store.claim("other")
    store.close()
    with pytest.raises(BadInputError, match="holds no batch results"):
        batch.open_store(tmp_path / "elsewhere", create=False)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / batch.STORE_FILE).write_bytes(b"this is not a database" * 100)
    with pytest.raises(BadInputError, match="cannot serve as a results store"):
        batch.open_store(tmp_path / "junk", create=False).claim("toy")


def _flaky(failures: int, calls: list[str]) -> Callable[..., Scorecard]:
    """Grading as usual, once the engine has failed `failures` times."""

    def graded(exercise: Exercise, submission: Submission, backend: str, **options: Any) -> Scorecard:
        calls.append(submission.source)
        if len(calls) <= failures:
            raise InfrastructureError("Could not reach the Docker engine (connection refused).")
        return grade_unpacked(exercise, submission, backend, **options)

    return graded


def test_kit_failures_are_retried_and_never_scored(
    toy: Exercise, submissions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine failing is retried with a pause; when it keeps failing, the entry gets no score,
    the run stops starting gradings, and the next run grades what is left."""
    entries = batch.read_inputs([submissions / "ana", submissions / "cy"])
    store = batch.open_store(submissions.parent / "out", create=True)
    calls: list[str] = []
    monkeypatch.setattr(runner, "grade_unpacked", _flaky(3, calls))
    stopped = _run(toy, store, entries, jobs=1, retry_delays_s=(0.01, 0.01))
    assert len(calls) == 3 and "connection refused" in stopped.stopped and stopped.pending == 1
    results = {r.entry.candidate_id: r for r in store.entries()}
    assert results["ana"].status is Status.INFRASTRUCTURE_ERROR and results["ana"].scorecard is None
    assert results["cy"].status is Status.PENDING
    csv_rows = list(csv.DictReader(io.StringIO(summary_csv(store.entries()))))
    assert [(r["status"], r["percent"]) for r in csv_rows] == [("infrastructure_error", ""), ("pending", "")]
    # Back again: one failure, retried, then graded; nothing else is lost or graded twice.
    calls.clear()
    monkeypatch.setattr(runner, "grade_unpacked", _flaky(1, calls))
    resumed = _run(toy, store, entries, jobs=1, retry_delays_s=(0.01,))
    assert not resumed.stopped and resumed.counts[Event.GRADED] == 2 and len(calls) == 3
    assert [r.status for r in store.entries()] == [Status.GRADED, Status.GRADED]


def test_a_scorecard_the_kit_failed_is_not_a_result(
    toy: Exercise, submissions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A grading whose checks the kit's machinery stopped (flagged) is retried, never stored."""

    def flagged(exercise: Exercise, submission: Submission, backend: str, **options: Any) -> Scorecard:
        assert options == {"gradings": 1}, "the batch retries on its own"
        card = grade_unpacked(exercise, submission, backend, **options)
        return card.model_copy(update={"flags": [Flag(kind=FlagKind.INFRASTRUCTURE_ERROR, detail="prober lost")]})

    monkeypatch.setattr(runner, "grade_unpacked", flagged)
    store = batch.open_store(submissions.parent / "out", create=True)
    run = _run(toy, store, [_entry(submissions / "ana")], retry_delays_s=(0.01,))
    assert "prober lost" in run.stopped
    assert [r.status for r in store.entries()] == [Status.INFRASTRUCTURE_ERROR]


def test_a_graded_result_survives_a_failed_regrade(
    toy: Exercise, submissions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = [_entry(submissions / "ana")]
    store = batch.open_store(submissions.parent / "out", create=True)
    _run(toy, store, entries)
    # A new entry with the same content, met only in the failed regrade, gets the stored result too.
    twin = shutil.copytree(submissions / "ana", submissions.parent / "twin")
    monkeypatch.setattr(runner, "grade_unpacked", _flaky(10, []))
    assert _run(toy, store, [_entry(twin), *entries], regrade=True, retry_delays_s=(), jobs=1).stopped
    kept = store.entries()
    assert [r.status for r in kept] == [Status.GRADED, Status.GRADED]
    assert all(r.scorecard and r.scorecard.total.percent == 100 for r in kept)


def test_the_summary_csv_never_starts_a_formula(toy: Exercise, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "results.sqlite")
    store.claim("toy")
    store.mark(Entry(candidate_id="=HYPERLINK(1)", source="/x"), Status.REFUSED, "+cmd|' /C calc'!A0")
    rows = list(csv.DictReader(io.StringIO(summary_csv(store.entries()))))
    assert rows[0]["candidate_id"] == "'=HYPERLINK(1)" and rows[0]["reason"].startswith("'+cmd")


def test_the_cli_writes_the_exports_and_says_what_happened(
    cli: CliRunner, toy_root: Path, submissions: Path, tmp_path: Path
) -> None:
    env = {"OPSDRILL_CONTENT_ROOT": str(toy_root)}
    out = tmp_path / "results"
    result = cli("batch", "toy", str(submissions), "--out", str(out), "--backend", "local", env=env)
    assert result.returncode == ExitCode.OK, result.stderr
    assert "4 submissions: 2 graded, 1 already graded, 1 refused, 0 failed" in " ".join(result.stdout.split())
    rows = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text())))
    assert [(r["candidate_id"], r["status"], r["percent"]) for r in rows] == [
        ("ana", "graded", "100.0"), ("ben", "graded", "100.0"), ("cy", "graded", "0.0"), ("dee", "refused", ""),
    ]  # fmt: skip
    assert rows[0]["maintenance"] and rows[0]["monitoring"] == ""  # the toy does not assess monitoring
    assert len((out / "scorecards.jsonl").read_text().splitlines()) == 3
    again = cli("export-results", str(out), "--format", "csv", "--out", str(tmp_path / "again"), env=env)
    assert (
        again.returncode == ExitCode.OK
        and (tmp_path / "again" / "summary.csv").read_text() == (out / "summary.csv").read_text()
    )
    bad = cli("export-results", str(out), "--format", "xml", env=env)
    assert bad.returncode == ExitCode.BAD_INPUT and "Unknown export format" in bad.stderr


# -- A batch killed midway ---------------------------------------------------------------------------------

#: Copies of each of the exercise's submissions in the killed batch: the first two the same content
#: (one of them a .zip: graded once), the others each with a note of its own (graded each).
COPIES = 4
KILL_AFTER_RESULTS = 4
ORPHANS_GONE_S = 300


def _stored(database: Path) -> int:
    """Results committed so far (read beside the running batch, as WAL allows)."""
    if not database.exists():
        return 0
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
        try:
            return int(db.execute("SELECT count(*) FROM results").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def _processes_under(folder: Path) -> list[int]:
    """Processes whose command line or working folder lies under `folder` (the killed run's orphans)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            cwd = str((proc / "cwd").readlink())
        except OSError:
            continue
        if str(folder) in cmdline or cwd.startswith(str(folder)):
            found.append(int(proc.name))
    return found


@pytest.mark.slow
def test_a_killed_batch_resumes_to_one_result_per_submission(toy: Exercise, tmp_path: Path) -> None:
    """Every submission of an exercise (solution, starter, each variant), several copies each, two at
    a time; SIGKILL midway; the same command again ends with exactly one result per submission, each
    the score grading it alone gives. The toy exercise: the test is about the batch, not the grading."""
    inputs = tmp_path / "in"
    named = {"solution": toy.paths.solution, "starter": toy.paths.starter}
    with contextlib.ExitStack() as stack:
        for variant in toy.variants():
            named[variant.name] = stack.enter_context(materialized(toy, variant))
        for name, folder in named.items():
            shutil.copytree(folder, inputs / f"{name}-0")
            _zip(folder, inputs / f"{name}-1.zip")
            for copy in range(2, COPIES):
                shutil.copytree(folder, inputs / f"{name}-{copy}")
                (inputs / f"{name}-{copy}" / "NOTES.md").write_text(f"Copy {copy} of {name}, with a note.\n")
        alone = {name: grade(toy, folder, "local").total.percent for name, folder in named.items()}
    out, scratch = tmp_path / "results", tmp_path / "scratch"
    scratch.mkdir()
    command = [sys.executable, "-m", "harness", "batch", toy.id, str(inputs), "--out", str(out),
               "--backend", "local", "--jobs", "2"]  # fmt: skip
    env = os.environ | {"TMPDIR": str(scratch)}
    killed = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    try:
        while killed.poll() is None and _stored(out / batch.STORE_FILE) < KILL_AFTER_RESULTS:
            time.sleep(0.05)
    finally:
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
    assert KILL_AFTER_RESULTS <= _stored(out / batch.STORE_FILE) < len(named) * (COPIES - 1)
    # Check processes run in sessions of their own: the killed run's finish by themselves.
    deadline = time.monotonic() + ORPHANS_GONE_S
    while _processes_under(scratch) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _processes_under(scratch)

    resumed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    assert resumed.returncode == ExitCode.OK, resumed.stderr
    store = batch.open_store(out, create=False)
    results = store.entries()
    store.close()
    assert sorted(r.entry.candidate_id for r in results) == sorted(_candidate(p) for p in inputs.iterdir())
    assert all(r.status is Status.GRADED and r.scorecard for r in results)
    with sqlite3.connect(out / batch.STORE_FILE) as db:
        keys = db.execute("SELECT submission_sha256 FROM results").fetchall()
    # One result per content: the folder and the .zip of the same submission share theirs.
    assert len(keys) == len(set(keys)) == len({r.scorecard.submission.sha256 for r in results if r.scorecard})
    assert len(keys) == len(named) * (COPIES - 1)
    for result in results:
        name = result.entry.candidate_id.rsplit("-", 1)[0]
        assert result.scorecard and result.scorecard.total.percent == alone[name], result.entry.candidate_id


def _candidate(path: Path) -> str:
    return path.name.removesuffix(".zip")
