"""unreproducible-run's run record check: what counts as a `code_version`."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest


@pytest.fixture(scope="module")
def records(grader: Callable[[str, str], ModuleType]) -> ModuleType:
    return grader("unreproducible-run", "test_records")


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("3f9c2ab", True),
        ({"sha256": "9e1d...", "files": ["train.py"], "git_commit": "3f9c2ab"}, True),
        (["3f9c2ab"], True),
        ("  ", False),
        ({}, False),
        ({"git_commit": ""}, False),
        (None, False),
        (42, False),
    ],
)
def test_code_version_may_be_a_string_or_an_object_that_names_one(records: ModuleType, value: Any, names: bool) -> None:
    """The brief names the key, not its shape: a thorough candidate's hash-and-commit object counts."""
    assert records._names_something(value) is names
