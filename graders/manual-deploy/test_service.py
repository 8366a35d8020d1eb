"""The running service: readiness, golden predictions, validation, version, configuration, load, drain."""

from __future__ import annotations

import math
import re

from churn import Churn, answered_probabilities, probabilities
from conftest import (
    CONFIGURED_PORT,
    MALFORMED,
    ConfiguredRun,
    DefaultRun,
    MissingModelRun,
    require,
    status_text,
)

from harness.check.plugin import Grading
from harness.sandbox.base import CandidateBuild
from harness.sandbox.service import HttpResponse

#: Files whose text configures or runs the service (documentation may mention old paths).
CONFIG_FILES = ("*.py", "**/*.py", "Dockerfile*", "*.env", "*.sh", "**/*.sh", "*.yaml", "*.yml", "*.toml", "*.cfg")
HOME_PATH = re.compile(r"/home/[A-Za-z0-9_.-]+|(?<![\w.$])~/")


def _served(run: DefaultRun | None) -> DefaultRun:
    assert run is not None
    assert run.ready.status == 200, f"the container never became ready: /ready gave {status_text(run.ready)}"
    return run


def test_readiness_gates_on_model(
    image: CandidateBuild, default_run: DefaultRun | None, missing_model_run: MissingModelRun | None
) -> None:
    require(image)
    _served(default_run)
    run = missing_model_run
    assert run is not None
    assert run.alive, "with MODEL_PATH naming a missing file the process exited; stay up and report unready"
    assert all(a.status == 200 for a in run.health), (
        f"with no model loaded, /health answered {', '.join(status_text(a) for a in run.health)}; "
        "liveness is not readiness"
    )
    assert all(a.status == 503 for a in run.ready), (
        f"with no model loaded, /ready answered {', '.join(status_text(a) for a in run.ready)}; it must be 503"
    )


def test_golden_predictions(image: CandidateBuild, golden: str) -> None:
    require(image)
    assert not golden, golden


def test_malformed_input_4xx(image: CandidateBuild, default_run: DefaultRun | None) -> None:
    require(image)
    run = _served(default_run)
    for (what, _body), answer in zip(MALFORMED, run.malformed, strict=True):
        assert 400 <= answer.status < 500, f"{what} got {status_text(answer)}, not a 4xx"
    assert run.alive_after_malformed is not None and run.alive_after_malformed.status == 200, (
        f"after the malformed requests a valid one got {status_text(run.alive_after_malformed)}"
    )


def _version_problem(answer: HttpResponse | None, sha: str, version: str | None) -> str:
    """'' when /version names `version` (any, if None) and the artifact `sha`, else what is wrong."""
    if answer is None or answer.status != 200:
        return f"GET /version answered {status_text(answer)}"
    try:
        data = answer.json()
        reported = (str(data["model_version"]), str(data["model_sha256"]).lower())
    except (ValueError, KeyError, TypeError):
        return f"/version must be JSON with model_version and model_sha256; got {answer.body[:120]!r}"
    if reported[1] != sha:
        return f"/version reports sha256 {reported[1][:16]}; the artifact it serves is {sha[:16]}"
    if version is not None and reported[0] != version:
        return f"/version reports model_version {reported[0]!r}; MODEL_VERSION was {version!r}"
    return "" if reported[0].strip() else "/version reports an empty model_version"


def test_version_endpoint(
    image: CandidateBuild, default_run: DefaultRun | None, configured_run: ConfiguredRun | None, churn: Churn
) -> None:
    require(image)
    run = _served(default_run)
    problem = _version_problem(run.version, churn.production.sha256, None)
    assert not problem, f"as built: {problem}"
    assert configured_run is not None
    configured = _version_problem(configured_run.version, configured_run.artifact.sha256, configured_run.model_version)
    assert not configured, f"with MODEL_PATH and MODEL_VERSION set: {configured}"
    # The hash must name the model that answers, not just the file the variable points at.
    serves = _configured_problem(configured_run, churn)
    assert not serves, f"/version names MODEL_PATH's artifact, but {serves}"


def _configured_problem(run: ConfiguredRun | None, churn: Churn) -> str:
    """'' when the container started with PORT and MODEL_PATH serves that model on that port."""
    if run is None:
        return "the container did not run"
    if run.ready.status != 200:
        return f"started with PORT={CONFIGURED_PORT} and MODEL_PATH set, /ready there gave {status_text(run.ready)}"
    if run.predictions is None or run.predictions.status != 200:
        return f"/predict on $PORT answered {status_text(run.predictions)}"
    values = answered_probabilities(run.predictions.body, len(run.customers))
    if isinstance(values, str):
        return values
    expected = probabilities(run.artifact, churn, run.customers)
    if not all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(values, expected, strict=True)):
        return "the predictions are not those of the model MODEL_PATH names (is the path hard-coded?)"
    return ""


def test_config_from_env(
    grading: Grading, image: CandidateBuild, configured_run: ConfiguredRun | None, churn: Churn
) -> None:
    require(image)
    for pattern in CONFIG_FILES:
        for path in grading.submission_glob(pattern):
            text = (grading.submission_file(path) or b"").decode("utf-8", "replace")
            found = HOME_PATH.search(text)
            assert found is None, f"{path} still refers to a home directory ({found.group(0)}); configure it instead"
    problem = _configured_problem(configured_run, churn)
    assert not problem, problem


def test_load_p95(grading: Grading, image: CandidateBuild, default_run: DefaultRun | None) -> None:
    require(image)
    run = _served(default_run)
    failed = [a for a in run.load if a.status != 200]
    assert not failed, f"{len(failed)} of {len(run.load)} requests failed under load, e.g. {status_text(failed[0])}"
    times = sorted(a.elapsed_s for a in run.load)
    p95 = times[max(math.ceil(0.95 * len(times)) - 1, 0)]
    budget = float(grading.params["load"]["max_p95_s"])
    assert p95 <= budget, (
        f"p95 latency at concurrency {grading.params['load']['concurrency']} was {p95:.3f}s; budget {budget}s"
    )


def test_sigterm_drain(grading: Grading, image: CandidateBuild, default_run: DefaultRun | None) -> None:
    require(image)
    run = _served(default_run)
    assert not run.drain_problem, run.drain_problem
    assert run.stopped is not None
    assert not run.stopped.timed_out, (
        f"the container ignored SIGTERM and was killed after {grading.params['drain']['grace_s']}s "
        "(a shell-form CMD does that)"
    )
    failed = [a for a in run.drain if a.status != 200]
    assert not failed, (
        f"{len(failed)} of {len(run.drain)} requests in flight at SIGTERM got no answer, e.g. {status_text(failed[0])}"
    )
    in_flight = [a for a in run.drain if a.sent_at + a.elapsed_s > run.sigterm_at]
    assert in_flight, "the whole wave was answered before SIGTERM arrived, so draining could not be observed"
