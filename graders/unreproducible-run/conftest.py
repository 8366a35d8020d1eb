"""Session-scoped training runs shared by the unreproducible-run hidden checks.

Every run trains in its own fresh sandbox; checks compare what the runs left behind. A fixture is
only built when a check that uses it runs, so checks blocked by their prerequisites train nothing.
"""

from __future__ import annotations

from types import ModuleType

import pytest
from customers import unseen
from runs import TrainingRun, holdout_auc, train

from harness.grading import Grading


@pytest.fixture(scope="session")
def warehouse(grading: Grading) -> ModuleType:
    return grading.kit_module("starter/warehouse.py")


@pytest.fixture(scope="session")
def first_run(grading: Grading) -> TrainingRun:
    return train(grading, "first", {"PYTHONHASHSEED": "11", "TZ": "UTC", "LC_ALL": "C.UTF-8"})


@pytest.fixture(scope="session")
def second_run(grading: Grading, first_run: TrainingRun) -> TrainingRun:
    # Different hash seed, time zone and locale, a different folder, and a later clock.
    return train(grading, "second-elsewhere", {"PYTHONHASHSEED": "4242", "TZ": "Pacific/Auckland", "LC_ALL": "C"})


@pytest.fixture(scope="session")
def first_run_auc(grading: Grading, first_run: TrainingRun, warehouse: ModuleType) -> float | str:
    """The first run's ROC AUC on unseen customers, or why it could not be measured (the quality
    checks share one scoring and each reports the reason)."""
    if not first_run.produced:
        return first_run.explain()
    params = grading.params
    customers = unseen(warehouse, int(params["holdout_rows"]), int(params["holdout_seed"]))
    try:
        return holdout_auc(first_run, customers, float(params["train_timeout_s"]))
    except AssertionError as reason:
        return str(reason)
