"""Public self-checks for silent-drift: a weaker subset of the hidden checks, with hints.

Passing these does not guarantee full marks; failing one means a hidden check fails too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from exposition import Scrape
from live import Live, json_body, named, post_raw
from traffic import Traffic, scoring_requests

from harness.grading import Grading

EASY_SHIFT = 0.6
#: The public replay's seed (the hidden checks replay other traffic).
PUBLIC_SEED = 4242


@pytest.fixture(scope="module")
def traffic(grading: Grading) -> Traffic:
    return Traffic(grading.kit_module("starter/datagen.py"), PUBLIC_SEED)


@pytest.fixture(scope="module")
def live(grading: Grading) -> Iterator[Live]:
    service = Live(grading, "public")
    yield service
    service.stop()


def test_service_starts_and_scores(grading: Grading, live: Live, traffic: Traffic) -> None:
    assert live.up, "`python serve.py` did not answer on $PORT within the start timeout"
    answer = live.send(scoring_requests(traffic.clean(1)))[0]
    assert answer.status == 200, f"POST /score answered {answer.status or answer.error}"
    assert "default_probability" in answer.json(), "the answer must keep `default_probability`"


def test_metrics_parse(grading: Grading, live: Live) -> None:
    text = live.metrics_text()
    assert text is not None, "GET /metrics must answer 200 with Prometheus text"
    try:
        scrape = Scrape.parse(text)
    except ValueError as error:
        raise AssertionError(f"/metrics is not valid Prometheus text: {str(error)[:200]}") from None
    assert scrape.of_type("counter"), "/metrics has no counter (count the requests)"
    assert scrape.of_type("histogram"), "/metrics has no histogram (time the requests, record the scores)"


def test_bad_input_gets_a_4xx(grading: Grading, live: Live, traffic: Traffic) -> None:
    application = traffic.clean(1)[0]
    del application["income"]
    answer = live.send([post_raw(json_body(application))])[0]
    assert 400 <= answer.status < 500, f"an application without income got {answer.status or answer.error}, not a 4xx"
    assert b"income" in answer.body, "the 4xx should name the missing field"


def test_an_easy_shift_is_caught(grading: Grading, live: Live, traffic: Traffic) -> None:
    live.phase("public-clean", scoring_requests(traffic.clean(400)))
    live.phase("public-shift", scoring_requests(traffic.shifted(400, "debt_to_income", EASY_SHIFT)), alerts="expected")
    alerted = named(live.phases["public-shift"].alerts)
    assert "debt_to_income" in alerted, (
        "debt_to_income rose by 0.6 for 400 requests and no JSON alert with "
        '"feature": "debt_to_income" reached $ALERT_WEBHOOK_URL'
    )
