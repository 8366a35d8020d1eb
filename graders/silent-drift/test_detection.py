"""Drift detection and alerting, observed only through the webhook the service posts to."""

from __future__ import annotations

from conftest import DriftRun
from live import Live, assert_countable, named, payload

from harness.grading import Grading, SinkMessage

PAYLOAD_NUMBERS = ("value", "threshold")
PAYLOAD_TEXTS = ("alert", "feature", "statistic")


def test_drift_detected(grading: Grading, drift_run: DriftRun, gradual_run: Live) -> None:
    abrupt, gradual = grading.params["abrupt"]["feature"], grading.params["gradual"]["feature"]
    phases = drift_run.live.phases
    if abrupt in named(phases["abrupt"].alerts + phases["abrupt_tail"].alerts):
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
    dedup, feature = grading.params["dedup"], grading.params["abrupt"]["feature"]
    phases = drift_run.live.phases
    episode = phases["abrupt"].alerts + phases["abrupt_tail"].alerts
    sent = len(phases["abrupt"].answers) + len(phases["abrupt_tail"].answers)
    assert episode, "no alert during the shift, so nothing to deduplicate"
    about = named(episode).count(feature)
    assert about <= dedup["max_per_feature"], f"{about} alerts about {feature} for one lasting shift of {sent} requests"
    assert len(episode) <= dedup["max_total"], (
        f"{len(episode)} alerts for one drift episode (at most {dedup['max_total']})"
    )
    assert_countable(drift_run.live)


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
