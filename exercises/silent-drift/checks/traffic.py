"""Seeded replays for silent-drift, drawn from the kit's copy of the applicant generator.

The generator is the exercise's own `starter/datagen.py`, loaded from the kit (never from the
submission), so a candidate who edits theirs changes nothing here.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import numpy as np

from harness.grading import HttpRequest

Application = dict[str, Any]


class Traffic:
    """Applications from the training population, and the ways production drifts away from it."""

    def __init__(self, datagen: ModuleType, seed: int) -> None:
        """`datagen`: the kit's `starter/datagen.py` (`grading.kit_module`)."""
        self._datagen = datagen
        self._rng = np.random.default_rng(seed)
        self.features: list[str] = list(self._datagen.FEATURES)

    def clean(self, n: int) -> list[Application]:
        records: list[Application] = self._datagen.records(self._datagen.applicants(n, self._rng))
        return records

    def shifted(self, n: int, feature: str, add: float) -> list[Application]:
        """An abrupt shift: `feature` moved by `add` from the first request on."""
        return [a | {feature: on_grid(feature, a[feature] + add)} for a in self.clean(n)]

    def ramp(self, n: int, feature: str, final_factor: float) -> list[Application]:
        """A gradual drift: `feature` scaled by a factor going linearly from 1 to `final_factor`."""
        return [
            a | {feature: on_grid(feature, a[feature] * (1 + (final_factor - 1) * i / n))}
            for i, a in enumerate(self.clean(n))
        ]

    def rescaled(self, n: int, feature: str, factor: float) -> list[Application]:
        """A unit change upstream: `feature` multiplied by `factor` (dollars to cents: 100)."""
        return [a | {feature: on_grid(feature, a[feature] * factor)} for a in self.clean(n)]


#: The generator's rounding of each decimal field, and its whole-number fields.
GRID = {"income": 100, "loan_amount": 10, "debt_to_income": 0.001, "credit_history_years": 0.1}
INTEGER_FIELDS = frozenset({"age", "loan_term_months", "open_accounts", "delinquencies_2y"})


def on_grid(feature: str, value: float) -> float | int:
    """`value` written as the generator writes `feature` (its rounding, its JSON type), so a
    drifted request differs from a clean one in its distribution only, never in its form."""
    if feature in INTEGER_FIELDS:
        return round(value)
    step = GRID[feature]
    return float(round(round(value / step) * step, 3))


def scoring_requests(applications: list[Application]) -> list[HttpRequest]:
    headers = {"Content-Type": "application/json"}
    return [HttpRequest("POST", "/score", json.dumps(a).encode(), headers) for a in applications]
