#!/usr/bin/env bash
# Train twice from different folders and hash seeds; the artifacts must be identical.
set -euo pipefail
work="$(mktemp -d)"
PYTHONHASHSEED=1 python train.py --config config.yaml --out "$work/a"
(cd "$work" && PYTHONHASHSEED=2 python "$OLDPWD/train.py" --config "$OLDPWD/config.yaml" --out "$work/b")
cmp "$work/a/model.joblib" "$work/b/model.joblib"
cmp "$work/a/metrics.json" "$work/b/metrics.json"
