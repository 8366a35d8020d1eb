"""The kit's reference churn service: a baseline for timing checks, measured in the same grading.

It runs from a copy of the exercise's starter, in the kit's image, under the candidate's limits,
and does what a sound submission does per request: parse, encode, one predict_proba on a model
loaded once at start-up.
"""

import os
from typing import Any

import joblib
import numpy as np
import uvicorn
from fastapi import FastAPI
from features import encode

model = joblib.load("model/churn.joblib")
app = FastAPI()


@app.post("/predict")
def predict(payload: dict[str, Any]) -> dict[str, Any]:
    probabilities = model.predict_proba(np.array([encode(row) for row in payload["instances"]]))[:, 1]
    return {"predictions": [{"churn": bool(p >= 0.5), "probability": float(p)} for p in probabilities]}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
