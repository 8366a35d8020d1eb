"""Author tool: regenerate the starter's logged production traffic (traffic/*.jsonl).

Four months of requests and the answers the starter's model gave them. On 2026-08-12 the upstream
loan system started sending `loan_amount` in cents; nothing else changed. Run from the starter
folder after `python train.py`: python ../tools/make_traffic.py
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import joblib
import numpy as np

import datagen
from features import matrix

SEED = 20260601
PER_DAY = 16
START = datetime(2026, 6, 1, tzinfo=timezone.utc)
END = datetime(2026, 10, 1, tzinfo=timezone.utc)
UNIT_CHANGE = datetime(2026, 8, 12, 14, 0, tzinfo=timezone.utc)
THRESHOLD = 0.25


def main() -> None:
    rng = np.random.default_rng(SEED)
    model = joblib.load("model/model.joblib")
    days = (END - START).days
    lines: dict[str, list[str]] = {}
    for day in range(days):
        columns = datagen.applicants(PER_DAY, rng)
        seconds = np.sort(rng.integers(0, 86_400, PER_DAY))
        for n, application in enumerate(datagen.records(columns)):
            at = START + timedelta(days=day, seconds=int(seconds[n]))
            if at >= UNIT_CHANGE:
                application["loan_amount"] = round(application["loan_amount"] * 100)
            probability = float(model.predict_proba(matrix([application]))[0, 1])
            response = {"default_probability": round(probability, 6),
                        "decision": "approve" if probability < THRESHOLD else "decline"}
            record = {"ts": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "request": application, "response": response}
            lines.setdefault(at.strftime("%Y-%m"), []).append(json.dumps(record))
    Path("traffic").mkdir(exist_ok=True)
    for month, month_lines in lines.items():
        Path(f"traffic/{month}.jsonl").write_text("\n".join(month_lines) + "\n")


if __name__ == "__main__":
    main()
