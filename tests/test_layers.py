"""The design's layers, beyond what lint-imports checks: pure stages load no backend, and graders
use the public grading API only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PURE = ["harness.score", "harness.model", "harness.report.files", "harness.report.html", "harness.report.jsonfile",
        "harness.report.markdown", "harness.report.terminal"]  # fmt: skip
BACKEND_PREFIXES = ("docker", "harness.sandbox", "harness.build", "harness.check", "harness.engine")


def test_scoring_and_reports_load_no_backend() -> None:
    program = (
        f"import sys\nfor name in {PURE!r}: __import__(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] == 'docker' or m.startswith({BACKEND_PREFIXES!r})))"
    )
    loaded = subprocess.run([sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout


def test_sandbox_package_loads_no_backend_until_asked() -> None:
    program = "import sys, harness.sandbox; print(sorted(m for m in sys.modules if m.split('.')[0] == 'docker'))"
    loaded = subprocess.run([sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout


def _harness_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return [name for name in names if name.split(".")[0] == "harness"]


def test_graders_import_only_the_public_grading_api() -> None:
    files = sorted([*(REPO / "graders").rglob("*.py"), *(REPO / "exercises").glob("*/checks/*.py")])
    assert files
    offending = {
        str(path.relative_to(REPO)): imports
        for path in files
        if (imports := [name for name in _harness_imports(path) if name != "harness.grading"])
    }
    assert not offending, f"graders may import only harness.grading: {offending}"
