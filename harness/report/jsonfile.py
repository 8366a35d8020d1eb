"""scorecard.json: validated against the JSON Schema shipped in the package, written atomically."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from harness.errors import BadInputError, OpsdrillError
from harness.fsutil import write_atomic
from harness.model.scorecard import Scorecard

SCHEMA_PATH = Path(__file__).with_name("scorecard.schema.json")


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def schema_errors(document: Any) -> list[str]:
    """Every way `document` breaks the scorecard schema, as 'path: message' lines."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    ]


def to_document(scorecard: Scorecard) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(scorecard.model_dump_json())
    errors = schema_errors(document)
    if errors:
        raise OpsdrillError(f"Internal error: the scorecard breaks its own schema ({errors[0]}); please report it.")
    return document


def write(scorecard: Scorecard, path: Path) -> None:
    write_atomic(path, json.dumps(to_document(scorecard), indent=2, ensure_ascii=False) + "\n")


def read_scorecard(path: Path) -> Scorecard:
    """A scorecard.json written by opsdrill; anything else is said in one sentence."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInputError(f"Cannot read {path} ({exc.strerror or exc}).") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadInputError(f"{path} is not a JSON file; give the scorecard.json a grading wrote.") from None
    errors = schema_errors(document)
    if errors:
        raise BadInputError(f"{path} is not an opsdrill scorecard ({errors[0]}).")
    return Scorecard.model_validate(document)
