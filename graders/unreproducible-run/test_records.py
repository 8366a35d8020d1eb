"""What a reproducible pipeline leaves behind: pins, run metadata, a runnable notebook, CI."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from typing import Any

import jsonschema
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from runs import MAX_DATA, METRICS, RUN_RECORD, TrainingRun, data_path, read_config

from harness.check.plugin import Grading
from harness.check.workflows import with_called_scripts

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
HASH_OPTION = re.compile(r"\s--hash=\S+")


def _requirement_lines(text: str) -> list[str]:
    joined = text.replace("\\\n", " ")
    lines = [HASH_OPTION.sub("", line.split(" #", 1)[0]).strip() for line in joined.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_dependencies_pinned(grading: Grading, first_run: TrainingRun) -> None:
    raw = grading.submission_file("requirements.txt")
    assert raw is not None, "requirements.txt is missing"
    pinned: set[str] = set()
    for line in _requirement_lines(raw.decode("utf-8", "replace")):
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            raise AssertionError(f"requirements.txt: '{line[:80]}' is not an exact pin (name==version)") from None
        specs = list(requirement.specifier)
        exact = len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version
        assert exact and requirement.url is None, f"requirements.txt: '{line[:80]}' is not pinned to one version"
        pinned.add(canonicalize_name(requirement.name))
    required = sorted(canonicalize_name(name) for name in grading.params["required_packages"])
    missing = [name for name in required if name not in pinned]
    assert not missing, f"requirements.txt does not pin: {', '.join(missing)}"
    command = ["python", "-m", "pip", "install", "--dry-run", "--no-index", "--disable-pip-version-check",
               "-q", "-r", "requirements.txt"]  # fmt: skip
    wheelhouse = grading.params.get("wheelhouse")
    if wheelhouse:
        command += ["--find-links", str(wheelhouse)]
    result = first_run.sandbox.exec(command, timeout_s=120)
    last = (result.stderr.strip().splitlines() or ["no output"])[-1]
    assert result.ok, f"the pinned requirements do not install offline from the provided packages: {last}"


def _contains_value(document: Any, wanted: str) -> bool:
    if isinstance(document, dict):
        return any(_contains_value(v, wanted) for v in document.values())
    if isinstance(document, list):
        return any(_contains_value(v, wanted) for v in document)
    return isinstance(document, str) and document.lower().removeprefix("sha256:") == wanted


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
    assert isinstance(record.get("code_version"), str) and record["code_version"].strip(), (
        f"{RUN_RECORD}: `code_version` is missing"
    )
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
    last = (result.stderr.strip().splitlines() or ["no output"])[-1]
    assert result.ok, f"{NOTEBOOK} does not run top to bottom: {last}"
    notebook_metrics = first_run.json(f"{NOTEBOOK_OUT}/metrics.json")
    assert notebook_metrics is not None, f"{NOTEBOOK} ran but wrote no metrics.json into $CHURN_OUT"
    assert notebook_metrics == first_run.json(METRICS), f"{NOTEBOOK} and train.py give different metrics"


def _workflow_schema() -> dict[str, Any]:
    path = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "github-workflows.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def _step_commands(workflow: dict[str, Any]) -> list[str]:
    jobs = workflow.get("jobs") or {}
    return [
        str(step.get("run", ""))
        for job in jobs.values()
        if isinstance(job, dict)
        for step in job.get("steps") or []
        if isinstance(step, dict)
    ]


def test_ci_workflow_valid(grading: Grading) -> None:
    files = grading.submission_glob(".github/workflows/*.yml") + grading.submission_glob(".github/workflows/*.yaml")
    assert files, "no GitHub Actions workflow in .github/workflows/"
    validator_class = jsonschema.validators.validator_for(_workflow_schema())
    validator = validator_class(_workflow_schema())
    problems = []
    for name in files:
        try:
            workflow = YAML(typ="safe").load((grading.submission_file(name) or b"").decode("utf-8", "replace"))
        except YAMLError:
            problems.append(f"{name} is not valid YAML")
            continue
        error = next(iter(validator.iter_errors(workflow)), None) if isinstance(workflow, dict) else None
        if not isinstance(workflow, dict) or error is not None:
            problems.append(f"{name} breaks the workflow schema: {error.message[:120] if error else 'not a mapping'}")
            continue
        commands = with_called_scripts("\n".join(_step_commands(workflow)), grading.submission_file)
        if TRAINING_STEP.search(commands) and COMPARISON_STEP.search(commands):
            return
        problems.append(f"{name} does not both train and compare two runs")
    raise AssertionError("; ".join(problems))
