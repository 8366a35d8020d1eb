"""manual-deploy's contract.py: the /predict request the checks send, and how they read the answer."""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from harness.sandbox.service import HttpResponse

EXERCISE = Path(__file__).resolve().parents[2] / "exercises" / "manual-deploy"
CUSTOMERS = [
    {"tenure_months": 3, "monthly_charges": 50.0, "support_calls_90d": 1, "contract": "one_year"},
    {"tenure_months": 40, "monthly_charges": 99.5, "support_calls_90d": 7, "contract": "month_to_month"},
]


@pytest.fixture(scope="module")
def contract(grader: Callable[[str, str], ModuleType]) -> ModuleType:
    return grader("manual-deploy", "contract")


def _answer(*predictions: Any) -> bytes:
    return json.dumps({"predictions": list(predictions)}).encode()


def test_predict_request_follows_the_contract(contract: ModuleType) -> None:
    request = contract.predict_request(CUSTOMERS, timeout_s=3.0, repeat=5)
    assert (request.method, request.path) == ("POST", "/predict")
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {"instances": CUSTOMERS}
    assert (request.timeout_s, request.repeat) == (3.0, 5)
    assert request.max_body >= 4 * 1024 * 1024, "a 100-customer answer must not be cut short"


def test_valid_answers_give_their_probabilities(contract: ModuleType) -> None:
    body = _answer({"churn": False, "probability": 0.12}, {"churn": True, "probability": 0.5})
    assert contract.answered_probabilities(body, 2) == [0.12, 0.5]
    extra_fields = b'{"predictions": [{"churn": true, "probability": 0.93, "model": "v2"}], "version": "v2"}'
    assert contract.answered_probabilities(extra_fields, 1) == [0.93]


@pytest.mark.parametrize(
    "body",
    [b"", b"{not json", b"\xff\xfe", b"[]", b'{"prediction": []}', b'{"predictions": {"churn": true}}',
     b'{"predictions": [0.93]}', b'{"predictions": [{"churn": true}]}', b'{"predictions": [{"probability": 0.9}]}',
    ],
    ids=["empty", "not-json", "not-utf8", "a-list", "wrong-key", "not-a-list", "bare-number", "no-probability",
         "no-label"],
)  # fmt: skip
def test_malformed_answers_say_they_break_the_contract(contract: ModuleType, body: bytes) -> None:
    problem = contract.answered_probabilities(body, 1)
    assert isinstance(problem, str) and problem.startswith("the answer does not follow the contract (")


def test_one_prediction_per_instance(contract: ModuleType) -> None:
    body = _answer({"churn": False, "probability": 0.1})
    assert contract.answered_probabilities(body, 2) == "1 predictions for 2 instances"
    assert contract.answered_probabilities(_answer(), 1) == "0 predictions for 1 instances"


@pytest.mark.parametrize(
    "prediction",
    [{"churn": False, "probability": 0.5}, {"churn": True, "probability": 0.49}, {"churn": 1, "probability": 0.9},
     {"churn": "true", "probability": 0.9}],
)  # fmt: skip
def test_the_label_is_probability_at_least_a_half(contract: ModuleType, prediction: dict[str, Any]) -> None:
    body = _answer({"churn": False, "probability": 0.2}, prediction)
    assert contract.answered_probabilities(body, 2) == "`churn` must be `probability >= 0.5`"


@pytest.mark.parametrize(
    "body",
    [b'{"predictions": [{"churn": false, "probability": NaN}]}',
     b'{"predictions": [{"churn": true, "probability": Infinity}]}',
     b'{"predictions": [{"churn": true, "probability": 1.7}]}',
     b'{"predictions": [{"churn": false, "probability": -0.2}]}',
     b'{"predictions": [{"churn": true, "probability": null}]}',
     b'{"predictions": [{"churn": true, "probability": "0.9"}]}',
     b'{"predictions": [{"churn": true, "probability": true}]}'],
    ids=["nan", "infinity", "above-one", "negative", "null", "text", "boolean"],
)  # fmt: skip
def test_a_probability_must_be_a_finite_number_between_0_and_1(contract: ModuleType, body: bytes) -> None:
    assert contract.answered_probabilities(body, 1) == "every `probability` must be a JSON number between 0 and 1"


def test_an_image_answering_nan_does_not_serve_the_production_model(grader: Callable[[str, str], ModuleType]) -> None:
    checks = grader("manual-deploy", "conftest")
    spec = importlib.util.spec_from_file_location("kit_manual_deploy_features", EXERCISE / "starter" / "features.py")
    assert spec is not None and spec.loader is not None
    features = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(features)
    kit = checks.Churn(EXERCISE, features)
    customers = kit.customers(5, seed=3)
    right = checks.probabilities(kit.production, kit, customers)
    assert not any(math.isnan(p) for p in right)
    nan = _answer(*({"churn": False, "probability": math.nan} for _ in customers))
    run = SimpleNamespace(serving=[], golden_customers=customers, golden=[HttpResponse(200, nan)])
    assert checks.golden_problems(run, kit, 1e-4) != []
