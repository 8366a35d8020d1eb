"""manual-deploy's dockerfile.py: the base image comes from a pinned `ARG BASE_IMAGE`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

SOLUTION = Path(__file__).resolve().parents[2] / "exercises" / "manual-deploy" / "solution" / "Dockerfile"
DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.fixture(scope="module")
def dockerfile(grader: Callable[[str, str], ModuleType]) -> ModuleType:
    return grader("manual-deploy", "dockerfile")


@pytest.mark.parametrize(
    "reference",
    ["python:3.11-slim-bookworm", f"python@{DIGEST}", f"python:3.11-slim@{DIGEST}", "ghcr.io/acme/base:2026.10",
     "localhost:5000/python:3.11"],
)  # fmt: skip
def test_pinned_references(dockerfile: ModuleType, reference: str) -> None:
    assert dockerfile.pinned_reference(reference)


@pytest.mark.parametrize("reference", ["python", "python:latest", "python:", "localhost:5000/python", ""])
def test_unpinned_references(dockerfile: ModuleType, reference: str) -> None:
    assert not dockerfile.pinned_reference(reference)


def test_instructions_join_continuations_and_drop_comments(dockerfile: ModuleType) -> None:
    text = "# syntax comment\nfrom python:3.11\nRUN pip install a \\\n    # inside a continuation\n    && pip check\n\n"
    found = [(i.keyword, i.argument) for i in dockerfile.instructions(text)]
    assert found == [("FROM", "python:3.11"), ("RUN", "pip install a  && pip check")]


def test_the_solutions_dockerfile_passes(dockerfile: ModuleType) -> None:
    assert dockerfile.base_image_problems(SOLUTION.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "text",
    [
        "ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\n",
        "ARG BASE_IMAGE=python:3.11-slim\nFROM $BASE_IMAGE\n",
        f'ARG BASE_IMAGE="python@{DIGEST}"\nFROM --platform=$BUILDPLATFORM ${{BASE_IMAGE}} as build\n'
        "FROM build AS final\nUSER 10001\n",
    ],
    ids=["braces", "bare", "digest-platform-stages"],
)
def test_base_image_from_a_pinned_argument(dockerfile: ModuleType, text: str) -> None:
    assert dockerfile.base_image_problems(text) == []


def test_a_hard_coded_base_image_fails(dockerfile: ModuleType) -> None:
    assert dockerfile.base_image_problems("FROM python:3.11-slim\nRUN pip install -r requirements.txt\n") == [
        "FROM python:3.11-slim does not take its base from ${BASE_IMAGE}",
        "there is no ARG BASE_IMAGE before the first FROM",
    ]


def test_every_stage_takes_the_argument(dockerfile: ModuleType) -> None:
    text = "ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE} AS build\nFROM ${RUNTIME_IMAGE}\n"
    assert dockerfile.base_image_problems(text) == ["FROM ${RUNTIME_IMAGE} does not take its base from ${BASE_IMAGE}"]
    with_default = "ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE:-python:3.11}\n"
    assert len(dockerfile.base_image_problems(with_default)) == 1


@pytest.mark.parametrize(
    ("arg", "shown"),
    [("ARG BASE_IMAGE=python:latest", "python:latest"), ("ARG BASE_IMAGE=python", "python"),
     ("ARG BASE_IMAGE", "(none)")],
)  # fmt: skip
def test_the_default_base_image_must_be_pinned(dockerfile: ModuleType, arg: str, shown: str) -> None:
    assert dockerfile.base_image_problems(f"{arg}\nFROM ${{BASE_IMAGE}}\n") == [
        f"the default base image '{shown}' is not pinned to a tag or digest"
    ]


def test_an_argument_declared_after_the_first_from_does_not_count(dockerfile: ModuleType) -> None:
    text = "FROM ${BASE_IMAGE}\nARG BASE_IMAGE=python:3.11-slim\n"
    assert dockerfile.base_image_problems(text) == ["there is no ARG BASE_IMAGE before the first FROM"]


def test_an_empty_dockerfile_fails(dockerfile: ModuleType) -> None:
    assert dockerfile.base_image_problems("# nothing yet\n") == [
        "there is no FROM",
        "there is no ARG BASE_IMAGE before the first FROM",
    ]
