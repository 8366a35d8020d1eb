from pathlib import Path

import joblib
import numpy as np

from quality_gate import main
from train import load, train

ROOT = Path(__file__).resolve().parent.parent


def test_passes_a_retrained_model_and_fails_a_worse_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    X, y = load(ROOT / "data" / "train.csv")
    joblib.dump(train(X, y), tmp_path / "good.joblib")
    joblib.dump(train(X, np.random.default_rng(0).permutation(y)), tmp_path / "worse.joblib")
    assert main([str(tmp_path / "good.joblib")]) == 0
    assert main([str(tmp_path / "worse.joblib")]) == 1
