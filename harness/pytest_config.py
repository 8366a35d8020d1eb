"""A submission's pytest configuration: its own tests' ordinary setup, or an attempt on the grader.

The grader never loads any of it, so neither kind can change a score. Ordinary configuration
(fixtures, markers, test paths, `sys.path` tweaks) is what a good candidate ships with their tests
and earns no flag; configuration that would act on a test run's results, act at import, or reach
for the grader's plugins and paths is worth a person's look, and is named with its evidence.
"""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from pathlib import Path

INI_FILES = ("pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg")
INI_SECTIONS = ("pytest", "tool:pytest")
MAX_READ = 1024 * 1024
#: Hooks that see or decide a test's outcome: a project's own tests have no need to rewrite them.
RESULT_HOOKS = frozenset({
    "pytest_runtest_makereport", "pytest_runtest_logreport", "pytest_report_teststatus", "pytest_runtest_protocol",
    "pytest_runtest_call", "pytest_pyfunc_call", "pytest_sessionfinish", "pytest_terminal_summary",
    "pytest_unconfigure", "pytest_collection_finish",
})  # fmt: skip
#: References to the grading side (its modules, variables and folders). Plain words such as "test
#: harness", or "opsdrill check" in a comment, are a candidate's prose, not a reach for the grader.
GRADER_REFERENCE = re.compile(r"OPSDRILL_[A-Z_]+|\bharness\.(check|sandbox|grade)\b|(^|/)graders/")
GRADER_MODULES = ("harness", "opsdrill")
#: Options that load plugins or move pytest's idea of where the tests and their configuration are.
REACHING_OPTIONS = re.compile(r"(^|\s)(-p\s*(?!no:)\S+|--rootdir|--confcutdir|-c\s|--override-ini|-o\s)")
#: Calls that, made while pytest imports a conftest, end the process, run programs or code, or
#: import by name (set-up such as `sys.path.insert` or `logging.basicConfig` is ordinary).
SUSPECT_CALLS = frozenset({"_exit", "exit", "abort", "kill", "system", "popen", "Popen", "run", "call", "check_call",
                           "check_output", "exec", "eval", "compile", "__import__", "import_module"})  # fmt: skip


def _read(path: Path) -> str | None:
    if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_READ:
        return None
    return path.read_text("utf-8", "replace")


def _conftest_findings(text: str) -> list[str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []  # pytest could not even import it
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in RESULT_HOOKS:
            found.append(f"defines {node.name}")
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in SUSPECT_CALLS:
                found.append(f"calls {ast.unparse(func)[:40]}() at import")
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytest_plugins" for t in node.targets):
            found.append("loads plugins (pytest_plugins)")
    if "hookwrapper" in text or re.search(r"wrapper\s*=\s*True", text):
        found.append("wraps pytest hooks")
    if _names_grader(tree):
        found.append("names the grader")
    return found


def _names_grader(tree: ast.Module) -> bool:
    """Whether the code imports the grader's modules or holds a string that refers to them."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in GRADER_MODULES for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in GRADER_MODULES:
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and GRADER_REFERENCE.search(node.value):
            return True
    return False


def _option_findings(options: list[str]) -> list[str]:
    joined = " ".join(options)
    found = []
    if REACHING_OPTIONS.search(joined):
        found.append("loads plugins or moves the rootdir in its options")
    if GRADER_REFERENCE.search(joined):
        found.append("names the grader")
    return found


def _ini_options(path: Path, text: str) -> list[str] | None:
    """The pytest section's values, or None when the file has none."""
    if path.name == "pyproject.toml":
        try:
            section = tomllib.loads(text).get("tool", {}).get("pytest")
        except tomllib.TOMLDecodeError:
            return None
        if not isinstance(section, dict):
            return None
        nested = section.get("ini_options")  # pytest 9 also reads options straight from [tool.pytest]
        options = {k: v for k, v in section.items() if k != "ini_options"} | (
            nested if isinstance(nested, dict) else {}
        )
        return [" ".join(map(str, v)) if isinstance(v, list) else str(v) for v in options.values()]
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    names = [name for name in INI_SECTIONS if parser.has_section(name)]
    return [value for name in names for value in parser[name].values()] if names else None


def aimed_at_grader(root: Path) -> list[str]:
    """'FILE: what it does' for every piece of pytest configuration that goes beyond a project's own
    tests, in path order; ordinary configuration is left out."""
    findings: dict[Path, list[str]] = {}
    for path in root.rglob("conftest.py"):
        if (text := _read(path)) is not None and (found := _conftest_findings(text)):
            findings[path] = found
    for name in (*INI_FILES, "pyproject.toml"):
        for path in root.rglob(name):
            text = _read(path)
            options = _ini_options(path, text) if text is not None else None
            if options is not None and (found := _option_findings(options)):
                findings[path] = found
    return [
        f"{path.relative_to(root).as_posix()} ({', '.join(dict.fromkeys(found))})"
        for path, found in sorted(findings.items())
    ]
