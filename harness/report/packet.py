"""The candidate packet: one self-contained page (and scorecard.json) per candidate, for one
exercise or several (an assessment). Server-rendered SVG, no script, no external asset; every
candidate- or interviewer-written string is escaped."""

from __future__ import annotations

from pathlib import Path

from harness.fsutil import write_atomic
from harness.model.criteria import CRITERION_TITLES, Criterion
from harness.model.scorecard import LiveSession, Scorecard
from harness.report import jsonfile, markdown
from harness.report.html import STYLE, escaped

BAR_H, LABEL_W, CHART_W = 22, 240, 260
STEP_W, STEP_H = 520, 110
PACKET_STYLE = "svg text{font-size:12px}.meta{color:#555}section{margin-bottom:2.5rem}"
PAGE = "packet.html"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}%"


def overall(card: Scorecard) -> float | None:
    """The score that stands for the card: a live session's final score, else the checks' total."""
    return card.session.final_percent if card.session else card.total.percent


def criteria_chart(card: Scorecard) -> str:
    """The five criteria as horizontal bars (percent of each one's points); unassessed ones say so."""
    rows = []
    for i, criterion in enumerate(Criterion):
        score = card.criteria[criterion.value]
        y = i * BAR_H
        label = f'<text x="0" y="{y + 15}">{escaped(CRITERION_TITLES[criterion])}</text>'
        if not score.max_points:
            rows.append(label + f'<text x="{LABEL_W}" y="{y + 15}" fill="#888">not assessed</text>')
            continue
        width = round(CHART_W * (score.percent or 0.0) / 100)
        rows.append(
            label + f'<rect x="{LABEL_W}" y="{y + 3}" width="{width}" height="{BAR_H - 6}" fill="#3b6ea8">'
            f"<title>{escaped(CRITERION_TITLES[criterion])}: {_percent(score.percent)}</title></rect>"
            f'<text x="{LABEL_W + width + 6}" y="{y + 15}">{_percent(score.percent)}</text>'
        )
    width, height = LABEL_W + CHART_W + 50, BAR_H * len(Criterion)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>criteria</title>{"".join(rows)}</svg>'
    )


def _passing_steps(session: LiveSession, suite: str) -> list[tuple[float, int]]:
    """(elapsed s, checks of `suite` passing) after each change of the timeline."""
    status: dict[str, str] = {}
    steps = []
    for entry in session.timeline:
        if entry.suite == suite:
            status[entry.check] = entry.status
            steps.append((entry.elapsed_s, sum(s == "passed" for s in status.values())))
    return steps


def timeline_chart(session: LiveSession, total_checks: int) -> str:
    """Checks passing over the session's time, one step line per suite (hidden: solid, public: dashed)."""
    end = max(session.duration_s, 1.0)
    top = max(total_checks, 1)
    lines = []
    for suite, dash in (("hidden", ""), ("public", ' stroke-dasharray="5 3"')):
        steps = _passing_steps(session, suite)
        if not steps:
            continue
        points, last = [f"0,{STEP_H}"], float(STEP_H)
        for elapsed, passing in steps:
            x = round(STEP_W * min(elapsed / end, 1.0), 1)
            y = round(STEP_H - STEP_H * passing / top, 1)
            points += [f"{x},{last}", f"{x},{y}"]
            last = y
        points.append(f"{STEP_W},{last}")
        lines.append(
            f'<polyline fill="none" stroke="#176f2c" stroke-width="2"{dash} points="{" ".join(points)}">'
            f"<title>{suite} checks passing</title></polyline>"
        )
    minutes = session.duration_s / 60
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{STEP_W + 10}" height="{STEP_H + 30}" '
        f'viewBox="-5 -5 {STEP_W + 10} {STEP_H + 30}"><title>checks passing during the session</title>'
        f'<line x1="0" y1="{STEP_H}" x2="{STEP_W}" y2="{STEP_H}" stroke="#888"/>{"".join(lines)}'
        f'<text x="0" y="{STEP_H + 18}">0 min</text>'
        f'<text x="{STEP_W}" y="{STEP_H + 18}" text-anchor="end">{minutes:.0f} min</text></svg>'
    )


def _session(card: Scorecard, session: LiveSession) -> str:
    hints = "".join(
        f"<li>{escaped(h.released_at)}: {escaped(h.text)} <small>(cost {h.cost:g} points)</small></li>"
        for h in session.hints
    )
    notes = "".join(f"<li>{escaped(n.at)}: {escaped(n.text)}</li>" for n in session.notes)
    changes = "".join(
        f"<tr><td>{e.elapsed_s / 60:.1f} min</td><td>{escaped(e.suite)}</td><td>{escaped(e.check)}</td>"
        f'<td class="{escaped(e.status)}">{escaped(e.status)}</td></tr>'
        for e in session.timeline
    )
    return (
        f"<p><b>Final {_percent(session.final_percent)}</b>: checks {_percent(session.automatic_percent)} "
        f"(after {session.hint_cost:g} points of hints) and manual items {_percent(session.manual_percent)}, "
        f"weighed {100 - session.manual_weight_percent:g} / {session.manual_weight_percent:g}.</p>"
        f'<p class="meta">session {escaped(session.started_at)} to {escaped(session.finished_at)} '
        f"({session.duration_s / 60:.0f} of {session.budget_s / 60:.0f} minutes)</p>"
        f"<h3>Hints released</h3>" + (f"<ul>{hints}</ul>" if hints else "<p>none</p>")
        + "<h3>Interviewer's notes</h3>" + (f"<ul>{notes}</ul>" if notes else "<p>none</p>")
        + f"<h3>Timeline</h3>{timeline_chart(session, len(card.checks))}"
        + "<table><tr><th>when</th><th>suite</th><th>check</th><th>status</th></tr>" + changes + "</table>"
    )  # fmt: skip


def _manual(card: Scorecard) -> str:
    if not card.manual:
        return ""
    rows = "".join(
        f"<tr><td>{escaped(m.title)}</td><td>{'not scored' if m.score is None else f'{m.score} / 3'}</td>"
        f"<td>{escaped(m.anchors.get(str(m.score), '')) if m.score is not None else ''}</td></tr>"
        for m in card.manual
    )
    return f"<h3>Manual items</h3><table><tr><th>item</th><th>score</th><th>observed</th></tr>{rows}</table>"


def _section(card: Scorecard) -> str:
    checks = "".join(
        f"<tr><td>{escaped(c.title)}</td><td class=\"{escaped(c.status)}\">{escaped(markdown.result_label(c))}</td>"
        f"<td>{c.points:g} / {c.max_points:g}</td><td>{escaped(c.feedback)}"
        + (f"<br><small>{escaped(c.detail)}</small>" if c.detail else "")
        + "</td></tr>"
        for c in card.checks
    )  # fmt: skip
    flags = "".join(f"<li><b>{escaped(f.kind)}</b>: {escaped(f.detail)}</li>" for f in card.flags)
    return (
        f"<section><h2>{escaped(card.exercise.title)}: {card.total.points:g} / {card.total.max_points:g} "
        f"({_percent(card.total.percent)})</h2>"
        f'<p class="meta">maturity {card.maturity_level} ({escaped(card.maturity_title)}) · backend '
        f"{escaped(card.backend)} · submission sha256 {escaped(card.submission.sha256[:12])}</p>"
        + (_session(card, card.session) if card.session else "")
        + f"<h3>Criteria</h3>{criteria_chart(card)}{_manual(card)}"
        + "<h3>Checks</h3><table><tr><th>check</th><th>result</th><th>points</th><th>evidence</th></tr>"
        + f"{checks}</table>"
        + (f"<h3>Flags</h3><ul>{flags}</ul>" if flags else "")
        + "</section>"
    )  # fmt: skip


def render(cards: list[Scorecard]) -> str:
    """One page for one candidate's scorecards (one exercise, or several: an assessment)."""
    title = " + ".join(card.exercise.title for card in cards)
    overview = ""
    if len(cards) > 1:
        rows = "".join(
            f"<tr><td>{escaped(c.exercise.title)}</td><td>{_percent(overall(c))}</td><td>{c.maturity_level}</td></tr>"
            for c in cards
        )
        overview = f"<h2>Assessment</h2><table><tr><th>exercise</th><th>score</th><th>maturity</th></tr>{rows}</table>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>Candidate packet: {escaped(title)}</title><style>{STYLE}{PACKET_STYLE}</style></head><body>"
        f"<h1>Candidate packet</h1>{overview}{''.join(_section(card) for card in cards)}</body></html>\n"
    )


def write(card: Scorecard, folder: Path) -> list[Path]:
    """scorecard.json and packet.html of one scorecard into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    jsonfile.write(card, folder / "scorecard.json")
    write_atomic(folder / PAGE, render([card]))
    return [folder / "scorecard.json", folder / PAGE]
