"""Drift detection and alerting, observed only through the webhook the service posts to."""

from __future__ import annotations

from conftest import DriftRun
from live import Live, assert_countable, named, payload

from harness.grading import Grading, SinkMessage

PAYLOAD_NUMBERS = ("value", "threshold")
PAYLOAD_TEXTS = ("alert", "feature", "statistic")
#: The drift run's phases in which the abrupt feature is shifted.
SHIFTED = ("abrupt", "shifted_again", "lasting")


def test_drift_detected(grading: Grading, drift_run: DriftRun, gradual_run: Live) -> None:
    abrupt, gradual = grading.params["abrupt"]["feature"], grading.params["gradual"]["feature"]
    phases = drift_run.live.phases
    if abrupt in named([m for name in SHIFTED for m in phases[name].alerts]):
        return
    if gradual in named(gradual_run.phases["ramp"].alerts):
        return
    assert_countable(drift_run.live)
    assert_countable(gradual_run)
    raise AssertionError(
        f"no alert named {abrupt} while it was shifted, nor {gradual} while it drifted: the detector never fired"
    )


def test_no_false_alarm(grading: Grading, drift_run: DriftRun) -> None:
    assert not drift_run.clean.alerts, (
        f"{len(drift_run.clean.alerts)} alert(s) during {len(drift_run.clean.answers)} requests drawn from the "
        f"training distribution (features named: {', '.join(sorted(set(named(drift_run.clean.alerts)))) or 'none'})"
    )
    assert_countable(drift_run.live)


def test_abrupt_shift_detected(grading: Grading, drift_run: DriftRun) -> None:
    abrupt = grading.params["abrupt"]
    feature, deadline = abrupt["feature"], abrupt["deadline_requests"]
    alerts = drift_run.live.phases["abrupt"].alerts
    names = named(alerts)
    assert feature in names, f"no alert naming {feature} within {deadline} requests after it shifted"
    wrong = sorted(set(names) - {feature})
    assert not wrong, f"the alerts also named untouched features: {', '.join(wrong)}"
    assert_countable(drift_run.live)


def test_gradual_drift_detected(grading: Grading, gradual_run: Live) -> None:
    gradual = grading.params["gradual"]
    feature = gradual["feature"]
    early = named(gradual_run.phases["lead_in"].alerts)
    assert not early, f"alerts before the drift began (naming {', '.join(sorted(set(early)))})"
    assert_countable(gradual_run)
    due = int(gradual["crossing"] * gradual["ramp_requests"]) + gradual["deadline_requests"]
    assert feature in named(gradual_run.phases["ramp"].alerts), (
        f"no alert naming {feature} within {gradual['deadline_requests']} requests after its drift crossed "
        f"the threshold ({due} requests into the ramp)"
    )


def test_alerts_deduplicated(grading: Grading, drift_run: DriftRun) -> None:
    limits, feature = grading.params["episode"], grading.params["abrupt"]["feature"]
    phases = drift_run.live.phases
    episode = phases["shifted_again"].alerts + phases["lasting"].alerts
    sent = len(phases["shifted_again"].answers) + len(phases["lasting"].answers)
    assert episode, "no alert during the lasting shift, so nothing to deduplicate"
    about = named(episode).count(feature)
    assert about <= limits["max_per_feature"], (
        f"{about} alerts about {feature} for one lasting shift of {sent} requests"
    )
    assert len(episode) <= limits["max_total"], (
        f"{len(episode)} alerts for one drift episode (at most {limits['max_total']})"
    )
    assert_countable(drift_run.live)


def test_alert_rearmed(grading: Grading, drift_run: DriftRun) -> None:
    """Once a shifted field is back to normal, its episode is over: the next shift alerts again."""
    feature, deadline = grading.params["abrupt"]["feature"], grading.params["abrupt"]["deadline_requests"]
    recovery = grading.params["episode"]["recovery_requests"]
    phases = drift_run.live.phases
    assert_countable(drift_run.live)
    assert feature in named(phases["abrupt"].alerts + phases["recovery"].alerts), (
        f"the first shift of {feature} raised no alert naming it, so alerting again after it could not be seen"
    )
    assert feature in named(phases["shifted_again"].alerts), (
        f"{feature} shifted again after {recovery} requests of normal traffic, and no alert named it within "
        f"{deadline} requests: the first episode never closed (alert again once the field has recovered)"
    )


def _payload_problems(message: SinkMessage, features: set[str]) -> list[str]:
    """What is wrong with one alert's payload (the first thing; none when it follows the format)."""
    if not message.headers.get("content-type", "").startswith("application/json"):
        return ["is not sent as application/json"]
    data = payload(message)
    if data is None:
        return ["is not a JSON object"]
    missing = [k for k in PAYLOAD_TEXTS if not isinstance(data.get(k), str)]
    missing += [k for k in PAYLOAD_NUMBERS if isinstance(data.get(k), bool) or not isinstance(data.get(k), int | float)]
    if missing:
        return [f"lacks or mistypes {', '.join(missing)}"]
    if data["feature"] not in features:
        return [f"names '{str(data['feature'])[:40]}', which is not an input field"]
    return []


def test_alert_payload(grading: Grading, drift_run: DriftRun, gradual_run: Live, unit_run: Live) -> None:
    alerts = drift_run.live.all_alerts() + gradual_run.all_alerts() + unit_run.all_alerts()
    assert alerts, "the webhook in $ALERT_WEBHOOK_URL received nothing in any replay"
    features = set(grading.params["features"])
    problems = [problem for message in alerts for problem in _payload_problems(message, features)]
    assert not problems, (
        f"{len(problems)} of {len(alerts)} alerts do not follow the documented payload: one {problems[0]}"
    )
