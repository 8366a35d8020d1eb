"""Run metadata: everything needed to tell how an artifact was produced."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from churn.config import TrainConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def code_version() -> str:
    """The git commit when there is one, else a digest of the pipeline's source files."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        if commit:
            return f"git:{commit}"
    except (OSError, subprocess.CalledProcessError):
        pass
    digest = hashlib.sha256()
    for path in sorted(PROJECT_ROOT.glob("churn/*.py")) + [PROJECT_ROOT / "train.py"]:
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return f"sha256:{digest.hexdigest()}"


def package_versions() -> dict[str, str]:
    """Every installed distribution, as `pip freeze` would list it."""
    return {dist.metadata["Name"].lower().replace("-", "_"): dist.version for dist in metadata.distributions()}


def build(config: TrainConfig, metrics: dict[str, Any], artifact: Path) -> dict[str, Any]:
    return {
        "seed": config.seed,
        "params": config.as_params(),
        "data_path": config.data_path.name,
        "data_sha256": f"sha256:{config.data_sha256}",
        "code_version": code_version(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "metrics": metrics,
        "model_sha256": f"sha256:{hashlib.sha256(artifact.read_bytes()).hexdigest()}",
    }


def write(path: Path, record: dict[str, Any]) -> None:
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
