"""The credit-risk scoring service."""

import joblib
from fastapi import FastAPI, Request

from features import matrix

model = joblib.load("model/model.joblib")
THRESHOLD = 0.25

app = FastAPI(title="credit-risk scorer")


@app.post("/score")
async def score(request: Request):
    application = await request.json()
    print("scoring", application)
    probability = float(model.predict_proba(matrix([application]))[0, 1])
    decision = "approve" if probability < THRESHOLD else "decline"
    print("decision", decision, round(probability, 4))
    return {"default_probability": round(probability, 6), "decision": decision}
