"""Public self-checks for manual-deploy: a weaker subset of the hidden checks, with hints.

Passing these does not guarantee full marks; failing one means a hidden check fails too.
"""

from __future__ import annotations

import pytest
import yaml
from contract import DEFAULT_PORT, LOCAL_SKIP, answered_probabilities, first_prediction, sample_customers, start
from dockerfile import base_image_problems
from iac import COMPOSE_FILES, K8S_GLOBS, compose_problems, k8s_problems, load_yaml_documents

from harness.grading import Grading, describe, expect_none


def test_dockerfile_takes_a_pinned_base_from_a_build_arg(grading: Grading) -> None:
    dockerfile = grading.submission_file("Dockerfile")
    assert dockerfile is not None, "add a Dockerfile at the project root (see the brief for what its build gets)"
    problems = base_image_problems(dockerfile.decode("utf-8", "replace"))
    expect_none(problems)


def test_deployment_description_validates(grading: Grading) -> None:
    compose = [path for path in COMPOSE_FILES if grading.submission_file(path) is not None]
    manifests = [path for pattern in K8S_GLOBS for path in grading.submission_glob(pattern)]
    assert compose or manifests, "add compose.yaml (or k8s/*.yaml manifests)"
    try:
        if compose:
            documents = load_yaml_documents((grading.submission_file(compose[0]) or b"").decode("utf-8", "replace"))
            problems = compose_problems(documents[0] if documents else {})
        else:
            texts = [(grading.submission_file(p) or b"").decode("utf-8", "replace") for p in manifests]
            problems = k8s_problems([d for t in texts for d in load_yaml_documents(t)])
    except yaml.YAMLError as exc:
        raise AssertionError(f"not YAML: {str(exc)[:200]}") from None
    expect_none(problems)


def test_quality_gate_accepts_the_production_model(grading: Grading) -> None:
    box = grading.sandbox("public-gate")
    result = box.exec(["python", "quality_gate.py", box.path("model/churn.joblib")], timeout_s=90)
    assert result.exit_code == 0, (
        f"`python quality_gate.py model/churn.joblib` exited {result.exit_code}: the production model must pass "
        "its own gate"
    )


def test_image_serves_a_prediction(grading: Grading) -> None:
    if grading.context.backend != "docker":
        pytest.skip(LOCAL_SKIP)
    build = grading.context.backend_options.candidate
    assert build is not None and build.ok, f"the image did not build: {build.detail if build else 'not built'}"
    box = grading.sandbox("public-serve")
    service = start(box, build, DEFAULT_PORT)
    try:
        customers = sample_customers(list(grading.kit_module("starter/features.py").CONTRACTS), 5, seed=1)
        answer = first_prediction(service, customers, grading.params)
        assert answer.status == 200, f"POST /predict on $PORT answered {describe(answer)}"
        values = answered_probabilities(answer.body, len(customers))
        assert not isinstance(values, str), values
    finally:
        service.stop()
