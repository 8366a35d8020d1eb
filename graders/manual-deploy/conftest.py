"""Scenarios shared by the manual-deploy hidden checks.

Each scenario runs the candidate's own image in a fresh sandbox (docker only: the local backend
skips these checks, with the reason), drives it through the trusted prober and keeps what came
back. The checks only read these records, so one container start serves several checks.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from churn import Artifact, Churn, probabilities
from contract import (
    DEFAULT_PORT,
    LOCAL_SKIP,
    Customer,
    answered_probabilities,
    first_prediction,
    predict_request,
    start,
)
from deploying import PRODUCTION, DeployRun, Fingerprints, Server, run_deploys
from timing import Drain, Load, measure_drain, measure_load

from harness.grading import CandidateBuild, Grading, HttpRequest, HttpResponse, Sandbox, Service, describe

GOLDEN_CHUNK = 100
CONFIGURED_PORT = 8765
MODELS = ".opsdrill/models"
#: When, after the first answer of a service started without its model, readiness is asked again.
#: With MODEL_PATH naming a missing file, /health and /ready are asked this many times, spread over
#: at least MISSING_MODEL_WINDOW_S and at least MISSING_MODEL_LOAD_FACTOR times what the image took to
#: serve its first prediction in this grading: time enough, on this machine now, to load a model
#: found elsewhere (a hard-coded path), so a slow machine does not hide one.
MISSING_MODEL_ROUNDS = 4
MISSING_MODEL_WINDOW_S = 6.0
MISSING_MODEL_LOAD_FACTOR = 2.0
#: What runs instead of the image's command to see its health check with nothing serving, and for
#: how long after that container's start the check is watched for a healthy status.
UNSERVED_COMMAND = ("sleep", "infinity")
UNSERVED_WINDOW_S = 10.0
#: Malformed requests: what is wrong, and the body.
MALFORMED: list[tuple[str, bytes]] = [
    ("a missing field", b'{"instances": [{"tenure_months": 3, "monthly_charges": 50.0, "contract": "one_year"}]}'),
    ("a number sent as text", b'{"instances": [{"tenure_months": "lots", "monthly_charges": 50.0, '
     b'"support_calls_90d": 1, "contract": "one_year"}]}'),
    ("a negative tenure", b'{"instances": [{"tenure_months": -4, "monthly_charges": 50.0, "support_calls_90d": 1, '
     b'"contract": "one_year"}]}'),
    ("an unknown contract type", b'{"instances": [{"tenure_months": 3, "monthly_charges": 50.0, '
     b'"support_calls_90d": 1, "contract": "lifetime"}]}'),
    ("NaN as a charge", b'{"instances": [{"tenure_months": 3, "monthly_charges": NaN, "support_calls_90d": 1, '
     b'"contract": "one_year"}]}'),
    ("instances that are not a list", b'{"instances": {"tenure_months": 3}}'),
    ("an instance that is not an object", b'{"instances": ["customer 42"]}'),
    ("no instances field", b'{"customers": []}'),
    ("a body that is not JSON", b"{not json"),
    ("an empty body", b""),
]  # fmt: skip


@pytest.fixture(scope="session")
def churn(grading: Grading) -> Churn:
    return Churn(grading.exercise_dir, grading.kit_module("starter/features.py"))


@pytest.fixture(scope="session")
def image(grading: Grading) -> CandidateBuild:
    """The candidate's image build; the check is skipped on backends that cannot build one."""
    if grading.context.backend != "docker":
        pytest.skip(LOCAL_SKIP)
    build = grading.context.backend_options.candidate
    if build is None:
        pytest.skip("the grading did not build the candidate's image")
    return build


def plant(box: Sandbox, name: str, artifact: Artifact) -> str:
    """Write a model into the sandbox; its absolute path as the candidate's containers see it."""
    box.write_file(f"{MODELS}/{name}", artifact.data)
    return box.path(f"{MODELS}/{name}")


def serving_problems(first: HttpResponse, timeout_s: float) -> list[str]:
    """None when the service answered a valid prediction, else what it did instead."""
    if first.status == 200:
        return []
    return [f"POST /predict never answered a valid request with 200 within {timeout_s:.0f}s (last: {describe(first)})"]


@dataclass
class DefaultRun:
    """The image as built: no model chosen by the platform, so it serves the production model."""

    #: Why the service is not serving (none once it answered a valid prediction).
    serving: list[str]
    golden_customers: list[Customer]
    #: From the container's start to its first valid prediction.
    serving_after_s: float = 0.0
    health: str | None = None
    #: The health check's status in a container of the image whose command was replaced by an idle
    #: process (None: that container did not run, so nothing was learned).
    health_unserved: str | None = None
    ready: HttpResponse | None = None
    golden: list[HttpResponse] = field(default_factory=list)
    version: HttpResponse | None = None
    malformed: list[HttpResponse] = field(default_factory=list)
    alive_after_malformed: HttpResponse | None = None
    load: Load | None = None
    drains: list[Drain] = field(default_factory=list)


def _wait_healthy(service: Service, deadline: float) -> str | None:
    """The service's health status once healthy, or when it stops or `deadline` (monotonic) passes."""
    status = service.health_status()
    while status != "healthy" and time.monotonic() < deadline and service.running():
        time.sleep(0.5)
        status = service.health_status()
    return status


@pytest.fixture(scope="session")
def default_run(grading: Grading, image: CandidateBuild, churn: Churn) -> DefaultRun | None:
    if not image.ok:
        return None
    params = grading.params
    timeout_s = float(params["start_timeout_s"])
    box = grading.sandbox("default")
    # Beside the service, the image with nothing serving: a health check that says healthy there
    # does not look at the service. Stopped before the load and drain measurements, so its probes
    # never weigh on them.
    unserved = start(box, image, DEFAULT_PORT, command=UNSERVED_COMMAND)
    started = time.monotonic()
    service = start(box, image, DEFAULT_PORT)
    try:
        customers = churn.customers(int(params["golden_customers"]), seed=int(params["seed"]))
        first = first_prediction(service, customers[:1], params)
        run = DefaultRun(serving_problems(first, timeout_s), customers, time.monotonic() - started)
        run.health = _wait_healthy(service, time.monotonic() + float(params["healthy_timeout_s"]))
        run.health_unserved = _wait_healthy(unserved, started + UNSERVED_WINDOW_S)
        unserved.stop(grace_s=0)
        chunks = [customers[i : i + GOLDEN_CHUNK] for i in range(0, len(customers), GOLDEN_CHUNK)]
        malformed = [
            HttpRequest("POST", "/predict", body, {"Content-Type": "application/json"}) for _, body in MALFORMED
        ]
        # One prober run, once a prediction was answered (the model is loaded): readiness, the golden
        # set, the version, the malformed requests, then one valid request.
        run.ready, *answers = service.send([
            HttpRequest("GET", "/ready"), *(predict_request(chunk) for chunk in chunks), HttpRequest("GET", "/version"),
            *malformed, predict_request(customers[:1]),
        ])  # fmt: skip
        run.golden = answers[: len(chunks)]
        run.version, *run.malformed, run.alive_after_malformed = answers[len(chunks) :]
        if not run.serving:
            run.load = measure_load(grading, service, churn)
            run.drains = measure_drain(grading, service, churn, lambda: start(box, image, DEFAULT_PORT))
        return run
    finally:
        service.stop()
        unserved.stop(grace_s=0)


def golden_problems(run: DefaultRun | None, churn: Churn, tolerance: float) -> list[str]:
    """None when the image, as built, serves the production model's predictions; else what is wrong."""
    if run is None:
        return ["the container did not run"]
    if run.serving:
        return run.serving
    expected = probabilities(churn.production, churn, run.golden_customers)
    got: list[float] = []
    for answer, first in zip(run.golden, range(0, len(expected), GOLDEN_CHUNK), strict=True):
        if answer.status != 200:
            return [f"/predict answered {describe(answer)} on valid customers"]
        values = answered_probabilities(answer.body, len(expected[first : first + GOLDEN_CHUNK]))
        if isinstance(values, str):
            return [values]
        got += values
    worst = max(range(len(got)), key=lambda i: abs(got[i] - expected[i]))
    if not abs(got[worst] - expected[worst]) <= tolerance:
        return [
            f"customer {run.golden_customers[worst]} got probability {got[worst]:.6f}; the production model says "
            f"{expected[worst]:.6f}"
        ]
    return []


@pytest.fixture(scope="session")
def golden(grading: Grading, default_run: DefaultRun | None, churn: Churn) -> list[str]:
    """Why the image, as built, does not serve the production model (none when it does)."""
    return golden_problems(default_run, churn, float(grading.params["probability_tolerance"]))


@dataclass
class ConfiguredRun:
    """The image with the platform's choice of port, model and version."""

    artifact: Artifact
    model_version: str
    customers: list[Customer]
    predictions: HttpResponse
    version: HttpResponse


@pytest.fixture(scope="session")
def configured_run(grading: Grading, image: CandidateBuild, churn: Churn) -> ConfiguredRun | None:
    if not image.ok:
        return None
    box = grading.sandbox("configured")
    artifact = churn.retrained()
    env = {"MODEL_PATH": plant(box, "configured.joblib", artifact), "MODEL_VERSION": f"cfg-{secrets.token_hex(3)}"}
    service = start(box, image, CONFIGURED_PORT, env)
    try:
        customers = churn.customers(60, seed=int(grading.params["seed"]) + 2)
        predictions = first_prediction(service, customers, grading.params)
        version = service.send([HttpRequest("GET", "/version")])[0]
        return ConfiguredRun(artifact, env["MODEL_VERSION"], customers, predictions, version)
    finally:
        service.stop()


@dataclass
class MissingModelRun:
    health: list[HttpResponse]
    ready: list[HttpResponse]
    alive: bool


@pytest.fixture(scope="session")
def missing_model_run(
    grading: Grading, image: CandidateBuild, default_run: DefaultRun | None
) -> MissingModelRun | None:
    if not image.ok:
        return None
    load_s = default_run.serving_after_s if default_run is not None and not default_run.serving else 0.0
    window_s = max(MISSING_MODEL_WINDOW_S, MISSING_MODEL_LOAD_FACTOR * load_s)
    box = grading.sandbox("missing-model")
    env = {"MODEL_PATH": box.path(f"{MODELS}/not-there.joblib"), "MODEL_VERSION": "missing"}
    service = start(box, image, DEFAULT_PORT, env)
    try:
        service.wait_until_ready("/health", float(grading.params["start_timeout_s"]))
        # The rounds in one prober run, spread over the window.
        first = time.monotonic() + 1.0
        offsets = [window_s * n / (MISSING_MODEL_ROUNDS - 1) for n in range(MISSING_MODEL_ROUNDS)]
        rounds = [
            HttpRequest("GET", path, not_before=first + offset) for offset in offsets for path in ("/health", "/ready")
        ]
        answers = service.send(rounds)
        return MissingModelRun(answers[0::2], answers[1::2], service.running())
    finally:
        service.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The deploy checks go last: their scenario runs in the background while the others run."""
    items.sort(key=lambda item: item.path.name == "test_deploy.py")


@pytest.fixture(scope="session", autouse=True)
def deploy_started(
    request: pytest.FixtureRequest, grading: Grading, churn: Churn
) -> Iterator[Future[DeployRun] | None]:
    """The deploy scenario (half of a grading's time, mostly waiting on containers), started at once
    in its own sandbox, beside the other scenarios; only in a session that has the deploy checks."""
    build = grading.context.backend_options.candidate
    wanted = any(item.path.name == "test_deploy.py" for item in request.session.items)
    if not wanted or grading.context.backend != "docker" or build is None or not build.ok:
        yield None
        return
    box = grading.sandbox("deploy")
    # Trained and fingerprinted here: the thread only waits on the sandbox.
    versions = {"v1": churn.retrained(), "v2": churn.retrained()}
    customers = churn.customers(20, seed=int(grading.params["seed"]) + 3)
    known = {**versions, PRODUCTION: churn.production}
    fingerprints = Fingerprints(customers, {k: probabilities(a, churn, customers) for k, a in known.items()})
    server = Server(box, lambda env: start(box, build, DEFAULT_PORT, env), fingerprints,
                    float(grading.params["start_timeout_s"]), float(grading.params["loading_timeout_s"]))  # fmt: skip
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="deploy-scenario") as pool:
        yield pool.submit(run_deploys, server, versions)


@pytest.fixture(scope="session")
def deploy_run(image: CandidateBuild, deploy_started: Future[DeployRun] | None) -> DeployRun | None:
    return deploy_started.result() if image.ok and deploy_started is not None else None
