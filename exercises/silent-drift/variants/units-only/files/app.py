"""The credit-risk scoring service."""

import joblib
from fastapi import FastAPI

from features import matrix
from schema import Application

model = joblib.load("model/model.joblib")
THRESHOLD = 0.25

app = FastAPI(title="credit-risk scorer")


@app.post("/score")
async def score(application: Application):
    print("scoring", application)
    probability = float(model.predict_proba(matrix([application.model_dump()]))[0, 1])
    decision = "approve" if probability < THRESHOLD else "decline"
    print("decision", decision, round(probability, 4))
    return {"default_probability": round(probability, 6), "decision": decision}
