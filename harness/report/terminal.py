"""The scorecard as a rich table. Candidate-controlled text is escaped (no markup, no ANSI)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.model.scorecard import Scorecard
from harness.report.inert import strip_controls
from harness.report.markdown import gating_lines, result_label, state

STYLE = {"passed": "green", "failed": "red", "error": "magenta", "skipped": "yellow", "blocked": "red"}


def safe(text: str) -> str:
    """Strip control characters (ANSI escapes start with one) and escape rich markup."""
    return escape(strip_controls(text))


def render(card: Scorecard, console: Console) -> None:
    table = Table(
        title=f"{safe(card.exercise.id)}: {safe(card.submission.source)}",
        caption=(
            f"backend {card.backend}{'' if card.complete else f' (incomplete: {state(card)})'} · "
            f"maturity {card.maturity_level} ({card.maturity_title}) · {card.duration_s:.1f} s"
        ),
    )
    table.add_column("check")
    table.add_column("criterion")
    table.add_column("result")
    table.add_column("points", justify="right")
    for check in card.checks:
        style = STYLE[check.status]
        table.add_row(
            safe(check.title),
            check.criterion,
            f"[{style}]{result_label(check)}[/{style}]",
            f"{check.points:g}/{check.max_points:g}",
        )
    table.add_section()
    table.add_row(
        "[bold]total[/bold]",
        "",
        "",
        f"[bold]{card.total.points:g}/{card.total.max_points:g} ({card.total.percent:g}%)[/bold]"
        if card.total.percent is not None
        else "",
    )
    console.print(table)
    skipped: dict[str, list[str]] = {}
    for check in card.checks:
        if check.status == "skipped":
            skipped.setdefault(check.detail or check.feedback, []).append(check.id)
        elif check.status != "passed" or not check.counted:
            reason = check.detail or check.feedback
            console.print(f"[{STYLE[check.status]}]{result_label(check)}[/] {safe(check.id)}: {safe(reason)}")
    for reason, ids in skipped.items():
        console.print(f"[{STYLE['skipped']}]skipped[/] {safe(', '.join(ids))}: {safe(reason)}")
    for line in gating_lines(card):
        console.print(f"[bold]{safe(line)}[/bold]")
    for flag in card.flags:
        console.print(f"[yellow]flag[/yellow] {safe(flag.kind)}: {safe(flag.detail)}")
