"""JSON Schemas of well-known file formats (GitHub workflows, compose files, ...), as check-jsonschema
vendors them, and one way of saying what breaks them."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema


@cache
def vendored_schema(name: str) -> dict[str, Any]:
    """A schema check-jsonschema vendors, by its file name without `.json` (e.g. "github-workflows")."""
    text = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath(f"{name}.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_errors(document: Any, schema_name: str) -> list[str]:
    """Where and why `document` breaks the schema, in document order ([] when it meets it)."""
    schema = vendored_schema(schema_name)
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message[:160]}" for e in errors]
