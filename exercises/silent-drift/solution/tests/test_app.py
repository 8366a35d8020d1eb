import json
import warnings
from pathlib import Path

import pytest

from app import Settings, create_app

with warnings.catch_warnings():
    # Starlette 1.10 prefers httpx2 for its test client; httpx is what the environment has.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

ROOT = Path(__file__).resolve().parents[1]
GOOD = {"age": 41, "income": 58000, "loan_amount": 12000, "loan_term_months": 36, "debt_to_income": 0.3,
        "credit_history_years": 9.5, "open_accounts": 5, "delinquencies_2y": 0}


@pytest.fixture
def client(monkeypatch):
    monkeypatch.chdir(ROOT)
    settings = Settings(ROOT / "model/model.joblib", ROOT / "config.yaml", None)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_scores_a_valid_application(client):
    answer = client.post("/score", json=GOOD)
    assert answer.status_code == 200
    assert answer.json()["decision"] in {"approve", "decline"}


@pytest.mark.parametrize("field, value", [("loan_amount", 1_200_000), ("age", 300), ("loan_term_months", 7)])
def test_refuses_out_of_range_values_naming_the_field(client, field, value):
    answer = client.post("/score", json=GOOD | {field: value})
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == field


def test_refuses_a_body_that_is_not_json(client):
    answer = client.post("/score", content=b"{oops", headers={"Content-Type": "application/json"})
    assert answer.status_code == 422


def test_metrics_count_refusals(client):
    client.post("/score", json=GOOD | {"age": 300})
    text = client.get("/metrics").text
    assert 'creditrisk_invalid_requests_total{field="age"} 1.0' in text


def test_not_ready_without_a_model(monkeypatch):
    monkeypatch.chdir(ROOT)
    settings = Settings(ROOT / "model/missing.joblib", ROOT / "config.yaml", None)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").status_code == 200
        ready = client.get("/ready")
        assert ready.status_code == 503 and "missing.joblib" in json.dumps(ready.json())
        assert client.post("/score", json=GOOD).status_code == 503
