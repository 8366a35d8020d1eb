"""silent-drift's exposition.py: reading /metrics and telling counters and histograms by how they move."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

BEFORE = """\
# HELP predictions_total Scored applications.
# TYPE predictions_total counter
predictions_total{outcome="approved"} 10.0
predictions_total{outcome="declined"} 4.0
# HELP predictions_created Scored applications.
# TYPE predictions_created gauge
predictions_created{outcome="approved"} 1.79e+09
# HELP score Predicted default probability.
# TYPE score histogram
score_bucket{le="0.5"} 3.0
score_bucket{le="+Inf"} 4.0
score_count 4.0
score_sum 1.2
# HELP latency_seconds Request latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 4.0
latency_seconds_bucket{le="+Inf"} 4.0
latency_seconds_count 4.0
latency_seconds_sum 0.08
# HELP model_info Model.
# TYPE model_info gauge
model_info{version="v3"} 1.0
"""

AFTER = (
    BEFORE.replace('"approved"} 10.0', '"approved"} 16.0')
    .replace("score_count 4.0", "score_count 10.0")
    .replace("score_sum 1.2", "score_sum 3.0")
    .replace("latency_seconds_count 4.0", "latency_seconds_count 10.0")
    .replace("latency_seconds_sum 0.08", "latency_seconds_sum 0.14")
    + '# HELP errors_total Errors.\n# TYPE errors_total counter\nerrors_total{kind="validation"} 2.0\n'
)
APPROVED = frozenset({("outcome", "approved")})


@pytest.fixture(scope="module")
def exposition(grader: Callable[[str, str], ModuleType]) -> ModuleType:
    return grader("silent-drift", "exposition")


def test_parse_keys_families_by_name_without_the_counter_suffix(exposition: ModuleType) -> None:
    scrape = exposition.Scrape.parse(BEFORE)
    assert {f.name for f in scrape.of_type("counter")} == {"predictions"}
    assert {f.name for f in scrape.of_type("histogram")} == {"score", "latency_seconds"}
    assert scrape.value("predictions", "predictions_total", APPROVED) == 10.0
    assert scrape.value("model_info", "model_info", frozenset({("version", "v3")})) == 1.0


def test_absent_samples_read_as_zero(exposition: ModuleType) -> None:
    scrape = exposition.Scrape.parse(BEFORE)
    assert scrape.value("predictions", "predictions_total", frozenset({("outcome", "referred")})) == 0.0
    assert scrape.value("predictions", "predictions_total") == 0.0, "a labelled family has no unlabelled sample"
    assert scrape.value("nothing", "nothing_total") == 0.0
    assert scrape.total("nothing", "_count") == 0.0


def test_total_sums_a_suffix_over_label_sets(exposition: ModuleType) -> None:
    scrape = exposition.Scrape.parse(BEFORE)
    assert scrape.total("predictions", "_total") == 14.0
    assert scrape.total("score", "_count") == 4.0
    assert scrape.total("score", "_bucket") == 7.0


@pytest.mark.parametrize("text", ["predictions_total{outcome=approved} 1\n", "score_count one\n", "{} 1\n"])
def test_invalid_exposition_text_raises_value_error(exposition: ModuleType, text: str) -> None:
    with pytest.raises(ValueError):
        exposition.Scrape.parse(text)


def test_counter_increases_per_child_including_new_ones(exposition: ModuleType) -> None:
    before, after = exposition.Scrape.parse(BEFORE), exposition.Scrape.parse(AFTER)
    assert exposition.counter_increases(before, after) == {
        ("predictions", APPROVED): 6.0,
        ("predictions", frozenset({("outcome", "declined")})): 0.0,
        ("errors", frozenset({("kind", "validation")})): 2.0,
    }


def test_histogram_growth_gives_added_observations_and_their_mean(exposition: ModuleType) -> None:
    before, after = exposition.Scrape.parse(BEFORE), exposition.Scrape.parse(AFTER)
    growth = exposition.histogram_growth(before, after)
    assert set(growth) == {"score", "latency_seconds"}
    assert growth["score"][0] == 6.0 and growth["score"][1] == pytest.approx(0.3)
    assert growth["latency_seconds"][0] == 6.0 and growth["latency_seconds"][1] == pytest.approx(0.01)
    assert exposition.histogram_growth(after, after)["score"] == (0.0, 0.0)


def test_canned_metrics_do_not_move(exposition: ModuleType) -> None:
    scrape = exposition.Scrape.parse(BEFORE)
    assert set(exposition.counter_increases(scrape, scrape).values()) == {0.0}
