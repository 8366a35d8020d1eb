"""Service configuration, read from the environment once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    model_path: Path
    model_version: str
    port: int
    max_instances: int
    retry_load_s: float

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            model_path=Path("/home/dana/churn/model/churn.joblib"),
            model_version=os.environ.get("MODEL_VERSION", "unversioned"),
            port=int(os.environ.get("PORT", "8000")),
            max_instances=int(os.environ.get("MAX_INSTANCES", "10000")),
            retry_load_s=float(os.environ.get("MODEL_RETRY_S", "2")),
        )
