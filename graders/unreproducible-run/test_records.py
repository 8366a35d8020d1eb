"""What a reproducible pipeline leaves behind: pins, run metadata, a runnable notebook, CI."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from packaging.utils import canonicalize_name
from runs import MAX_DATA, METRICS, RUN_RECORD, TrainingRun, data_path, read_config

from harness.grading import WORKFLOW_GLOBS, Grading, expect_none, last_line, load_workflows, read_requirements

NOTEBOOK = "churn.ipynb"
NOTEBOOK_OUT = "out-notebook"
DRIVER = ".opsdrill-eval/run_notebook.py"
NOTEBOOK_DRIVER = """\
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

notebook = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(notebook, timeout=int(sys.argv[2]), kernel_name="python3",
                        resources={"metadata": {"path": "."}})
try:
    client.execute()
except CellExecutionError as error:
    failing = next((i for i, cell in enumerate(notebook.cells)
                    if any(o.get("output_type") == "error" for o in cell.get("outputs", []))), None)
    where = f"cell {failing + 1}" if failing is not None else "a cell"
    print(f"{where} raised {error.ename}: {error.evalue}", file=sys.stderr)
    sys.exit(3)
"""
TRAINING_STEP = re.compile(r"train\.py|make\s+train|-m\s+churn", re.IGNORECASE)
COMPARISON_STEP = re.compile(r"\bcmp\b|\bdiff\b|sha256sum|reproduc|filecmp", re.IGNORECASE)


def test_dependencies_pinned(grading: Grading, first_run: TrainingRun) -> None:
    raw = grading.submission_file("requirements.txt")
    assert raw is not None, "requirements.txt is missing"
    requirements = read_requirements(raw.decode("utf-8", "replace"))
    loose = ", ".join(f"'{line[:80]}'" for line in requirements.loose[:3])
    assert not loose, f"requirements.txt: {loose} not pinned to one version (name==version)"
    missing = requirements.missing(grading.params["required_packages"])
    assert not missing, f"requirements.txt does not pin: {', '.join(missing)}"
    command = ["python", "-m", "pip", "install", "--dry-run", "--no-index", "--disable-pip-version-check",
               "-q", "-r", "requirements.txt"]  # fmt: skip
    wheelhouse = grading.params.get("wheelhouse")
    if wheelhouse:
        command += ["--find-links", str(wheelhouse)]
    result = first_run.sandbox.exec(command, timeout_s=120)
    last = last_line(result)
    assert result.ok, f"the pinned requirements do not install offline from the provided packages: {last}"


def _strings(document: Any) -> Iterator[str]:
    """Every string in a JSON document, however deep in its objects and lists."""
    if isinstance(document, dict):
        for value in document.values():
            yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)
    elif isinstance(document, str):
        yield document


def _contains_value(document: Any, wanted: str) -> bool:
    return any(text.lower().removeprefix("sha256:") == wanted for text in _strings(document))


def _names_something(value: Any) -> bool:
    """A non-empty string, or an object or list holding one (a hash, a commit, a tag)."""
    return any(text.strip() for text in _strings(value))


def test_run_metadata_complete(grading: Grading, first_run: TrainingRun) -> None:
    record = first_run.json(RUN_RECORD)
    assert isinstance(record, dict), f"{RUN_RECORD} is missing or not a JSON object"
    config = read_config(first_run.sandbox) or {}
    assert "seed" in record and record["seed"] == config.get("seed"), f"{RUN_RECORD}: `seed` must be the seed used"
    assert isinstance(record.get("params"), dict) and record["params"], f"{RUN_RECORD}: `params` is missing"
    path = data_path(config)
    data = first_run.read(path, MAX_DATA) if path else None
    assert data is not None, "config.yaml must name the training data under data.path"
    assert _contains_value(record, hashlib.sha256(data).hexdigest()), (
        f"{RUN_RECORD} does not record the sha256 of the training data"
    )
    # The brief names the key, not its shape: a string, or an object such as {"sha256": ..., "git_commit": ...}.
    assert _names_something(record.get("code_version")), f"{RUN_RECORD}: `code_version` is missing"
    packages = record.get("packages")
    assert isinstance(packages, dict), f"{RUN_RECORD}: `packages` (name -> version) is missing"
    versions: dict[str, Any] = {canonicalize_name(str(k)): v for k, v in packages.items()}
    probe = first_run.sandbox.exec(
        ["python", "-I", "-c", "import importlib.metadata as m; print(m.version('scikit-learn'))"],
        timeout_s=60,
    )
    assert versions.get("scikit-learn") == probe.stdout.strip(), (
        f"{RUN_RECORD}: packages must give the scikit-learn version training ran with"
    )
    assert record.get("metrics") == first_run.json(METRICS), f"{RUN_RECORD}: `metrics` must equal {METRICS}"


def test_notebook_runs_clean(grading: Grading, first_run: TrainingRun) -> None:
    sandbox = first_run.sandbox
    assert sandbox.exists(NOTEBOOK), f"{NOTEBOOK} is missing; keep it runnable top to bottom"
    timeout = int(grading.params["notebook_timeout_s"])
    sandbox.write_file(DRIVER, NOTEBOOK_DRIVER.encode())
    result = sandbox.exec(
        ["python", DRIVER, NOTEBOOK, str(timeout)],
        env={"CHURN_OUT": NOTEBOOK_OUT, "PYTHONHASHSEED": "99"},
        timeout_s=timeout + 30,
    )
    last = last_line(result)
    assert result.ok, f"{NOTEBOOK} does not run top to bottom: {last}"
    notebook_metrics = first_run.json(f"{NOTEBOOK_OUT}/metrics.json")
    assert notebook_metrics is not None, f"{NOTEBOOK} ran but wrote no metrics.json into $CHURN_OUT"
    assert notebook_metrics == first_run.json(METRICS), f"{NOTEBOOK} and train.py give different metrics"


def test_ci_workflow_valid(grading: Grading) -> None:
    paths = [path for pattern in WORKFLOW_GLOBS for path in grading.submission_glob(pattern)]
    assert paths, "no GitHub Actions workflow in .github/workflows/"
    workflows, problems = load_workflows(grading.submission_file, paths)
    for workflow in workflows:
        commands = workflow.runs(grading.submission_file)
        if TRAINING_STEP.search(commands) and COMPARISON_STEP.search(commands):
            return
        problems.append(f"{workflow.path} does not both train and compare two runs")
    expect_none(problems)
