"""The upstream unit change (loan_amount in cents): refused, and raised with the on-call."""

from __future__ import annotations

from live import Live, assert_countable, named

from harness.grading import Grading

CLEAN_ACCEPTED = 0.99


def test_unit_change_rejected(grading: Grading, unit_run: Live) -> None:
    units = grading.params["unit_change"]
    feature = units["feature"]
    lead_in = unit_run.phases["lead_in"]
    assert lead_in.share(200, 200) >= CLEAN_ACCEPTED, "ordinary applications must still be scored (200)"
    changed = [a for name in ("changed", "changed_after") for a in unit_run.phases[name].answers]
    rejected = sum(400 <= a.status < 500 for a in changed) / max(len(changed), 1)
    assert rejected >= units["min_rejected_share"], (
        f"only {rejected:.0%} of applications with {feature} in cents were refused with a 4xx; the rest were "
        "scored as if they were dollars"
    )


def test_unit_change_alerted(grading: Grading, unit_run: Live) -> None:
    units = grading.params["unit_change"]
    feature = units["feature"]
    # An alert among alerts on normal traffic tells the on-call nothing: the lead-in must be quiet
    # (whether a noisy monitor happened to name this field before the change would be luck).
    early = sorted(set(named(unit_run.phases["lead_in"].alerts)))
    assert not early, f"alerts before {feature} changed (naming {', '.join(early)}): this one could not stand out"
    assert_countable(unit_run)
    assert feature in named(unit_run.phases["changed"].alerts), (
        f"no alert naming {feature} within {units['deadline_requests']} requests after it switched to cents"
    )
