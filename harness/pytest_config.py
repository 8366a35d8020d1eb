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
#: Names of the grading side; a candidate's configuration has no reason to mention them.
GRADER_WORDS = re.compile(r"harness|opsdrill|graders?\b|OPSDRILL_", re.IGNORECASE)
#: Options that load plugins or move pytest's idea of where the tests and their configuration are.
REACHING_OPTIONS = re.compile(r"(^|\s)(-p\s*(?!no:)\S+|--rootdir|--confcutdir|-c\s|--override-ini|-o\s)")
#: Module-level calls an ordinary conftest makes: path set-up and plugin registration by name.
ORDINARY_CALLS = frozenset({"insert", "append", "register_assert_rewrite", "filterwarnings", "simplefilter"})


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
            if name not in ORDINARY_CALLS:
                found.append(f"calls {ast.unparse(func)[:40]}() at import")
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytest_plugins" for t in node.targets):
            found.append("loads plugins (pytest_plugins)")
    if "hookwrapper" in text or re.search(r"wrapper\s*=\s*True", text):
        found.append("wraps pytest hooks")
    if GRADER_WORDS.search(text):
        found.append("names the grader")
    return found


def _option_findings(options: list[str]) -> list[str]:
    joined = " ".join(options)
    found = []
    if REACHING_OPTIONS.search(joined):
        found.append("loads plugins or moves the rootdir in its options")
    if GRADER_WORDS.search(joined):
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
