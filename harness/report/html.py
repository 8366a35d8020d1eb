"""scorecard.html: a self-contained page for people. Every candidate-controlled string is escaped."""

from __future__ import annotations

from html import escape

from harness.model.criteria import CRITERION_TITLES, Criterion
from harness.model.scorecard import Scorecard
from harness.report import markdown
from harness.report.inert import strip_controls

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}
table{border-collapse:collapse;width:100%;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.35rem .5rem;text-align:left}
.passed{color:#176f2c}.failed,.blocked{color:#b3261e}.error{color:#7a1fa2}.skipped{color:#8a6d00}
.flags li{margin:.2rem 0}small{color:#666}
"""


def escaped(value: object) -> str:
    return escape(strip_controls(str(value)), quote=True)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}%"


def render(card: Scorecard) -> str:
    criteria = "".join(
        f"<tr><td>{escaped(CRITERION_TITLES[c])}</td><td>{score.points:g} / {score.max_points:g}</td>"
        f"<td>{_percent(score.percent)}</td></tr>"
        for c in Criterion
        if (score := card.criteria[c.value]).max_points
    )
    checks = "".join(
        f"<tr><td>{escaped(check.title)}</td>"
        f'<td class="{escaped(check.status)}">{escaped(markdown.result_label(check))}</td>'
        f"<td>{check.points:g} / {check.max_points:g}</td><td>{escaped(check.feedback)}"
        + (f"<br><small>{escaped(check.detail)}</small>" if check.detail else "")
        + "</td></tr>"
        for check in card.checks
    )
    flags = "".join(f"<li><b>{escaped(f.kind)}</b>: {escaped(f.detail)}</li>" for f in card.flags)
    state = "" if card.complete else f" (incomplete: {markdown.state(card)})"
    gating = "".join(f"<p><b>{escaped(line)}</b></p>" for line in markdown.gating_lines(card))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{escaped(card.exercise.title)}: {_percent(card.total.percent)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{escaped(card.exercise.title)}: {card.total.points:g} / {card.total.max_points:g} "
        f"({_percent(card.total.percent)})</h1>"
        f"<p>submission {escaped(card.submission.source)} <small>sha256 {escaped(card.submission.sha256)}</small><br>"
        f"backend {escaped(card.backend)}{state} · maturity {card.maturity_level} ({escaped(card.maturity_title)}) · "
        f"graded {escaped(card.started_at)} in {card.duration_s:.1f} s</p>{gating}"
        f"<h2>Criteria</h2><table><tr><th>criterion</th><th>points</th><th>percent</th></tr>{criteria}</table>"
        f"<h2>Checks</h2><table><tr><th>check</th><th>result</th><th>points</th><th>feedback</th></tr>{checks}</table>"
        + (f'<h2>Flags</h2><ul class="flags">{flags}</ul>' if flags else "")
        + "</body></html>\n"
    )
