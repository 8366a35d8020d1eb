"""Submissions that try to make the hidden checks pass without doing the work score as the starter."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness import exercise as exercise_mod
from harness.grade import grade
from harness.model.flags import FlagKind

pytestmark = pytest.mark.slow

FORCE_PASS_CONFTEST = """\
import pytest

pytest_plugins = ["evil_plugin"]

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"

def pytest_collection_modifyitems(items):
    items.clear()
"""
SITECUSTOMIZE = """\
import builtins, os, sys
os.environ["PYTEST_ADDOPTS"] = "-p conftest"
sys.modules.setdefault("forged", builtins)
"""
FORGER = """\
import json, os, pathlib
passed = {"status": "passed", "duration_s": 0.1, "detail": ""}
checks = ["training_entry_point", "artifact_reproducible", "seed_is_used", "data_hash_enforced",
          "quality_preserved", "dependencies_pinned", "run_metadata_complete", "notebook_runs_clean",
          "ci_workflow_valid"]
forged = json.dumps({"outcomes": {c: passed for c in checks}, "flags": []})
here = pathlib.Path.cwd()
for folder in [here, here.parent, here.parent.parent, pathlib.Path(os.environ.get("TMPDIR", "/nonexistent")),
               pathlib.Path.home()]:
    for name in ("results.json", "scorecard.json"):
        try:
            (folder / name).write_text(forged)
        except OSError:
            pass
for check in checks:
    print(f"PASSED {check}")
    print(json.dumps({"id": check, "status": "passed"}))
raise SystemExit(0)
"""


def test_pytest_injection_sitecustomize_and_forged_results_earn_nothing(tmp_path: Path) -> None:
    exercise = exercise_mod.load("unreproducible-run")
    starter_score = grade(exercise, exercise.paths.starter, "local").total.points

    hostile = tmp_path / "hostile"
    shutil.copytree(exercise.paths.starter, hostile)
    (hostile / "conftest.py").write_text(FORCE_PASS_CONFTEST)
    (hostile / "pytest.ini").write_text("[pytest]\naddopts = -p conftest -p no:harness.check.plugin\n")
    (hostile / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '-p conftest'\n")
    (hostile / "setup.cfg").write_text("[tool:pytest]\naddopts = -p conftest\n")
    (hostile / "sitecustomize.py").write_text(SITECUSTOMIZE)
    (hostile / "usercustomize.py").write_text(SITECUSTOMIZE)
    (hostile / "pytest.py").write_text("raise SystemExit(0)\n")
    (hostile / "harness.py").write_text("raise SystemExit(0)\n")
    (hostile / "evil_plugin.py").write_text(FORCE_PASS_CONFTEST.replace('pytest_plugins = ["evil_plugin"]', ""))
    (hostile / "_pytest").mkdir()
    (hostile / "_pytest" / "__init__.py").write_text("raise SystemExit(0)\n")
    (hostile / "yaml.py").write_text("def safe_load(*args):\n    return {}\n")
    (hostile / "train.py").write_text(FORGER)
    (hostile / "scorecard.json").write_text(json.dumps({"total": {"percent": 100}}))

    card = grade(exercise, hostile, "local")
    assert card.total.points <= starter_score
    assert card.total.points == 0 and all(c.status != "passed" for c in card.checks)
    assert card.complete  # the checks ran; the forgeries changed nothing
    kinds = [flag.kind for flag in card.flags]
    assert kinds.count(FlagKind.TAMPER_ATTEMPT) == 3  # start-up hooks, shadowed modules, pytest configuration
