"""Load the training snapshot: the exact bytes the config pins, in the shape the model expects."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pandas as pd

from churn.features import FEATURES, LABEL

COLUMNS = ["customer_id", *FEATURES, LABEL]
RANGES = {
    "tenure_months": (0, 240),
    "monthly_charges": (0.0, 500.0),
    "support_tickets": (0, 100),
    "contract_type": (0, 2),
    "num_products": (1, 20),
    "days_since_login": (0, 3650),
    "payment_failures": (0, 12),
    "age": (18, 110),
    "discount_pct": (0, 100),
    LABEL: (0, 1),
}
MIN_ROWS = 1000
CHURN_RATE = (0.1, 0.5)


class DataMismatchError(RuntimeError):
    """The data file is not the snapshot the config pins, or not a usable snapshot at all."""


def validate(frame: pd.DataFrame) -> None:
    if list(frame.columns) != COLUMNS:
        raise DataMismatchError(f"snapshot columns {list(frame.columns)} differ from {COLUMNS}")
    if len(frame) < MIN_ROWS or frame.isna().any().any() or not frame["customer_id"].is_unique:
        raise DataMismatchError("snapshot is too small, has missing values or repeats a customer")
    for column, (low, high) in RANGES.items():
        if not frame[column].between(low, high).all():
            raise DataMismatchError(f"snapshot column {column} leaves its range [{low}, {high}]")
    rate = frame[LABEL].mean()
    if not CHURN_RATE[0] <= rate <= CHURN_RATE[1]:
        raise DataMismatchError(f"snapshot churn rate {rate:.3f} is implausible")


def load_snapshot(path: Path, expected_sha256: str) -> pd.DataFrame:
    content = path.read_bytes()
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected_sha256:
        raise DataMismatchError(f"data sha256 mismatch for {path}: config pins {expected_sha256}, file has {actual}")
    frame = pd.read_csv(io.BytesIO(content))
    validate(frame)
    return frame
