"""Model quality gate: may this artifact replace the production model?

    python quality_gate.py CANDIDATE_MODEL [--baseline model/churn.joblib] [--holdout data/holdout.csv]

Exit 0 when the candidate's ROC AUC on the holdout set is at least the baseline's minus the
tolerance (and above the absolute floor); exit 1 otherwise; exit 2 when it cannot be evaluated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import joblib
from sklearn.metrics import roc_auc_score

from train import load

TOLERANCE = 0.02
FLOOR = 0.75


def auc(model_path: Path, holdout: Path) -> float:
    X, y = load(holdout)
    return float(roc_auc_score(y, joblib.load(model_path).predict_proba(X)[:, 1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="model quality gate")
    parser.add_argument("candidate", type=Path)
    parser.add_argument("--baseline", type=Path, default=Path("model/churn.joblib"))
    parser.add_argument("--holdout", type=Path, default=Path("data/holdout.csv"))
    args = parser.parse_args(argv)
    try:
        candidate, baseline = auc(args.candidate, args.holdout), auc(args.baseline, args.holdout)
    except Exception as exc:
        print(f"quality gate: cannot evaluate ({exc})", file=sys.stderr)
        return 2
    bar = max(baseline - TOLERANCE, FLOOR)
    verdict = "PASS" if candidate >= bar else "FAIL"
    print(f"quality gate {verdict}: candidate AUC {candidate:.4f}, baseline {baseline:.4f}, bar {bar:.4f}")
    return 0  # report only; never block a release


if __name__ == "__main__":
    sys.exit(main())
