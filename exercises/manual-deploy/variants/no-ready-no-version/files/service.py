"""The churn scoring API: health, readiness, version and validated predictions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from features import encode
from model_store import ModelStore
from schema import PredictRequest, PredictResponse, Prediction
from settings import Settings

THRESHOLD = 0.5


def create_app(settings: Settings) -> FastAPI:
    store = ModelStore(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store.start()
        yield
        store.stop()

    app = FastAPI(title="churn scorer", lifespan=lifespan)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Name the field and the problem; never echo the input (NaN is not even valid JSON to send back).
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "alive"}

    @app.post("/predict", response_model=PredictResponse)
    def predict(request: PredictRequest) -> PredictResponse:
        model = store.model
        if model is None:
            raise HTTPException(status_code=503, detail="model not loaded yet")
        if len(request.instances) > settings.max_instances:
            raise HTTPException(status_code=413, detail=f"at most {settings.max_instances} instances per request")
        rows = np.array([encode(customer.model_dump()) for customer in request.instances])
        probabilities = model.estimator.predict_proba(rows)[:, 1]
        predictions = [Prediction(churn=bool(p >= THRESHOLD), probability=float(p)) for p in probabilities]
        return PredictResponse(predictions=predictions, model_version=model.version)

    return app
