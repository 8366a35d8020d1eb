"""The `opsdrill` command. Only maps commands onto the stages; no logic of its own.

Exit codes are `harness.exitcodes.ExitCode`. Errors opsdrill expects (bad input, bad content,
infrastructure) print one sentence and exit with their code; anything else is a bug (70).
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from harness import exercise as exercise_mod
from harness.content import exercise_ids
from harness.doctor import diagnose
from harness.errors import BadInputError, OpsdrillError
from harness.exitcodes import ExitCode
from harness.fsutil import write_atomic
from harness.grade import grade as grade_submission
from harness.report import terminal
from harness.report.files import ReportFormat, write_reports
from harness.sandbox import available_backends, default_backend
from harness.scaffold import create_exercise
from harness.selfcheck import run_public_checks
from harness.validate import validate_exercise

app = typer.Typer(
    name="opsdrill",
    help="MLOps assessment kit: grade fixes to broken ML systems.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


def _guard(action: Callable[[], T]) -> T:
    """Run a command body; expected errors become one red sentence and their exit code."""
    try:
        return action()
    except OpsdrillError as exc:
        err.print(f"[red]error:[/red] {terminal.safe(str(exc))}")
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow]: nothing half-written was kept.")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def _backend(name: str | None) -> str:
    if name is None:
        return default_backend()
    if name not in available_backends():
        raise BadInputError(f"Backend '{name}' is not available here; use one of: {', '.join(available_backends())}.")
    return name


def _formats(spec: str) -> list[ReportFormat]:
    try:
        return [ReportFormat(part.strip()) for part in spec.split(",") if part.strip()]
    except ValueError:
        choices = ", ".join(f.value for f in ReportFormat)
        raise BadInputError(f"Unknown report format in '{spec}'; use a comma-separated list of: {choices}.") from None


@app.command("list")
def list_exercises() -> None:
    """List the exercises: id, title, minutes, criteria."""

    def body() -> None:
        table = Table("id", "title", "minutes", "maturity", "criteria")
        table.columns[0].no_wrap = True
        for exercise_id in exercise_ids():
            spec = exercise_mod.load(exercise_id).spec
            table.add_row(
                spec.id, spec.title, str(spec.minutes), f"{spec.level.start} -> {spec.level.end}",
                ", ".join(c.value for c in spec.criteria),
            )  # fmt: skip
        out.print(table)

    _guard(body)


@app.command()
def grade(
    exercise: Annotated[str, typer.Argument(help="Exercise id (see `opsdrill list`).")],
    submission: Annotated[Path, typer.Argument(help="Submission folder, .zip or .tar.gz.")],
    backend: Annotated[str | None, typer.Option(help="docker or local (default: docker when available).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for the reports.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="Comma-separated: json, md, html.")] = "json,md,html",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No table on the terminal.")] = False,
) -> None:
    """Grade one submission and write its scorecard."""

    def body() -> None:
        formats = _formats(fmt)
        loaded = exercise_mod.load(exercise)
        card = grade_submission(loaded, submission, _backend(backend))
        if not quiet:
            terminal.render(card, out)
        if out_dir is not None:
            for path in write_reports(card, out_dir, formats):
                out.print(f"wrote {terminal.safe(str(path))}")

    _guard(body)


@app.command()
def validate(
    exercise: Annotated[str | None, typer.Argument(help="Exercise id; omit with --all.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Validate every exercise.")] = False,
    backend: Annotated[str | None, typer.Option(help="docker or local (default: docker when available).")] = None,
    report_file: Annotated[Path | None, typer.Option("--report", help="Also write the results as JSON here.")] = None,
    jobs: Annotated[int, typer.Option(min=1, max=16, help="Submissions graded at once.")] = 2,
) -> None:
    """Author check: the solution scores 100%, the starter low, every variant in its range."""

    def body() -> int:
        if (exercise is None) == (not all_):
            raise BadInputError("Name one exercise or pass --all (not both).")
        chosen = exercise_ids() if all_ else [exercise or ""]
        ok = True
        summaries = []
        for exercise_id in chosen:
            report = validate_exercise(exercise_mod.load(exercise_id), _backend(backend), jobs)
            summaries.append(report.summary())
            table = Table("submission", "expected", "score", "result", title=f"{exercise_id} ({report.backend})")
            for row in report.rows:
                mark = "[green]ok[/green]" if row.ok else "[red]OUT OF RANGE[/red]"
                table.add_row(row.name, row.expected, f"{row.percent:g}%", mark)
            out.print(table)
            ok = ok and report.ok
        if report_file is not None:
            write_atomic(report_file, json.dumps(summaries, indent=2) + "\n")
        return int(ExitCode.OK if ok else ExitCode.VALIDATION_FAILED)

    raise typer.Exit(_guard(body))


@app.command()
def check(
    exercise: Annotated[str, typer.Argument(help="Exercise id.")],
    project: Annotated[Path, typer.Argument(help="Your project folder.")] = Path(),
    backend: Annotated[str | None, typer.Option(help="docker or local (default: docker when available).")] = None,
) -> None:
    """Candidate self-check: run the exercise's public checks on your project."""

    def body() -> int:
        outcomes = run_public_checks(exercise_mod.load(exercise), project, _backend(backend))
        for name, outcome in outcomes.items():
            mark = "[green]pass[/green]" if outcome.status == "passed" else f"[red]{outcome.status}[/red]"
            hint = f": {terminal.safe(outcome.detail)}" if outcome.detail else ""
            out.print(f"{mark} {name}{hint}")
        return 0

    raise typer.Exit(_guard(body))


@app.command()
def new(
    exercise: Annotated[str, typer.Argument(help="Id of the new exercise: lower-case letters, digits, hyphens.")],
    into: Annotated[
        Path | None, typer.Option("--into", help="Content root to write it into (default: the current one).")
    ] = None,
) -> None:
    """Scaffold a small working exercise to author from; never overwrites (exit 3 if the id is bad or taken)."""

    def body() -> None:
        made = create_exercise(exercise, into)
        for path in made.created:
            out.print(f"created {terminal.safe(str(path))}")
        out.print(
            f"next: OPSDRILL_CONTENT_ROOT={terminal.safe(str(made.root))} opsdrill validate {exercise} --backend local"
            " (see docs/AUTHORING.md)",
            soft_wrap=True,
        )

    _guard(body)


@app.command()
def doctor(
    clean: Annotated[
        bool, typer.Option("--clean", help="Remove the kit's leftover containers, volumes, networks.")
    ] = False,
) -> None:
    """Report the Docker engine's state, the kit's images and any leftovers."""

    def body() -> int:
        found = diagnose(clean)
        out.print(f"engine: {found.engine}")
        out.print(f"wheelhouse: {terminal.safe(found.wheelhouse)}")
        out.print(f"exercise runtimes: {terminal.safe(found.runtimes)}")
        if not found.engine_ok:
            return int(ExitCode.INFRASTRUCTURE)
        out.print(f"base image: {found.base_image}")
        out.print(f"exercise images: {', '.join(found.images) or 'none built yet'}")
        left = found.leftovers
        if left is not None and not left.empty:
            state = " (removed)" if found.removed else " (remove with --clean)"
            out.print(
                f"[yellow]leftovers[/yellow]: containers {left.containers}, volumes {left.volumes}, "
                f"networks {left.networks}, candidate images {len(left.images)}{state}"
            )
        else:
            out.print("leftovers: none")
        return int(ExitCode.OK)

    raise typer.Exit(_guard(body))


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    """Console-script entry point: any unexpected exception is reported as a bug, once."""
    # A batch worker is stopped with SIGTERM: unwind like Ctrl-C, so every `finally` cleans up.
    signal.signal(signal.SIGTERM, _terminate)
    # Started in the background by a non-interactive shell, a process inherits SIGINT ignored;
    # a grader must still unwind and clean up when it is interrupted.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        app()
    except SystemExit:
        raise
    except Exception as exc:
        err.print(
            f"[red]internal error:[/red] {terminal.safe(type(exc).__name__)}: {terminal.safe(str(exc))}. "
            "This is a bug in opsdrill; please report it with the command you ran."
        )
        sys.exit(int(ExitCode.INTERNAL_ERROR))
