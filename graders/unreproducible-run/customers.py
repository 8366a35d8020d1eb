"""Labelled customers the checks score models on, drawn from the kit's own warehouse (trusted).

`warehouse` is the kit's `starter/warehouse.py` (`grading.kit_module`), never the submission's copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pandas as pd

#: Draw this many times the rows wanted, so either class can fill any share of a reversed set.
POOL_FACTOR = 4


@dataclass
class Customers:
    """Customers with their labels; `name` keeps their files apart in a sandbox."""

    name: str
    frame: pd.DataFrame
    label: str
    feature_columns: list[str]


def unseen(warehouse: ModuleType, rows: int, seed: int) -> Customers:
    """New customers of the same warehouse the training snapshot came from."""
    frame = warehouse.extract(rows, seed=seed, noise_seed=0)
    return Customers("holdout", frame, warehouse.LABEL_COLUMN, list(warehouse.FEATURE_COLUMNS))


def reversed_churn(warehouse: ModuleType, like: pd.DataFrame, rows: int, seed: int, name: str) -> Customers:
    """`rows` warehouse customers in the same columns and churn rate as `like`, but labelled the other
    way round: the customers who stayed are the churners and the churners stayed.

    A model really trained on these learns the opposite pattern to one trained on `like`."""
    label = warehouse.LABEL_COLUMN
    pool = warehouse.extract(rows * POOL_FACTOR, seed=seed, noise_seed=seed)
    churners = round(rows * float(like[label].mean()))
    frame = pd.concat(
        [
            pool[pool[label] == 0].head(churners).assign(**{label: 1}),
            pool[pool[label] == 1].head(rows - churners).assign(**{label: 0}),
        ]
    ).sort_index()
    frame["customer_id"] = np.arange(100_000, 100_000 + rows)
    return Customers(name, frame[list(like.columns)].reset_index(drop=True), label, list(warehouse.FEATURE_COLUMNS))
