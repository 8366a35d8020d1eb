"""Which workflow files count, and what their steps really run: a step counts with the project
scripts it calls (read as text, one level deep)."""

from __future__ import annotations

import pytest

from harness.check.workflows import MAX_SCRIPTS, Workflow, load_workflows, with_called_scripts

CI = b"""\
name: ci
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {python-version: "3.11"}
      - run: pip install -r requirements-dev.txt
      - run: ./ci/check.sh
  image:
    runs-on: ubuntu-24.04
    needs: test
    steps:
      - uses: docker/build-push-action@v6
      - name: gate
        run: make gate
"""
PROJECT = {
    ".github/workflows/ci.yml": CI,
    ".github/workflows/broken.yml": b"on: [push\njobs: {}\n",
    ".github/workflows/no-runner.yaml": b"on: push\njobs:\n  test:\n    steps:\n      - run: pytest\n",
    ".github/workflows/empty.yml": b"",
    ".github/workflows/list.yml": b"- run: pytest\n",
    "ci/check.sh": b"#!/bin/sh\nset -e\npython -m pytest -q tests\n",
    "Makefile": b"gate:\n\tpython quality_gate.py candidate.joblib\n",
    "requirements-dev.txt": b"pytest==8.3.3\n",
    "check_reproducible.py": b"import filecmp\n",
}


def _read(path: str) -> bytes | None:
    return PROJECT.get(path)


def test_a_valid_workflow_loads_with_on_as_a_string_key() -> None:
    workflows, problems = load_workflows(_read, [".github/workflows/ci.yml"])
    assert problems == []
    (workflow,) = workflows
    assert workflow.path == ".github/workflows/ci.yml"
    assert set(workflow.document) == {"name", "on", "jobs"}, "`on:` was not turned back into a string"
    assert workflow.document["on"]["push"] == {"branches": ["main"]}


@pytest.mark.parametrize(
    ("path", "problem"),
    [(".github/workflows/broken.yml", ".github/workflows/broken.yml is not YAML ("),
     (".github/workflows/no-runner.yaml", ".github/workflows/no-runner.yaml is not a valid workflow: jobs/test: "),
     (".github/workflows/empty.yml", ".github/workflows/empty.yml is not a valid workflow: (top): None"),
     (".github/workflows/list.yml", ".github/workflows/list.yml is not a valid workflow: (top): [")],
)  # fmt: skip
def test_each_invalid_file_gets_one_sentence(path: str, problem: str) -> None:
    workflows, problems = load_workflows(_read, [".github/workflows/ci.yml", path])
    assert [w.path for w in workflows] == [".github/workflows/ci.yml"]
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_a_called_script_counts_as_what_the_step_runs() -> None:
    text = with_called_scripts('bash ./ci/check.sh "$RUNNER_TEMP/x"', _read)
    assert "python -m pytest -q tests" in text and "./ci/check.sh" in text


def test_make_brings_the_makefile_and_python_brings_its_script() -> None:
    assert "python quality_gate.py" in with_called_scripts("make gate", _read)
    assert "import filecmp" in with_called_scripts("python check_reproducible.py --config config.yaml", _read)


def test_runs_follows_the_called_script_and_the_makefile() -> None:
    (workflow,), _ = load_workflows(_read, [".github/workflows/ci.yml"])
    runs = workflow.runs(_read)
    assert "pip install -r requirements-dev.txt" in runs and "make gate" in runs
    assert "python -m pytest -q tests" in runs, "ci/check.sh was not followed"
    assert "python quality_gate.py candidate.joblib" in runs, "the Makefile was not read for `make`"
    assert "pytest==8.3.3" not in runs, "a .txt file is not a script"
    assert workflow.uses().split() == ["actions/checkout@v4", "actions/setup-python@v5", "docker/build-push-action@v6"]


def test_runs_without_scripts_is_just_the_commands() -> None:
    workflow = Workflow("w.yml", {"jobs": {"t": {"steps": [{"run": "make gate"}, "not a step", {"uses": "x@v1"}]},
                                           "matrix": None}})  # fmt: skip
    assert len(workflow.steps()) == 2
    assert workflow.runs(lambda path: None) == "make gate \n"


def test_called_scripts_are_read_once_and_at_most_max_scripts() -> None:
    asked: list[str] = []

    def read(path: str) -> bytes | None:
        asked.append(path)
        return f"# {path}".encode()

    many = " && ".join(f"sh scripts/s{i}.sh" for i in range(MAX_SCRIPTS + 5))
    text = with_called_scripts(f"bash ./scripts/s0.sh; {many}", read)
    assert len(asked) == MAX_SCRIPTS and len(set(asked)) == MAX_SCRIPTS
    assert asked[0] == "scripts/s0.sh" and "# scripts/s0.sh" in text


@pytest.mark.parametrize(
    "commands",
    ["python /etc/passwd.py", "sh ../other/run.sh", "pip install -r requirements-dev.txt", "cat notes.txt", "makefile"],
)
def test_outside_paths_bare_words_and_non_scripts_are_not_read(commands: str) -> None:
    asked: list[str] = []

    def read(path: str) -> bytes:
        asked.append(path)
        return b"x"

    assert with_called_scripts(commands, read) == commands
    assert asked == []
