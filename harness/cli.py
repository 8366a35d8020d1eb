"""The `opsdrill` command. Only maps commands onto the stages; no logic of its own.

Exit codes are `harness.exitcodes.ExitCode`. Errors opsdrill expects (bad input, bad content,
infrastructure) print one sentence and exit with their code; anything else is a bug (70).
"""

from __future__ import annotations

import importlib
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType, ModuleType
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from harness import batch as batch_mod
from harness import exercise as exercise_mod
from harness.bundle import export_bundle, locate
from harness.content import exercise_ids
from harness.doctor import diagnose
from harness.errors import BadInputError, OpsdrillError
from harness.exitcodes import ExitCode
from harness.fsutil import write_atomic
from harness.grade import grade as grade_submission
from harness.model.results import Event
from harness.report import packet as packet_mod
from harness.report import terminal
from harness.report.files import ReportFormat, write_reports
from harness.report.jsonfile import read_scorecard
from harness.report.progress import BatchProgress
from harness.sandbox import available_backends, default_backend
from harness.scaffold import create_exercise
from harness.selfcheck import run_public_checks
from harness.submit import pack
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
            for row in report.rows:
                if not row.ok:
                    # What the row lost, so a failed run (a CI log) says why without a re-run.
                    for check in row.scorecard.checks:
                        if not check.counted:
                            out.print(f"  {row.name}: {check.id} {check.status}: {check.detail[:400]}", markup=False)
            ok = ok and report.ok
        if report_file is not None:
            write_atomic(report_file, json.dumps(summaries, indent=2) + "\n")
        return int(ExitCode.OK if ok else ExitCode.VALIDATION_FAILED)

    raise typer.Exit(_guard(body))


@app.command()
def batch(
    exercise: Annotated[str, typer.Argument(help="Exercise id (see `opsdrill list`).")],
    inputs: Annotated[
        list[Path], typer.Argument(help="A folder of submissions, a CSV manifest (candidate_id,path), or submissions.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Results folder (store and exports); re-use it to resume.")],
    jobs: Annotated[int, typer.Option(min=1, max=16, help="Submissions graded at once.")] = 2,
    backend: Annotated[str | None, typer.Option(help="docker or local (default: docker when available).")] = None,
    regrade: Annotated[bool, typer.Option("--regrade", help="Grade again what the store already holds.")] = False,
) -> None:
    """Grade many submissions in parallel into a resumable results store (exit 5 if the kit or engine failed)."""

    def body() -> int:
        entries = batch_mod.read_inputs(inputs)
        loaded = exercise_mod.load(exercise)
        chosen = _backend(backend)
        store = batch_mod.open_store(out_dir, create=True)
        try:
            with BatchProgress(out, len(entries)) as progress:
                runner = batch_mod.BatchRunner(loaded, store, chosen, jobs=jobs, regrade=regrade, listener=progress)
                run = runner.run(entries)
            batch_mod.export_results(store, loaded, out_dir, list(batch_mod.ExportFormat))
        finally:
            store.close()
        counts = run.counts
        out.print(
            f"{run.total} submissions: {counts.get(Event.GRADED, 0)} graded, {counts.get(Event.REUSED, 0)} "
            f"already graded, {counts.get(Event.REFUSED, 0)} refused, {counts.get(Event.FAILED, 0)} failed by "
            f"the kit or the engine, {run.pending} not started; results in {terminal.safe(str(out_dir))}"
        )
        if run.stopped:
            err.print(
                f"[red]stopped:[/red] {terminal.safe(run.stopped)} No score was given for it; run the same command "
                "again to grade what is left."
            )
            return int(ExitCode.INFRASTRUCTURE)
        return int(ExitCode.OK)

    raise typer.Exit(_guard(body))


@app.command("export-results")
def export_results(
    results_dir: Annotated[Path, typer.Argument(help="A results folder written by `opsdrill batch`.")],
    fmt: Annotated[
        str, typer.Option("--format", help="Comma-separated: csv, jsonl, junit, gradescope, html, similarity.")
    ] = "csv,jsonl,junit,gradescope,html,similarity",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder to write into (default: the results one).")
    ] = None,
) -> None:
    """Write a batch's results again in the formats platforms read."""

    def body() -> None:
        try:
            formats = [batch_mod.ExportFormat(part.strip()) for part in fmt.split(",") if part.strip()]
        except ValueError:
            choices = ", ".join(f.value for f in batch_mod.ExportFormat)
            raise BadInputError(
                f"Unknown export format in '{fmt}'; use a comma-separated list from: {choices}."
            ) from None
        store = batch_mod.open_store(results_dir, create=False)
        try:
            held = store.exercise()
            if held is None:
                raise BadInputError(f"{results_dir} holds no graded batch yet; run `opsdrill batch` into it first.")
            for path in batch_mod.export_results(store, exercise_mod.load(held), out_dir or results_dir, formats):
                out.print(f"wrote {terminal.safe(str(path))}")
        finally:
            store.close()

    _guard(body)


@app.command()
def export(
    exercise: Annotated[str, typer.Argument(help="Exercise id (see `opsdrill list`).")],
    out_path: Annotated[Path, typer.Option("--out", help="Folder (or with --zip, .zip) to write; must not exist.")],
    as_zip: Annotated[bool, typer.Option("--zip", help="Write one .zip instead of a folder.")] = False,
) -> None:
    """Write a candidate's take-home bundle: brief, starter, public self-checks; nothing hidden."""

    def body() -> None:
        written = export_bundle(exercise_mod.load(exercise), out_path, as_zip=as_zip)
        out.print(f"wrote {terminal.safe(str(written))}: send it to the candidate")

    _guard(body)


@app.command()
def check(
    project: Annotated[Path, typer.Argument(help="Your project (default: here).")] = Path(),
    exercise: Annotated[str | None, typer.Option(help="Exercise id, outside a take-home bundle.")] = None,
    backend: Annotated[str | None, typer.Option(help="docker or local (default: docker when available).")] = None,
) -> None:
    """Candidate self-check: run the exercise's public checks on your project (exit 0 whatever they say)."""

    def body() -> int:
        public, folder = locate(project, exercise)
        outcomes = run_public_checks(public, folder, _backend(backend))
        for name, outcome in outcomes.items():
            mark = "[green]pass[/green]" if outcome.status == "passed" else f"[red]{outcome.status}[/red]"
            hint = f": {terminal.safe(outcome.detail)}" if outcome.detail else ""
            out.print(f"{mark} {name}{hint}")
        passed = sum(outcome.status == "passed" for outcome in outcomes.values())
        out.print(
            f"{passed} of {len(outcomes)} public checks passed. They are a subset of the grading, not your "
            "score: passing them all does not mean full marks, and a failing one points at a real loss."
        )
        return 0

    raise typer.Exit(_guard(body))


@app.command()
def submit(
    project: Annotated[Path, typer.Argument(help="Your project (default: here).")] = Path(),
    exercise: Annotated[str | None, typer.Option(help="Exercise id, outside a take-home bundle.")] = None,
    archive: Annotated[Path, typer.Option("--out", help="The .zip to write.")] = Path("submission.zip"),
) -> None:
    """Pack your project as a .zip with a manifest, leaving out environments, caches and outputs."""

    def body() -> None:
        public, folder = locate(project, exercise)
        packed = pack(folder, public.spec, public.paths.starter, archive)
        for item in packed.manifest.left_out:
            out.print(f"left out {terminal.safe(item.path)}: {item.reason}")
        out.print(f"packed {len(packed.manifest.files)} files into {terminal.safe(str(packed.archive))}")

    _guard(body)


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


DataDir = Annotated[Path, typer.Option("--data", help="The service's folder (its store, service.sqlite).")]
DEFAULT_DATA = Path("opsdrill-service")
StoreUrl = Annotated[
    str | None,
    typer.Option("--store", envvar="OPSDRILL_STORE", help="postgresql://... : the store in PostgreSQL, not in --data."),
]
Broker = Annotated[
    str | None, typer.Option("--broker", envvar="OPSDRILL_BROKER", help="redis://... : the Celery broker.")
]
Jobs = Annotated[int, typer.Option(min=1, max=16, help="Submissions graded at once.")]
BackendName = Annotated[str | None, typer.Option(help="docker or local (default: docker when available).")]
tenant_app = typer.Typer(help="Tenants of the grading service and their API keys.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")


def _door(module: str, what: str, extra: str) -> ModuleType:
    """A door whose libraries (FastAPI, uvicorn, ...) come with an extra, imported when used."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = f"({exc.name} is missing): pip install 'opsdrill[{extra}]'"
        raise BadInputError(f"{what} needs its extra {missing}.") from None


def _service() -> ModuleType:
    return _door("harness.service.commands", "The grading service", "service")


@app.command()
def live(
    exercise: Annotated[str, typer.Argument(help="Exercise id (see `opsdrill list`).")],
    workspace: Annotated[
        Path, typer.Option(help="The candidate's folder: new or empty to start, the same one to resume.")
    ] = Path("opsdrill-live"),
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: a free one).")] = 0,
    backend: BackendName = None,
) -> None:
    """Run a live interview: the candidate's workspace, their view and the interviewer's (URLs with
    their tokens are printed), checks as the files change, hints, notes, manual items, the packet."""
    _guard(lambda: _door("harness.live.commands", "A live session", "live").live(
        exercise, workspace, port, _backend(backend), out
    ))  # fmt: skip


@app.command()
def packet(
    scorecards: Annotated[list[Path], typer.Argument(help="scorecard.json files of one candidate.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for packet.html.")] = Path(),
) -> None:
    """The candidate packet (one page) for one scorecard, or several exercises' of one candidate."""

    def body() -> None:
        cards = [read_scorecard(path) for path in scorecards]
        out_dir.mkdir(parents=True, exist_ok=True)
        page = out_dir / "packet.html"
        write_atomic(page, packet_mod.render(cards))
        out.print(f"wrote {terminal.safe(str(page))}")

    _guard(body)


@app.command()
def serve(
    data: DataDir = DEFAULT_DATA,
    store: StoreUrl = None,
    broker: Broker = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    jobs: Jobs = 2,
    backend: BackendName = None,
    resend_after: Annotated[
        float,
        typer.Option(min=1, help="Seconds after which a job sent to the queue but started by no worker is sent again."),
    ] = 600,
    allow_private_webhooks: Annotated[
        bool, typer.Option(help="Send webhooks to loopback and private addresses too (a trusted network only).")
    ] = False,
) -> None:
    """Run the grading service: HTTP API and store, with its own workers (or, given --broker, the
    `opsdrill worker` processes behind it)."""
    _guard(lambda: _service().serve(
        data, store, broker, host, port, jobs, None if broker else _backend(backend), resend_after_s=resend_after,
        allow_private_webhooks=allow_private_webhooks,
    ))  # fmt: skip


@app.command()
def worker(
    broker: Broker = None,
    store: StoreUrl = None,
    data: DataDir = DEFAULT_DATA,
    jobs: Jobs = 2,
    backend: BackendName = None,
) -> None:
    """A scale-out worker: grade jobs from --broker into --store, with this host's engine."""

    def body() -> None:
        if not broker or not store:
            raise BadInputError("A worker needs --broker redis://... and --store postgresql://... (the service's).")
        _service().worker(data, store, broker, jobs, _backend(backend))

    _guard(body)


@tenant_app.command("create")
def tenant_create(
    name: Annotated[str, typer.Argument(help="The tenant's name (a platform or team).")],
    data: DataDir = DEFAULT_DATA,
    store: StoreUrl = None,
    max_upload_mib: Annotated[int, typer.Option(min=1, max=512, help="Largest upload, in MiB.")] = 50,
    max_queued: Annotated[int, typer.Option(min=1, help="Jobs queued or running at once.")] = 100,
) -> None:
    """Create a tenant; prints its first API key and its webhook secret, once."""

    def body() -> None:
        made = _service().create_tenant(data, store, name, max_upload_mib * 2**20, max_queued)
        out.print(f"tenant {terminal.safe(made.tenant.name)} ({made.tenant.id})")
        out.print(f"api key (shown once): {made.key.token}", soft_wrap=True)
        out.print(f"webhook secret: {made.webhook_secret}", soft_wrap=True)

    _guard(body)


@tenant_app.command("list")
def tenant_list(data: DataDir = DEFAULT_DATA, store: StoreUrl = None) -> None:
    """List the tenants and their keys (ids only)."""

    def body() -> None:
        table = Table("tenant", "id", "max upload (MiB)", "max queued", "keys (live)")
        for tenant, keys in _service().tenants(data, store):
            live = [key.id for key in keys if key.revoked_at is None]
            table.add_row(
                tenant.name, tenant.id, str(tenant.max_upload_bytes // 2**20), str(tenant.max_queued_jobs),
                ", ".join(live) or "none",
            )  # fmt: skip
        out.print(table)

    _guard(body)


@tenant_app.command("key")
def tenant_key(
    tenant: Annotated[str, typer.Argument(help="Tenant name or id.")],
    data: DataDir = DEFAULT_DATA,
    store: StoreUrl = None,
) -> None:
    """Make another API key for a tenant (printed once)."""
    _guard(lambda: out.print(f"api key (shown once): {_service().add_key(data, store, tenant).token}", soft_wrap=True))


@tenant_app.command("revoke")
def tenant_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (the 16 hex digits after odk_).")],
    data: DataDir = DEFAULT_DATA,
    store: StoreUrl = None,
) -> None:
    """Revoke an API key: requests with it are refused from now on."""

    def body() -> None:
        _service().revoke_key(data, store, key_id)
        out.print(f"revoked {terminal.safe(key_id)}")

    _guard(body)


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
