"""Infrastructure as code, the CI workflow and the model quality gate."""

from __future__ import annotations

import pytest
import yaml
from churn import Artifact, Churn
from iac import COMPOSE_FILES, K8S_GLOBS, compose_problems, k8s_problems, load_yaml_documents
from pipeline import masked

from harness.grading import WORKFLOW_GLOBS, Grading, expect_none, last_line, load_workflows

GATE_DIR = ".opsdrill/gate"


def _text(grading: Grading, path: str) -> str:
    return (grading.submission_file(path) or b"").decode("utf-8", "replace")


def test_infrastructure_as_code(grading: Grading) -> None:
    compose = [path for path in COMPOSE_FILES if grading.submission_file(path) is not None]
    manifests = [path for pattern in K8S_GLOBS for path in grading.submission_glob(pattern)]
    assert compose or manifests, "there is no compose file and no k8s/*.yaml manifest"
    problems: list[str] = []
    for path in compose:
        try:
            documents = load_yaml_documents(_text(grading, path))
        except yaml.YAMLError as exc:
            problems.append(f"{path} is not YAML ({str(exc)[:120]})")
            continue
        found = compose_problems(documents[0] if len(documents) == 1 else documents)
        if not found:
            return
        problems += [f"{path}: {p}" for p in found]
    if manifests:
        try:
            documents = [doc for path in manifests for doc in load_yaml_documents(_text(grading, path))]
        except yaml.YAMLError as exc:
            raise AssertionError(f"a manifest is not YAML ({str(exc)[:120]})") from None
        found = k8s_problems(documents)
        if not found:
            return
        problems += [f"k8s manifests: {p}" for p in found]
    expect_none(problems)


def test_ci_workflow(grading: Grading) -> None:
    paths = [path for pattern in WORKFLOW_GLOBS for path in grading.submission_glob(pattern)]
    assert paths, "there is no workflow in .github/workflows/"
    workflows, problems = load_workflows(grading.submission_file, paths)
    for workflow in workflows:
        runs = workflow.runs(grading.submission_file)
        uses = workflow.uses()
        missing = [what for what, present in [
            ("runs the tests (pytest)", "pytest" in runs),
            ("builds the image (docker build)", "docker build" in runs or "docker buildx build" in runs
             or "docker/build-push-action" in uses),
            ("runs quality_gate.py", "quality_gate.py" in runs),
        ] if not present]  # fmt: skip
        if missing:
            problems.append(f"{workflow.path} has no step that {', '.join(missing)}")
            continue
        # A gate that cannot fail the workflow gates nothing.
        swallowed = [
            p for command in ("pytest", "quality_gate.py") for p in masked(workflow, grading.submission_file, command)
        ]
        if not swallowed:
            return
        problems.append(f"{workflow.path}: {'; '.join(swallowed)}")
    expect_none(problems)


@pytest.fixture(scope="session")
def gate_problems(grading: Grading, churn: Churn) -> list[str]:
    """None when quality_gate.py passes models as good as production and stops worse ones."""
    if grading.submission_file("quality_gate.py") is None:
        return ["there is no quality_gate.py at the project root"]
    box = grading.sandbox("gate")
    cases: list[tuple[str, Artifact, bool]] = [
        ("a retrained model as good as production", churn.retrained(), True),
        ("another retrained model as good as production", churn.retrained(), True),
        ("a model that lost one input (holdout AUC about 0.03 lower)", churn.without_support_calls(), False),
        (
            "a model that weighs one input five times too much (holdout AUC 0.06 to 0.10 lower)",
            churn.overweighted(),
            False,
        ),
        ("a model trained on flipped labels", churn.inverted_labels(), False),
    ]
    # One at a time: commands in one sandbox do not overlap (the local backend reaps strays).
    results = []
    for number, (_what, artifact, _good) in enumerate(cases):
        path = f"{GATE_DIR}/candidate-{number}.joblib"
        box.write_file(path, artifact.data)
        results.append(box.exec(["python", "quality_gate.py", box.path(path)], timeout_s=90))
    for (what, _artifact, good), result in zip(cases, results, strict=True):
        if result.timed_out:
            return [f"quality_gate.py ran out of time on {what}"]
        if good and result.exit_code != 0:
            return [f"the gate rejected {what} (exit {result.exit_code}: {last_line(result)})"]
        if not good and result.exit_code == 0:
            return [f"the gate let through {what}"]
    return []


def test_quality_gate(gate_problems: list[str]) -> None:
    expect_none(gate_problems)
