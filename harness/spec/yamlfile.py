"""Load a YAML file into a pydantic model; errors name the file, the line and the fix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from harness.errors import ContentError

ModelT = TypeVar("ModelT", bound=BaseModel)
Hint = Callable[[dict[str, Any]], str | None]


def _node_at(node: yaml.Node, loc: Sequence[int | str]) -> yaml.Node:
    """The deepest YAML node on the path `loc` (pydantic's error location)."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(key)), None)
            if match is None:
                match = next((k for k, _ in node.value if k.value == str(key)), None)
            if match is None:
                return node
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return node
    return node


def line_of(root: yaml.Node | None, loc: Sequence[int | str]) -> int:
    if root is None:
        return 1
    return _node_at(root, loc).start_mark.line + 1


def parse(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse `path` into plain data plus its node tree (for line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path}: cannot be read ({exc}); restore the file.") from exc
    try:
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"{path}:{line}: invalid YAML ({problem}); fix the syntax on that line.") from exc


def load_model(path: Path, model: type[ModelT], hint: Hint | None = None) -> ModelT:
    """Validate `path` against `model`; the first problem becomes one ContentError sentence."""
    data, root = parse(path)
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key also reports the real key as missing; the misspelling is the news.
        error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        raise ContentError(describe(path, root, error, hint)) from exc


def describe(path: Path, root: yaml.Node | None, error: Any, hint: Hint | None = None) -> str:
    loc = [part for part in error["loc"] if isinstance(part, int | str)]
    where = ".".join(str(part) for part in loc) or "top level"
    fix = (hint(error) if hint else None) or _default_fix(error)
    message = str(error["msg"]).rstrip(".")
    return f"{path}:{line_of(root, loc)}: {where}: {message}; {fix}"


def _default_fix(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "add this key."
    if kind == "extra_forbidden":
        return "remove this key or check its spelling."
    return "correct this value."


def error_at(path: Path, loc: Sequence[int | str], message: str) -> ContentError:
    """A ContentError for a problem found after schema validation (e.g. cross-file checks)."""
    _, root = parse(path)
    return ContentError(f"{path}:{line_of(root, loc)}: {message}")
