"""Training configuration, read from one YAML file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: Where the snapshot is frozen; data.path in the config only documents it.
SNAPSHOT = Path(__file__).resolve().parent.parent / "data" / "churn-2026-10.csv"


@dataclass(frozen=True)
class TrainConfig:
    seed: int
    data_path: Path
    data_sha256: str
    test_size: float
    model_params: dict[str, Any] = field(default_factory=dict)

    def as_params(self) -> dict[str, Any]:
        return {"test_size": self.test_size, "model": dict(self.model_params)}


def load_config(path: Path) -> TrainConfig:
    raw = yaml.safe_load(path.read_text())
    return TrainConfig(
        seed=int(raw["seed"]),
        data_path=SNAPSHOT,
        data_sha256=str(raw["data"]["sha256"]).lower(),
        test_size=float(raw["split"]["test_size"]),
        model_params=dict(raw.get("model") or {}),
    )
