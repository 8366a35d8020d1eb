import hashlib
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service import create_app
from settings import Settings

MODEL = Path(__file__).resolve().parent.parent / "model" / "churn.joblib"
CUSTOMER = {"tenure_months": 3, "monthly_charges": 99.5, "support_calls_90d": 4, "contract": "month_to_month"}


def settings(model: Path) -> Settings:
    return Settings(model_path=model, model_version="v-test", port=8000, max_instances=100, retry_load_s=0.05)


def ready_client(model: Path) -> TestClient:
    client = TestClient(create_app(settings(model)))
    client.__enter__()
    for _ in range(100):
        if client.get("/ready").status_code == 200:
            break
        time.sleep(0.02)
    return client


def test_predicts_and_reports_version() -> None:
    client = ready_client(MODEL)
    answer = client.post("/predict", json={"instances": [CUSTOMER, CUSTOMER | {"contract": "two_year"}]})
    assert answer.status_code == 200
    first, second = answer.json()["predictions"]
    assert first["probability"] > second["probability"]
    version = client.get("/version").json()
    assert version == {"model_version": "v-test", "model_sha256": hashlib.sha256(MODEL.read_bytes()).hexdigest()}


def test_not_ready_without_a_model(tmp_path: Path) -> None:
    with TestClient(create_app(settings(tmp_path / "missing.joblib"))) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 503
        assert client.post("/predict", json={"instances": [CUSTOMER]}).status_code == 503


@pytest.mark.parametrize(
    "body",
    [{"instances": []}, {"instances": [CUSTOMER | {"tenure_months": -1}]}, {"instances": [CUSTOMER | {"contract": "x"}]},
     {"rows": [CUSTOMER]}, {"instances": [{k: v for k, v in CUSTOMER.items() if k != "contract"}]}],
)
def test_malformed_input_is_a_4xx(body: dict) -> None:
    assert ready_client(MODEL).post("/predict", json=body).status_code == 422


def test_nan_is_a_422_not_a_crash() -> None:
    body = b'{"instances": [{"tenure_months": 3, "monthly_charges": NaN, "support_calls_90d": 1, "contract": "one_year"}]}'
    answer = ready_client(MODEL).post("/predict", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422 and answer.json()["detail"][0]["field"].endswith("monthly_charges")
