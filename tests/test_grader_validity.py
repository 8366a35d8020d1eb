"""The kit's core promise, on the bundled exercises and both backends: the score means what it says."""

from __future__ import annotations

from collections.abc import Callable, Container
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, CliRunner
from validity_passes import PASSES, validation

from harness import exercise as exercise_mod
from harness.content import exercise_ids
from harness.exercise import Variant
from harness.exitcodes import ExitCode
from harness.model.checks import CheckOutcome
from harness.selfcheck import run_public_checks
from harness.variants import materialized

pytestmark = pytest.mark.slow


def percents(reports: list[dict[str, Any]], only: Container[str]) -> dict[str, float]:
    """Each graded submission's total, by exercise and name, for the exercises in `only`."""
    return {f"{r['exercise']}/{row['name']}": row["percent"] for r in reports for row in r["rows"]
            if r["exercise"] in only}  # fmt: skip


def docker_only(cli: CliRunner, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The exercises local grades only in part (their checks that need docker skip there)."""
    local = validation(cli, "local", tmp_path_factory)[2]
    return [r["exercise"] for r in local if any(not row["complete"] for row in r["rows"])]


def check_pass(code: int, output: str, reports: list[dict[str, Any]], backend: str, exercises: list[str]) -> None:
    """Solution 100%, starter at most its ceiling, every variant inside its declared range."""
    assert code == ExitCode.OK, output
    assert [r["exercise"] for r in reports] == exercises
    for report in reports:
        exercise = exercise_mod.load(report["exercise"])
        names = [row["name"] for row in report["rows"]]
        assert names == ["solution", "starter"] + [f"variant {v.name}" for v in exercise.variants()]
        assert report["backend"] == backend and all(row["ok"] for row in report["rows"])


@pytest.mark.parametrize(("backend", "loaded"), PASSES)
def test_validate_all_exits_0(
    cli: CliRunner, backend: str, loaded: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    code, output, reports = validation(cli, backend, tmp_path_factory, loaded=loaded)
    check_pass(code, output, reports, backend, exercise_ids())


@pytest.mark.docker
def test_backends_give_the_same_scores(cli: CliRunner, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Local idle against docker saturated: the same score, wherever local grades everything."""
    local = validation(cli, "local", tmp_path_factory)[2]
    docker = validation(cli, "docker", tmp_path_factory, loaded=True)[2]
    partial = docker_only(cli, tmp_path_factory)
    # Exercises whose checks need docker grade partially on local: compared idle and saturated below.
    assert partial == ["manual-deploy"]
    complete = [exercise_id for exercise_id in exercise_ids() if exercise_id not in partial]
    assert percents(docker, complete) == percents(local, complete)


@pytest.mark.docker
def test_scores_hold_with_the_machine_saturated(cli: CliRunner, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Platforms grade on busy machines: with every core kept busy and three gradings at once, every
    submission gets the score it gets on an idle machine. Docker saturated is compared with local idle
    above; an exercise only docker grades completely is validated on docker idle too."""
    partial = docker_only(cli, tmp_path_factory)
    code, output, idle = validation(cli, "docker", tmp_path_factory, exercises=partial)
    check_pass(code, output, idle, "docker", partial)
    loaded = validation(cli, "docker", tmp_path_factory, loaded=True)[2]
    assert percents(loaded, partial) == percents(idle, partial)


def test_local_marks_a_docker_exercise_incomplete_and_grades_the_rest(
    cli: CliRunner, tmp_path: Path, valid_scorecard: Callable[[Path], Any]
) -> None:
    solution = REPO / "exercises" / "manual-deploy" / "solution"
    result = cli("grade", "manual-deploy", str(solution), "--backend", "local", "--out", str(tmp_path))
    assert result.returncode == ExitCode.OK, result.stderr
    card = valid_scorecard(tmp_path / "scorecard.json")
    skipped = {c["id"] for c in card["checks"] if c["status"] == "skipped"}
    ran = {c["id"]: c["status"] for c in card["checks"] if c["status"] != "skipped"}
    assert not card["complete"] and ran == {"ci_workflow": "passed", "quality_gate": "passed"}
    assert all("needs the docker backend" in c["detail"] for c in card["checks"] if c["id"] in skipped)
    assert card["total"] == {"points": 15, "max_points": 15, "percent": 100} and card["ungraded_points"] == 85
    assert "85 points could not be graded on this backend" in (tmp_path / "scorecard.md").read_text()


def test_grading_the_solution_writes_a_full_scorecard(
    cli: CliRunner, tmp_path: Path, valid_scorecard: Callable[[Path], Any]
) -> None:
    solution = REPO / "exercises" / "unreproducible-run" / "solution"
    result = cli("grade", "unreproducible-run", str(solution), "--backend", "local", "--out", str(tmp_path))
    assert result.returncode == ExitCode.OK, result.stderr
    card = valid_scorecard(tmp_path / "scorecard.json")
    assert card["total"]["percent"] == 100 and card["maturity_level"] == 3 and card["complete"]
    assert card["backend"] == "local" and card["flags"] == []
    assert {c["status"] for c in card["checks"]} == {"passed"}
    assert card["timings"]["sandbox_s"] > 0
    assert (tmp_path / "scorecard.md").read_text().startswith("# Unreproducible run")


def _public_outcomes(exercise_id: str) -> dict[str, dict[str, CheckOutcome]]:
    """The public checks' outcomes on the solution, the starter and every variant (local backend: it
    is what a candidate without Docker runs, and the checks that need an image skip there)."""
    exercise = exercise_mod.load(exercise_id)

    def run(name: str, folder: Path) -> tuple[str, dict[str, CheckOutcome]]:
        return name, run_public_checks(exercise, folder, "local")

    def variant(found: Variant) -> tuple[str, dict[str, CheckOutcome]]:
        with materialized(exercise, found) as folder:
            return run(f"variant {found.name}", folder)

    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = [pool.submit(run, "solution", exercise.paths.solution),
                pool.submit(run, "starter", exercise.paths.starter)]  # fmt: skip
        jobs += [pool.submit(variant, found) for found in exercise.variants()]
        return dict(job.result() for job in jobs)


@pytest.mark.docker
@pytest.mark.parametrize("exercise_id", exercise_ids())
def test_public_checks_point_at_real_losses(
    exercise_id: str, cli: CliRunner, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The README's promise to candidates: the solution passes every public check; the starter fails
    some, each with a hint; and a public check never fails a submission that loses nothing in the
    hidden checks (judged by docker's grading, authoritative for every exercise)."""
    hidden = {row["name"]: row for r in validation(cli, "docker", tmp_path_factory, loaded=True)[2]
              if r["exercise"] == exercise_id for row in r["rows"]}  # fmt: skip
    public = _public_outcomes(exercise_id)
    assert public.keys() == hidden.keys()
    assert {o.status for o in public["solution"].values()} <= {"passed", "skipped"}, public["solution"]
    starter_failed = [o for o in public["starter"].values() if o.status == "failed"]
    assert starter_failed and all(o.detail for o in starter_failed), public["starter"]
    for name, outcomes in public.items():
        failed = sorted(check for check, outcome in outcomes.items() if outcome.status in ("failed", "error"))
        assert not failed or hidden[name]["percent"] < 100, f"{name} fails public {failed} yet scores 100%"
