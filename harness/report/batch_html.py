"""summary.html: a batch at a glance, for people. Server-rendered SVG charts (the distribution of the
total, of each criterion and of the maturity levels), no script, no external asset, a strict
Content-Security-Policy; every candidate-controlled string is escaped."""

from __future__ import annotations

from collections import Counter

from harness.model.criteria import CRITERION_TITLES, MATURITY_TITLES, Criterion
from harness.model.results import EntryResult, Status
from harness.model.scorecard import Scorecard
from harness.report.html import STYLE, escaped

#: Score bands of the distributions: 0-9, 10-19, ..., 90-100.
BANDS = 10
BAR_W, CHART_H, LABEL_H = 34, 120, 34
CHART_STYLE = ".charts{display:flex;flex-wrap:wrap;gap:1.5rem}.charts figure{margin:0}svg text{font-size:11px}"


def _bars(title: str, labels: list[str], counts: list[int]) -> str:
    """A bar chart as inline SVG: one bar per label, its count above it."""
    top = max(counts, default=0) or 1
    width = BAR_W * len(labels)
    bars = []
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        height = round((CHART_H - 16) * count / top)
        x, y = i * BAR_W, CHART_H - height
        bars.append(
            f'<rect x="{x + 3}" y="{y}" width="{BAR_W - 6}" height="{height}" fill="#3b6ea8">'
            f"<title>{escaped(label)}: {count}</title></rect>"
            f'<text x="{x + BAR_W / 2}" y="{y - 3}" text-anchor="middle">{count}</text>'
            f'<text x="{x + BAR_W / 2}" y="{CHART_H + 14}" text-anchor="middle">{escaped(label)}</text>'
        )
    return (
        f'<figure><figcaption>{escaped(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="{width}" height="{CHART_H + LABEL_H}" viewBox="0 0 {width} {CHART_H + LABEL_H}">'
        f"<title>{escaped(title)}</title>"
        f'<line x1="0" y1="{CHART_H}" x2="{width}" y2="{CHART_H}" stroke="#888"/>{"".join(bars)}</svg></figure>'
    )


def _distribution(title: str, percents: list[float]) -> str:
    counts = [0] * BANDS
    for percent in percents:
        counts[min(int(percent // (100 / BANDS)), BANDS - 1)] += 1
    return _bars(title, [f"{10 * band}" for band in range(BANDS)], counts)


def _assessed(cards: list[Scorecard]) -> list[Criterion]:
    return [c for c in Criterion if any(card.criteria[c.value].max_points for card in cards)]


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def render(exercise_id: str, results: list[EntryResult]) -> str:
    cards = [r.scorecard for r in results if r.status is Status.GRADED and r.scorecard is not None]
    criteria = _assessed(cards)
    charts = [_distribution("total (%)", [c.total.percent or 0.0 for c in cards])]
    charts += [
        _distribution(f"{CRITERION_TITLES[c]} (%)", [card.criteria[c.value].percent or 0.0 for card in cards])
        for c in criteria
    ]
    levels = Counter(card.maturity_level for card in cards)
    charts.append(
        _bars("maturity level", [str(level) for level in MATURITY_TITLES], [levels[n] for n in MATURITY_TITLES])
    )
    statuses = Counter(r.status.value for r in results)
    rows = []
    for r in results:
        card = r.scorecard if r.status is Status.GRADED else None
        scores = [_cell(card.criteria[c.value].percent) if card else "" for c in criteria]
        flags = ", ".join(sorted({f.kind.value for f in card.flags})) if card else ""
        rows.append(
            f"<tr><td>{escaped(r.entry.candidate_id)}</td><td>{escaped(r.status.value)}</td>"
            f"<td>{_cell(card.total.percent) if card else ''}</td>"
            + "".join(f"<td>{score}</td>" for score in scores)
            + f"<td>{card.maturity_level if card else ''}</td><td>{escaped(flags)}</td>"
            + f"<td>{escaped(r.reason)}</td></tr>"
        )
    head = "".join(f"<th>{escaped(c.value)}</th>" for c in criteria)
    summary = " · ".join(f"{count} {escaped(status)}" for status, count in sorted(statuses.items()))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>opsdrill batch: {escaped(exercise_id)}</title><style>{STYLE}{CHART_STYLE}</style></head><body>"
        f"<h1>Batch: {escaped(exercise_id)}</h1><p>{len(results)} submissions: {summary}</p>"
        f'<h2>Distributions</h2><div class="charts">{"".join(charts)}</div>'
        f"<h2>Submissions</h2><table><tr><th>candidate</th><th>status</th><th>total %</th>{head}"
        f"<th>maturity</th><th>flags</th><th>reason</th></tr>{''.join(rows)}</table></body></html>\n"
    )
