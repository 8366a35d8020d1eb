"""Reading a service's /metrics: Prometheus text parsed by prometheus-client's own parser, and
metrics recognised by how they behave, whatever the candidate named them."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Scrape:
    families: dict[str, Metric]

    @classmethod
    def parse(cls, text: str) -> Scrape:
        """ValueError if `text` is not valid exposition text."""
        return cls({family.name: family for family in text_string_to_metric_families(text)})

    def of_type(self, kind: str) -> list[Metric]:
        return [f for f in self.families.values() if f.type == kind]

    def value(self, family: str, sample: str, labels: frozenset[tuple[str, str]] = frozenset()) -> float:
        """A sample's value, 0 when absent (a labelled child not created yet)."""
        metric = self.families.get(family)
        if metric is None:
            return 0.0
        return sum(s.value for s in metric.samples if s.name == sample and frozenset(s.labels.items()) == labels)

    def total(self, family: str, suffix: str) -> float:
        """Sum of a family's samples named family+suffix over all label sets."""
        metric = self.families.get(family)
        return 0.0 if metric is None else sum(s.value for s in metric.samples if s.name == family + suffix)


def counter_increases(before: Scrape, after: Scrape) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """How much each counter child rose between two scrapes."""
    rises = {}
    for family in after.of_type("counter"):
        for sample in family.samples:
            if sample.name == family.name + "_total":
                labels = frozenset(sample.labels.items())
                rises[(family.name, labels)] = sample.value - before.value(family.name, sample.name, labels)
    return rises


def histogram_growth(before: Scrape, after: Scrape) -> dict[str, tuple[float, float]]:
    """Per histogram family: (observations added, mean of the added observations)."""
    growth = {}
    for family in after.of_type("histogram"):
        count = after.total(family.name, "_count") - before.total(family.name, "_count")
        total = after.total(family.name, "_sum") - before.total(family.name, "_sum")
        growth[family.name] = (count, total / count if count > 0 else 0.0)
    return growth
