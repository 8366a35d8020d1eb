"""The credit-risk scoring service: scores applications, watches its inputs, alerts on drift.

Environment: MODEL_PATH (default model/model.joblib), CONFIG_PATH (default config.yaml),
ALERT_WEBHOOK_URL (where alerts go; none: alerts are only logged and counted).
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import yaml
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from alerts import AlertSender
from drift import Alert, DriftMonitor, InvalidInputMonitor, load_reference
from features import matrix
from monitoring import Metrics
from schema import Application, Score

log = logging.getLogger("creditrisk")
PATHS = {"/score", "/health", "/ready", "/metrics"}


@dataclass(frozen=True)
class Settings:
    model_path: Path
    config_path: Path
    webhook_url: str | None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            model_path=Path(os.environ.get("MODEL_PATH", "model/model.joblib")),
            config_path=Path(os.environ.get("CONFIG_PATH", "config.yaml")),
            webhook_url=os.environ.get("ALERT_WEBHOOK_URL") or None,
        )


class Model:
    """The scoring model, or why there is none (the service then runs but is not ready)."""

    def __init__(self, path: Path) -> None:
        self.estimator: Any = None
        self.version = ""
        self.problem = ""
        try:
            self.version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            self.estimator = joblib.load(path)
        except Exception as error:  # any unloadable artifact means "not ready", never a crash loop
            self.problem = f"model {path} could not be loaded: {error}"
            log.error(self.problem)

    def probability(self, application: Application) -> float:
        return float(self.estimator.predict_proba(matrix([application.model_dump()]))[0, 1])


def _field(error: dict[str, Any]) -> str:
    location = error.get("loc", ())
    return str(location[1]) if len(location) > 1 and isinstance(location[1], str) else "body"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    config = yaml.safe_load(settings.config_path.read_text())
    drift_config, invalid_config = config["drift"], config["invalid_input"]
    approve_below = float(config["decision"]["approve_below"])
    metrics = Metrics()
    model = Model(settings.model_path)
    sender = AlertSender(settings.webhook_url, model_version=model.version, **config["alerts"])

    def raise_alert(alert: Alert) -> None:
        metrics.alerts.labels(alert.alert, alert.feature).inc()
        sender.send(alert)

    drift = DriftMonitor(
        load_reference(Path(drift_config["reference"]), drift_config["features"]),
        window=drift_config["window"], check_every=drift_config["check_every"],
        threshold=drift_config["threshold"], rearm_below=drift_config["rearm_below"],
        on_alert=raise_alert, on_score=lambda feature, value: metrics.drift.labels(feature).set(value),
    )  # fmt: skip
    invalid = InvalidInputMonitor(
        window=invalid_config["window"], max_rate=invalid_config["max_rate"],
        rearm_below=invalid_config["rearm_below"], on_alert=raise_alert,
    )  # fmt: skip

    app = FastAPI(title="credit-risk scorer", version=model.version or "unloaded")

    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        path = request.url.path if request.url.path in PATHS else "other"
        metrics.requests.labels(path, str(response.status_code)).inc()
        metrics.latency.labels(path).observe(time.perf_counter() - started)
        return response

    @app.exception_handler(RequestValidationError)
    async def reject(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [{"field": _field(e), "message": str(e.get("msg", "invalid"))} for e in error.errors()]
        fields = sorted({p["field"] for p in problems})
        for field in fields:
            metrics.invalid.labels(field).inc()
        if request.url.path == "/score":
            invalid.observe(fields)
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return JSONResponse(status_code=422, content={"error": f"invalid application ({summary})", "problems": problems})

    @app.post("/score")
    async def score(application: Application) -> Score:
        if model.estimator is None:
            raise HTTPException(status_code=503, detail="not ready: " + model.problem)
        probability = model.probability(application)
        decision = "approve" if probability < approve_below else "decline"
        metrics.scores.observe(probability)
        metrics.decisions.labels(decision).inc()
        drift.observe(application.model_dump())
        invalid.observe()
        return Score(default_probability=round(probability, 6), decision=decision, model_version=model.version)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready")
    async def ready() -> JSONResponse:
        if model.estimator is None:
            return JSONResponse(status_code=503, content={"status": "not ready", "reason": model.problem})
        return JSONResponse(content={"status": "ready", "model_version": model.version})

    @app.get("/metrics")
    async def metrics_text() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
