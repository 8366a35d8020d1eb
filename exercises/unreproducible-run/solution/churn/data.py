"""Load the training snapshot, refusing anything but the exact bytes the config names."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pandas as pd


class DataMismatchError(RuntimeError):
    """The data file is not the snapshot the config pins."""


def load_snapshot(path: Path, expected_sha256: str) -> pd.DataFrame:
    content = path.read_bytes()
    actual = hashlib.sha256(content).hexdigest()
    if actual != expected_sha256:
        raise DataMismatchError(
            f"data sha256 mismatch for {path}: config pins {expected_sha256}, file has {actual}. "
            "Restore the pinned snapshot, or freeze a new one and update data.sha256 in the config."
        )
    return pd.read_csv(io.BytesIO(content))
