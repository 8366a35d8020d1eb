"""Simulated customer warehouse: the upstream source that `fetch_data.py` extracts from.

The warehouse itself is deterministic for a given extract seed. What changes from one fetch
to the next is the late-arriving correction noise the extract job layers on top of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURE_COLUMNS = [
    "tenure_months",
    "monthly_charges",
    "support_tickets",
    "contract_type",
    "num_products",
    "days_since_login",
    "payment_failures",
    "age",
    "discount_pct",
]
LABEL_COLUMN = "churned"


def extract(n_rows: int, seed: int, noise_seed: int | None = None) -> pd.DataFrame:
    """Return `n_rows` customers with their churn label.

    `seed` fixes the customers; `noise_seed` fixes the correction noise (None: fresh noise).
    """
    rng = np.random.default_rng(seed)
    tenure = rng.gamma(2.0, 14.0, n_rows).clip(1, 120).round()
    contract = rng.choice([0, 1, 2], n_rows, p=[0.55, 0.25, 0.20])
    products = rng.poisson(1.6, n_rows) + 1
    charges = (25 + 18 * products + rng.normal(0, 12, n_rows)).clip(15, 180).round(2)
    tickets = rng.poisson(1.2, n_rows)
    login = rng.exponential(9.0, n_rows).round()
    failures = rng.binomial(4, 0.08, n_rows)
    age = rng.integers(18, 80, n_rows)
    discount = rng.choice([0, 5, 10, 15, 20], n_rows, p=[0.5, 0.2, 0.15, 0.1, 0.05])

    logit = (
        -1.2
        - 0.035 * tenure
        - 0.9 * contract
        + 0.018 * charges
        + 0.35 * tickets
        + 0.045 * login
        + 0.55 * failures
        - 0.04 * discount
        - 0.25 * products
        + 0.006 * np.abs(age - 45)
    )
    churned = rng.random(n_rows) < 1 / (1 + np.exp(-logit))

    frame = pd.DataFrame(
        {
            "customer_id": np.arange(100_000, 100_000 + n_rows),
            "tenure_months": tenure.astype(int),
            "monthly_charges": charges,
            "support_tickets": tickets,
            "contract_type": contract,
            "num_products": products,
            "days_since_login": login.astype(int),
            "payment_failures": failures,
            "age": age,
            "discount_pct": discount,
            LABEL_COLUMN: churned.astype(int),
        }
    )
    return _apply_corrections(frame, np.random.default_rng(noise_seed))


def _apply_corrections(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Late-arriving billing corrections and login back-fills, different on every extract."""
    frame = frame.copy()
    n_rows = len(frame)
    corrected = rng.random(n_rows) < 0.15
    frame.loc[corrected, "monthly_charges"] = (
        frame.loc[corrected, "monthly_charges"] + rng.normal(0, 3, corrected.sum())
    ).round(2)
    backfilled = rng.random(n_rows) < 0.10
    frame.loc[backfilled, "days_since_login"] = rng.integers(0, 30, backfilled.sum())
    return frame
