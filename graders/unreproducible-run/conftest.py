"""Session-scoped training runs shared by the unreproducible-run hidden checks.

Every run trains in its own fresh sandbox; checks compare what the runs left behind.
"""

from __future__ import annotations

import pytest
from runs import TrainingRun, train

from harness.check.plugin import Grading


@pytest.fixture(scope="session")
def first_run(grading: Grading) -> TrainingRun:
    return train(grading, "first", {"PYTHONHASHSEED": "11", "TZ": "UTC", "LC_ALL": "C.UTF-8"})


@pytest.fixture(scope="session")
def second_run(grading: Grading, first_run: TrainingRun) -> TrainingRun:
    # Different hash seed, time zone and locale, a different folder, and a later clock.
    return train(grading, "second-elsewhere", {"PYTHONHASHSEED": "4242", "TZ": "Pacific/Auckland", "LC_ALL": "C"})
