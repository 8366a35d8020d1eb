"""The running service: readiness, golden predictions, validation, version, configuration, load, drain.

Each check needs only what it measures: a service that answers predictions but lacks an endpoint
loses that endpoint's checks, never the others.
"""

from __future__ import annotations

import math
import re

from churn import Churn, probabilities
from conftest import CONFIGURED_PORT, MALFORMED, ConfiguredRun, DefaultRun, MissingModelRun
from contract import answered_probabilities, require
from timing import load_budget, p95

from harness.grading import CandidateBuild, Grading, HttpResponse, describe, expect_none

#: Files whose text configures or runs the service (documentation may mention old paths).
CONFIG_FILES = ("*.py", "**/*.py", "Dockerfile*", "*.env", "*.sh", "**/*.sh", "*.yaml", "*.yml", "*.toml", "*.cfg")
HOME_PATH = re.compile(r"/home/[A-Za-z0-9_.-]+|(?<![\w.$])~/")


def _serving(run: DefaultRun | None, what: str) -> DefaultRun:
    """The as-built run, when its service answered a valid prediction (what `what` needs)."""
    assert run is not None
    assert not run.serving, f"{'; '.join(run.serving)}, so {what} could not be measured"
    return run


def test_readiness_gates_on_model(
    image: CandidateBuild, default_run: DefaultRun | None, missing_model_run: MissingModelRun | None
) -> None:
    require(image)
    run = missing_model_run
    assert run is not None
    assert run.alive, "with MODEL_PATH naming a missing file the process exited; stay up and report unready"
    assert all(a.status == 200 for a in run.health), (
        f"with no model loaded, /health answered {', '.join(describe(a) for a in run.health)}; "
        "liveness is not readiness"
    )
    assert all(a.status == 503 for a in run.ready), (
        f"with no model loaded, /ready answered {', '.join(describe(a) for a in run.ready)}; it must be 503"
    )
    loaded = _serving(default_run, "readiness with the model loaded")
    assert loaded.ready is not None and loaded.ready.status == 200, (
        f"with the model loaded (predictions were answered), /ready answered {describe(loaded.ready)}; it must be 200"
    )


def test_golden_predictions(image: CandidateBuild, golden: list[str]) -> None:
    require(image)
    expect_none(golden)


def test_malformed_input_4xx(image: CandidateBuild, default_run: DefaultRun | None) -> None:
    require(image)
    run = _serving(default_run, "the answers to malformed requests")
    for (what, _body), answer in zip(MALFORMED, run.malformed, strict=True):
        assert 400 <= answer.status < 500, f"{what} got {describe(answer)}, not a 4xx"
    assert run.alive_after_malformed is not None and run.alive_after_malformed.status == 200, (
        f"after the malformed requests a valid one got {describe(run.alive_after_malformed)}"
    )


def _version_problems(answer: HttpResponse | None, sha: str, version: str | None) -> list[str]:
    """None when /version names `version` (any, if None) and the artifact `sha`, else what is wrong."""
    if answer is None or answer.status != 200:
        return [f"GET /version answered {describe(answer)} while the model answered predictions"]
    try:
        data = answer.json()
        reported = (str(data["model_version"]), str(data["model_sha256"]).lower())
    except (ValueError, KeyError, TypeError):
        return [f"/version must be JSON with model_version and model_sha256; got {answer.body[:120]!r}"]
    if reported[1] != sha:
        return [f"/version reports sha256 {reported[1][:16]}; the artifact it serves is {sha[:16]}"]
    if version is not None and reported[0] != version:
        return [f"/version reports model_version {reported[0]!r}; MODEL_VERSION was {version!r}"]
    return [] if reported[0].strip() else ["/version reports an empty model_version"]


def test_version_endpoint(
    image: CandidateBuild, default_run: DefaultRun | None, configured_run: ConfiguredRun | None, churn: Churn
) -> None:
    require(image)
    run = _serving(default_run, "/version as built")
    expect_none([f"as built: {problem}" for problem in _version_problems(run.version, churn.production.sha256, None)])
    # The hash must name the model that answers, not just the file the variable points at.
    serves = _configured_problems(configured_run, churn)
    expect_none([f"with MODEL_PATH and MODEL_VERSION set, {p}, so /version could not be judged" for p in serves])
    assert configured_run is not None
    configured = _version_problems(configured_run.version, configured_run.artifact.sha256, configured_run.model_version)
    expect_none([f"with MODEL_PATH and MODEL_VERSION set: {problem}" for problem in configured])


def _configured_problems(run: ConfiguredRun | None, churn: Churn) -> list[str]:
    """None when the container started with PORT and MODEL_PATH serves that model on that port."""
    if run is None:
        return ["the container did not run"]
    if run.predictions.status != 200:
        return [
            f"started with PORT={CONFIGURED_PORT} and MODEL_PATH set, POST /predict on that port answered "
            f"{describe(run.predictions)}"
        ]
    values = answered_probabilities(run.predictions.body, len(run.customers))
    if isinstance(values, str):
        return [values]
    expected = probabilities(run.artifact, churn, run.customers)
    if not all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(values, expected, strict=True)):
        return ["the predictions are not those of the model MODEL_PATH names (is the path hard-coded?)"]
    return []


def test_config_from_env(
    grading: Grading, image: CandidateBuild, configured_run: ConfiguredRun | None, churn: Churn
) -> None:
    require(image)
    for pattern in CONFIG_FILES:
        for path in grading.submission_glob(pattern):
            text = (grading.submission_file(path) or b"").decode("utf-8", "replace")
            found = HOME_PATH.search(text)
            assert found is None, f"{path} still refers to a home directory ({found.group(0)}); configure it instead"
    expect_none(_configured_problems(configured_run, churn))


def test_load_p95(grading: Grading, image: CandidateBuild, default_run: DefaultRun | None) -> None:
    require(image)
    load = _serving(default_run, "latency under load").load
    assert load is not None
    failed = [a for a in load.answers if a.status != 200]
    assert not failed, f"{len(failed)} of {len(load.answers)} requests failed under load, e.g. {describe(failed[0])}"
    params = grading.params["load"]
    budget = load_budget(load, params)
    if budget is None:
        raise RuntimeError("the kit's reference service did not serve here, so latency could not be compared")
    assert p95(load.answers) <= budget, (
        f"p95 latency at concurrency {params['concurrency']} was {p95(load.answers):.3f}s, more than "
        f"{params['max_over_reference']} times the kit's reference service's {load.reference_p95_s:.3f}s here"
    )


def _shell_form(image: CandidateBuild) -> str:
    """The image's command when it is in shell form (so `sh -c`, not the server, is PID 1), else ''."""
    command = image.command
    return " ".join(command) if command[:2] in (["/bin/sh", "-c"], ["sh", "-c"]) else ""


def test_sigterm_drain(image: CandidateBuild, default_run: DefaultRun | None) -> None:
    require(image)
    drains = _serving(default_run, "draining").drains
    assert drains, "the drain was not measured"
    last = drains[-1]
    problems = last.verdict(_shell_form(image) if last.stopped.timed_out else "")
    expect_none([f"in {len(drains)} tries, {problem}" if len(drains) > 1 else problem for problem in problems])
