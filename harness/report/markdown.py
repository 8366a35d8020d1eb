"""scorecard.md: the human-readable report. Every candidate-controlled string is escaped."""

from __future__ import annotations

import re

from harness.model.criteria import CRITERION_TITLES, Criterion
from harness.model.scorecard import CheckResult, Scorecard
from harness.report.inert import strip_controls

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
STATUS_MARK = {"passed": "pass", "failed": "FAIL", "error": "ERROR", "skipped": "skipped", "blocked": "not run"}


def escape(text: str) -> str:
    """Make arbitrary text inert in Markdown (and in HTML rendered from it), on one line."""
    flat = strip_controls(text.replace("\r", " ").replace("\n", " "))
    entities = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", entities)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}%"


def state(card: Scorecard) -> str:
    """Why a scorecard is incomplete, in words."""
    if card.ungraded_points:
        return f"{card.ungraded_points:g} points could not be graded on this backend; the total leaves them out"
    return "some checks could not run"


def result_label(check: CheckResult) -> str:
    """The check's result in words: a pass whose prerequisites failed says it does not count."""
    if check.status == "passed" and not check.counted:
        return "pass, not counted"
    return STATUS_MARK[check.status]


def gating_lines(card: Scorecard) -> list[str]:
    """What the rubric's prerequisites and caps did to this score, one sentence each (plain text)."""
    lines = [
        f"Capped at {cap.max_percent:g}% because {', '.join(cap.unless)} did not pass: {cap.reason}"
        for cap in card.caps
        if cap.applied
    ]
    gated = [c.id for c in card.checks if c.requires and not c.counted and c.status in ("passed", "blocked")]
    if gated:
        lines.append(f"Not counted because a check they require did not pass: {', '.join(gated)}.")
    return lines


def render(card: Scorecard) -> str:
    lines = [
        f"# {escape(card.exercise.title)}: {card.total.points:g} / {card.total.max_points:g} "
        f"({_percent(card.total.percent)})",
        "",
        f"- exercise: `{card.exercise.id}` {card.exercise.version}",
        f"- submission: {escape(card.submission.source)} (sha256 `{card.submission.sha256[:16]}`)",
        f"- backend: {card.backend}{'' if card.complete else f' (INCOMPLETE: {state(card)})'}",
        f"- maturity level: {card.maturity_level} ({card.maturity_title})",
        f"- graded at {card.started_at} in {card.duration_s:.1f} s",
        *(f"- {escape(line)}" for line in gating_lines(card)),
        "",
        "## Criteria",
        "",
        "| criterion | points | percent |",
        "|---|---:|---:|",
    ]
    for criterion in Criterion:
        score = card.criteria[criterion.value]
        if score.max_points:
            lines.append(
                f"| {CRITERION_TITLES[criterion]} | {score.points:g} / {score.max_points:g} "
                f"| {_percent(score.percent)} |"
            )
    lines += ["", "## Checks", "", "| check | result | points | feedback |", "|---|---|---:|---|"]
    for check in card.checks:
        feedback = escape(check.feedback) + (f" ({escape(check.detail)})" if check.detail else "")
        lines.append(
            f"| {escape(check.title)} | {result_label(check)} | {check.points:g} / {check.max_points:g} | {feedback} |"
        )
    if card.manual:
        lines += ["", "## For the interviewer (scored 0-3)", ""]
        lines += [f"- {escape(item.title)}: {item.score if item.score is not None else '—'}" for item in card.manual]
    if card.flags:
        lines += ["", "## Flags", ""]
        lines += [f"- **{escape(flag.kind)}**: {escape(flag.detail)}" for flag in card.flags]
    return "\n".join(lines) + "\n"
