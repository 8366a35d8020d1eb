"""The service's contract as the brief states it, for the public checks and the hidden ones:
customers to send, the /predict request, what a valid answer is, how a service is started and
waited for. Nothing here is secret; the hidden checks' own scenarios live with the graders."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from typing import Any

from harness.grading import CandidateBuild, HttpRequest, HttpResponse, Sandbox, Service

Customer = dict[str, Any]
JSON_HEADERS = {"Content-Type": "application/json"}
DEFAULT_PORT = 8000
LOCAL_SKIP = (
    "needs the docker backend: the service runs from the candidate's own image, which only docker builds "
    "(docker is this exercise's authoritative backend)"
)
#: The public checks' waits (they run without the grader's params): for a first answer, and while
#: the service answers 503 (loading).
PUBLIC_TIMEOUTS = {"start_timeout_s": 90.0, "loading_timeout_s": 120.0}


def sample_customers(contracts: list[str], n: int, seed: int) -> list[Customer]:
    """Customers across the whole input space, edges included."""
    rng = random.Random(seed)
    edges: list[Customer] = [
        {"tenure_months": 0, "monthly_charges": 12.0, "support_calls_90d": 0, "contract": "month_to_month"},
        {"tenure_months": 120, "monthly_charges": 180.0, "support_calls_90d": 25, "contract": "two_year"},
        {"tenure_months": 1, "monthly_charges": 99.99, "support_calls_90d": 12, "contract": "one_year"},
    ]
    return edges + [
        {
            "tenure_months": rng.randint(0, 120),
            "monthly_charges": round(rng.uniform(12, 180), 2),
            "support_calls_90d": rng.randint(0, 25),
            "contract": rng.choice(contracts),
        }
        for _ in range(n - len(edges))
    ]


def predict_request(customers: list[Customer], *, timeout_s: float = 10.0, repeat: int = 1) -> HttpRequest:
    body = json.dumps({"instances": customers}).encode()
    return HttpRequest(
        "POST", "/predict", body, JSON_HEADERS, timeout_s=timeout_s, max_body=4 * 1024 * 1024, repeat=repeat
    )


def _is_probability(value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and 0.0 <= value <= 1.0


def answered_probabilities(body: bytes, expected: int) -> list[float] | str:
    """The probabilities of a /predict answer, or why it does not follow the contract."""
    try:
        predictions = json.loads(body)["predictions"]
        answered = [p["probability"] for p in predictions]
        labels = [p["churn"] for p in predictions]
    except (ValueError, KeyError, TypeError) as exc:
        return f"the answer does not follow the contract ({type(exc).__name__}: {exc})"
    if not all(_is_probability(value) for value in answered):
        return "every `probability` must be a JSON number between 0 and 1"
    values = [float(value) for value in answered]
    if len(values) != expected:
        return f"{len(values)} predictions for {expected} instances"
    if any(label is not (value >= 0.5) for label, value in zip(labels, values, strict=True)):
        return "`churn` must be `probability >= 0.5`"
    return values


def first_prediction(service: Service, customers: list[Customer], params: dict[str, Any]) -> HttpResponse:
    """The weakest proof that a service serves: a valid request answered 200 (polled while it starts:
    up to start_timeout_s without an answer, up to loading_timeout_s while it answers 503; the
    params' values, else PUBLIC_TIMEOUTS)."""
    timeouts = PUBLIC_TIMEOUTS | params
    timeout_s, loading_s = float(timeouts["start_timeout_s"]), float(timeouts["loading_timeout_s"])
    return service.poll(predict_request(customers), timeout_s, loading_s=loading_s)


def require(build: CandidateBuild) -> str:
    """The image's tag; the check fails (not errors) when the image did not build."""
    assert build.ok and build.image, f"the image did not build, so nothing could run: {build.detail}"
    return build.image


def start(
    box: Sandbox, build: CandidateBuild, port: int, env: dict[str, str] | None = None,
    command: Sequence[str] | None = None,
) -> Service:  # fmt: skip
    """A container of the candidate's image; `command` replaces its own (its health check still runs)."""
    return box.start_image_service(require(build), port=port, env=env, uid=build.uid, command=command)
