"""The churn scoring API. Dana runs this on the prediction box (see DEPLOY.md)."""

import joblib
import uvicorn
from fastapi import FastAPI, Request

from features import encode

model = joblib.load("/home/dana/churn/model/churn.joblib")
app = FastAPI(title="churn scorer")


@app.post("/predict")
async def predict(request: Request):
    payload = await request.json()
    rows = [encode(instance) for instance in payload["instances"]]
    probabilities = model.predict_proba(rows)[:, 1]
    return {"predictions": [{"churn": bool(p >= 0.5), "probability": float(p)} for p in probabilities]}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=8000)
